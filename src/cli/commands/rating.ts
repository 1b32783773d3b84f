/** Registers the rating commands of src/rate and src/awe: rate, agreement, awe train|predict, baseline length. */
import type { Command } from 'commander';
import { registerRate } from './rate';
import { registerAgreement } from './agreement';
import { registerAwe } from './awe';
import { registerBaseline } from './baseline';

export function registerRating(program: Command): void {
  registerRate(program);
  registerAgreement(program);
  registerAwe(program);
  registerBaseline(program);
}
