/**
 * Counts and text-length statistics for the manifest and the printed summary: documents per split x level
 * x L1, and characters (Unicode code points, as Python's len() counts them) per split and per level.
 */
import { CEFR_LEVELS } from './cefr';
import type { DocTable } from './learner';

export interface LengthStats {
  documents: number;
  mean: number;
  min: number;
  max: number;
  median: number;
}

export interface SplitCounts {
  documents: number;
  /** Level -> documents (all six levels, zeros included, so tables line up). */
  byLevel: Record<string, number>;
  /** Level -> L1 -> documents (only non-zero cells). */
  byLevelL1: Record<string, Record<string, number>>;
}

/** Mean, min, max and median of the lengths of `docs` (median: the lower middle for an even count). */
export function lengthStats(docs: readonly number[], chars: ArrayLike<number>): LengthStats {
  if (docs.length === 0) return { documents: 0, mean: 0, min: 0, max: 0, median: 0 };
  const lens = new Uint32Array(docs.length);
  let sum = 0;
  docs.forEach((d, i) => {
    lens[i] = chars[d];
    sum += chars[d];
  });
  lens.sort();
  return {
    documents: docs.length,
    mean: Math.round((sum / docs.length) * 10) / 10,
    min: lens[0],
    max: lens[lens.length - 1],
    median: lens[(lens.length - 1) >> 1],
  };
}

export function splitCounts(docs: readonly number[], table: DocTable): SplitCounts {
  const byLevel: Record<string, number> = Object.fromEntries(CEFR_LEVELS.map((l) => [l, 0]));
  const cells = new Map<number, number>();
  for (const d of docs) {
    byLevel[CEFR_LEVELS[table.level[d]]]++;
    const key = table.level[d] * 65536 + table.l1[d];
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  const byLevelL1: Record<string, Record<string, number>> = {};
  const keys = [...cells.keys()].sort((a, b) => (a >> 16) - (b >> 16) || cmp(table.l1Names[a & 0xffff], table.l1Names[b & 0xffff]));
  for (const key of keys) {
    const level = CEFR_LEVELS[Math.floor(key / 65536)];
    (byLevelL1[level] ??= {})[table.l1Names[key & 0xffff]] = cells.get(key)!;
  }
  return { documents: docs.length, byLevel, byLevelL1 };
}

/** Lengths per level over `docs`, for levels that have documents. */
export function lengthsByLevel(docs: readonly number[], table: DocTable): Record<string, LengthStats> {
  const groups: number[][] = CEFR_LEVELS.map(() => []);
  for (const d of docs) groups[table.level[d]].push(d);
  const out: Record<string, LengthStats> = {};
  CEFR_LEVELS.forEach((l, i) => {
    if (groups[i].length > 0) out[l] = lengthStats(groups[i], table.chars);
  });
  return out;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
