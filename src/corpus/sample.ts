/**
 * Drawing a smaller corpus: the guide's 100-document run. A proportional draw keeps the input's
 * level x L1 proportions (each stratum gets its largest-remainder share of the sample); a balanced draw
 * gives every CEFR level the same number of documents, spread over L1s in proportion within the level.
 * Within a stratum the documents are a uniform draw without replacement from the seeded generator.
 */
import { Rng } from '../runtime/rng';
import { apportion } from './apportion';
import type { Stratum } from './strata';

/** `k` documents of a stratum, uniformly without replacement (partial Fisher-Yates), in input order. */
function draw(stratum: Stratum, k: number, seed: number): number[] {
  if (k >= stratum.docs.length) return stratum.docs.slice();
  const rng = Rng.derive(seed, 'sample', stratum.key);
  const a = stratum.docs.slice();
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(a.length - i);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a.slice(0, k).sort((x, y) => x - y);
}

/** Split `n` over strata in proportion to their sizes and draw. Returns document indices in input order. */
export function proportionalSample(strata: readonly Stratum[], n: number, seed: number): number[] {
  if (strata.length === 0 || n === 0) return [];
  const counts = apportion(n, strata.map((s) => s.docs.length));
  const picked: number[] = [];
  strata.forEach((s, i) => picked.push(...draw(s, counts[i], seed)));
  return picked.sort((a, b) => a - b);
}

export interface BalancedSample {
  docs: number[];
  /** Per level: documents wanted and documents available, where fewer were available than wanted. */
  shortfalls: Array<{ level: number; wanted: number; available: number }>;
}

/**
 * The same number of documents per CEFR level present in `strata` (`n` split evenly; without `n`, as many
 * as the smallest level has). A level with fewer documents than its share gives all it has (reported).
 */
export function balancedSample(strata: readonly Stratum[], n: number | undefined, seed: number): BalancedSample {
  const levels = [...new Set(strata.map((s) => s.level))].sort((a, b) => a - b);
  const size = (lv: number) => strata.filter((s) => s.level === lv).reduce((a, s) => a + s.docs.length, 0);
  const quotas = n === undefined ? levels.map(() => Math.min(...levels.map(size))) : apportion(n, levels.map(() => 1));
  const docs: number[] = [];
  const shortfalls: BalancedSample['shortfalls'] = [];
  levels.forEach((lv, i) => {
    const own = strata.filter((s) => s.level === lv);
    const available = size(lv);
    if (available < quotas[i]) shortfalls.push({ level: lv, wanted: quotas[i], available });
    docs.push(...proportionalSample(own, Math.min(quotas[i], available), seed));
  });
  return { docs: docs.sort((a, b) => a - b), shortfalls };
}
