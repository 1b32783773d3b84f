/**
 * Spearman's rank correlation (Spearman 1904, "The proof and measurement of association between two things",
 * Am. J. Psychol. 15): Pearson's correlation of the two variables' ranks, tied values sharing the mean of the
 * ranks they span (as scipy.stats.spearmanr does), with a percentile bootstrap interval (./bootstrap.ts).
 */
import { bootstrapCI, type BootstrapOptions, type BootstrapResult } from './bootstrap';

/** Ranks 1..n of the values, ties given the mean of the ranks they span. */
export function averageRanks(x: ArrayLike<number>): number[] {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const ranks = new Array<number>(x.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1]] === x[order[i]]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/** Pearson's correlation; NaN when either variable is constant or there are fewer than two pairs. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new RangeError(`pearson: ${n} and ${y.length} values`);
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new RangeError(`spearman: ${x.length} and ${y.length} values`);
  return pearson(averageRanks(x), averageRanks(y));
}

/** Spearman's rho with a percentile bootstrap interval over pairs (ranks recomputed in each resample). */
export function spearmanCI(x: ArrayLike<number>, y: ArrayLike<number>, opts: BootstrapOptions = {}): BootstrapResult {
  if (x.length !== y.length) throw new RangeError(`spearmanCI: ${x.length} and ${y.length} values`);
  return bootstrapCI(x.length, (idx) => spearman(idx.map((i) => x[i]), idx.map((i) => y[i])), opts);
}
