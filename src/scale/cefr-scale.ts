/**
 * The 100-point test scale aligned to the CEFR (Settles, LaFlair & Hagiwara 2020, Table 1): A1 0, A2 20,
 * B1 40, B2 60, C1 80, C2 100. Item difficulties (δ) and abilities (θ) on this scale are what the item bank,
 * the scales and the adaptive test exchange; the logit scale of the Rasch model is a linear map of it
 * (src/irt owns that map).
 */
import { CEFR_LEVELS, type CefrLevel } from '../corpus/cefr';

/** δ(level): the scale point of each CEFR level (Table 1). */
export const LEVEL_SCALE: Readonly<Record<CefrLevel, number>> = { A1: 0, A2: 20, B1: 40, B2: 60, C1: 80, C2: 100 };

/** The scale point of a level. */
export function levelToScale(level: CefrLevel): number {
  return LEVEL_SCALE[level];
}

/** The CEFR level of a score on the 100-point scale: the level whose scale point is nearest (ties go up). */
export function scaleToLevel(score: number): CefrLevel {
  if (!Number.isFinite(score)) throw new RangeError(`scaleToLevel: score must be finite, got ${score}`);
  const clamped = Math.min(100, Math.max(0, score));
  const index = Math.min(CEFR_LEVELS.length - 1, Math.floor((clamped + 10) / 20));
  return CEFR_LEVELS[index];
}

/**
 * The eleven difficulty bins of the item bank (paper section 5.1): 0-5, 6-15, 16-25, ..., 86-95, 96-100.
 * Bin k (0..10) is centred on 10k; a score is first rounded to the nearest integer, then clamped to 0..100.
 */
export const BIN_COUNT = 11;

/** Bin 0..10 of a score on the 100-point scale. */
export function binOf(score: number): number {
  if (!Number.isFinite(score)) throw new RangeError(`binOf: score must be finite, got ${score}`);
  const s = Math.min(100, Math.max(0, Math.round(score)));
  return Math.min(BIN_COUNT - 1, Math.floor((s + 4) / 10));
}

/** The inclusive score range [lo, hi] of bin k. */
export function binRange(bin: number): [number, number] {
  if (!Number.isInteger(bin) || bin < 0 || bin >= BIN_COUNT) throw new RangeError(`binRange: bin must be 0..10, got ${bin}`);
  return [bin === 0 ? 0 : 10 * bin - 4, bin === BIN_COUNT - 1 ? 100 : 10 * bin + 5];
}
