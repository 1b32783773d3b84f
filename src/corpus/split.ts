/**
 * Stratified train/valid/test split. In every level x L1 stratum the documents are shuffled with a stream
 * derived from the seed and the stratum's name, then cut by the proportions with largest-remainder
 * rounding, so each stratum's split sizes are within one document of the exact proportions (ties between
 * equal remainders broken by the stratum's stream, so small strata do not all favour the same split). Each split is
 * then put in its own seeded random order, so a file is not grouped by level or L1 (training reads it in
 * order) and the same input, options and seed always give the same files.
 */
import { Rng } from '../runtime/rng';
import { apportion } from './apportion';
import type { Stratum } from './strata';

export const SPLIT_NAMES = ['train', 'valid', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** Parse "80,10,10" (any non-negative numbers with a positive sum) into three weights. */
export function parseProportions(text: string): [number, number, number] {
  const parts = text.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  if (parts.length !== 3 || nums.some((x, i) => parts[i] === '' || !Number.isFinite(x) || x < 0) || !(nums[0] + nums[1] + nums[2] > 0)) {
    throw new Error(`"${text}" is not a split: give three non-negative numbers for train, valid and test, e.g. 80,10,10`);
  }
  return nums as [number, number, number];
}

/** Document indices per split, each split in its seeded output order. */
export function stratifiedSplit(strata: readonly Stratum[], proportions: readonly number[], seed: number): number[][] {
  const splits: number[][] = proportions.map(() => []);
  for (const s of strata) {
    const rng = Rng.derive(seed, 'split', s.key);
    const docs = rng.shuffle(s.docs.slice());
    // Equal remainders (e.g. one document left over for valid and test) go to a split chosen per stratum.
    const counts = apportion(docs.length, proportions, rng.shuffle(proportions.map((_, k) => k)));
    let at = 0;
    counts.forEach((c, k) => {
      for (let i = 0; i < c; i++) splits[k].push(docs[at++]);
    });
  }
  // Start each shuffle from input order (a native numeric sort), so the order depends only on the data and seed.
  return splits.map((docs, k) => Rng.derive(seed, 'order', SPLIT_NAMES[k] ?? k).shuffle(Array.from(Int32Array.from(docs).sort())));
}
