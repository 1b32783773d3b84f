/**
 * Loading the model of an experiment for inference: EXP_DIR/checkpoints/best, else checkpoints/last, else a
 * plain model directory (the choice is `resolveModelDir` of the experiment folder, ./dir.ts, so training and inference
 * agree on it). A missing directory is a UserError naming the path and the fix.
 */
import * as fs from 'node:fs';
import { UserError } from '../runtime/errors';
import { loadModel } from '../model/checkpoint';
import type { GPT2 } from '../model/gpt2';
import { resolveModelDir } from './dir';

export interface LoadedModel {
  model: GPT2;
  /** The directory the weights came from. */
  dir: string;
}

export function loadExperimentModel(expDir: string): LoadedModel {
  if (!fs.existsSync(expDir)) {
    throw new UserError(`${expDir}: the experiment directory does not exist. Fix: give the directory that \`cefrlab train\` wrote (e.g. experiments/ilm-general)`);
  }
  if (!fs.statSync(expDir).isDirectory()) {
    throw new UserError(`${expDir}: not a directory. Fix: give an experiment directory, not a file`);
  }
  const dir = resolveModelDir(expDir);
  return { model: loadModel(dir), dir };
}
