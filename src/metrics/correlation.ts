/**
 * Correlation coefficients, each one pure function; degenerate inputs are decided here once for the library.
 *
 * Degenerate cases: two arrays of different lengths are a caller's bug (RangeError). Fewer than two pairs, or a
 * variable with zero variance, give NaN: the coefficient is 0/0 there, undefined rather than "no association".
 * NaN is what scipy.stats.pearsonr / spearmanr and numpy.corrcoef return in these cases, it prints as NaN in a
 * table instead of passing for a measured zero, and a bootstrap (./bootstrap.ts) drops non-finite resamples.
 * (scale/linear.ts returned 0 for a constant input before; its callers correlate fitted predictions with
 * labels, which are never constant on the data they run on, so their figures are unchanged.)
 */
import { bootstrapCI, type BootstrapOptions, type BootstrapResult } from './bootstrap';

function checkPairs(name: string, x: ArrayLike<number>, y: ArrayLike<number>): void {
  if (x.length !== y.length) throw new RangeError(`${name}: ${x.length} and ${y.length} values`);
}

/**
 * Pearson's product-moment correlation r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²) (Pearson 1895, "Notes on
 * regression and inheritance in the case of two parents", Proc. R. Soc. Lond. 58), computed with the means
 * first (two passes), as scipy.stats.pearsonr does. NaN for fewer than two pairs or a constant variable.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPairs('pearson', x, y);
  const n = x.length;
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

/** Ranks 1..n of the values, tied values given the mean of the ranks they span (scipy.stats.rankdata 'average'). */
export function averageRanks(x: ArrayLike<number>): number[] {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const ranks = new Array<number>(x.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1]] === x[order[i]]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/**
 * Spearman's rank correlation ρ (Spearman 1904, "The proof and measurement of association between two
 * things", Am. J. Psychol. 15): Pearson's r of the average ranks, so ties are handled as scipy.stats.spearmanr
 * handles them. NaN where `pearson` is.
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPairs('spearman', x, y);
  return pearson(averageRanks(x), averageRanks(y));
}

/** Spearman's ρ with a percentile bootstrap interval over pairs (./bootstrap.ts; ranks recomputed in each resample). */
export function spearmanCI(x: ArrayLike<number>, y: ArrayLike<number>, opts: BootstrapOptions = {}): BootstrapResult {
  checkPairs('spearmanCI', x, y);
  return bootstrapCI(x.length, (idx) => spearman(idx.map((i) => x[i]), idx.map((i) => y[i])), opts);
}
