/**
 * Percentile bootstrap confidence intervals (Efron & Tibshirani 1993, "An Introduction to the Bootstrap",
 * ch. 13): the statistic is recomputed on `resamples` samples of n row indices drawn with replacement, and the
 * interval is the (1 - level)/2 and (1 + level)/2 quantiles of those values (linear interpolation between order
 * statistics, Hyndman & Fan 1996 type 7, numpy's default). The draws come from `Rng(seed)`, so the same call
 * gives the same interval. Resamples on which the statistic is not finite (e.g. kappa on a sample holding
 * one class) are left out of the quantiles.
 */
import { Rng } from '../runtime/rng';

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** Seed of the index draws (default 0). */
  seed?: number;
  /** Coverage of the interval (default 0.9). */
  level?: number;
}

export interface BootstrapResult {
  /** The statistic on all rows 0..n-1. */
  estimate: number;
  lo: number;
  hi: number;
}

/** Quantile q in [0, 1] of sorted values, linear interpolation (type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function bootstrapCI(n: number, statistic: (indices: number[]) => number, opts: BootstrapOptions = {}): BootstrapResult {
  const resamples = opts.resamples ?? 1000;
  const level = opts.level ?? 0.9;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`bootstrapCI: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrapCI: resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrapCI: level must be in (0, 1), got ${level}`);
  const all = Array.from({ length: n }, (_, i) => i);
  const estimate = statistic(all);
  if (n === 0) return { estimate, lo: NaN, hi: NaN };
  const rng = new Rng(opts.seed ?? 0);
  const values: number[] = [];
  const idx = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    const v = statistic(idx);
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  return { estimate, lo: quantileSorted(values, (1 - level) / 2), hi: quantileSorted(values, (1 + level) / 2) };
}

/**
 * Several statistics on the same resamples (the draws are those of `bootstrapCI` with the same seed, so each
 * interval equals what `bootstrapCI` gives for that statistic alone), in one pass.
 */
export function bootstrapMany(n: number, statistics: Record<string, (indices: number[]) => number>, opts: BootstrapOptions = {}): Record<string, BootstrapResult> {
  const resamples = opts.resamples ?? 1000;
  const level = opts.level ?? 0.9;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`bootstrapMany: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`bootstrapMany: resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrapMany: level must be in (0, 1), got ${level}`);
  const names = Object.keys(statistics);
  const all = Array.from({ length: n }, (_, i) => i);
  const values: Record<string, number[]> = {};
  for (const name of names) values[name] = [];
  if (n > 0) {
    const rng = new Rng(opts.seed ?? 0);
    const idx = new Array<number>(n);
    for (let r = 0; r < resamples; r++) {
      for (let i = 0; i < n; i++) idx[i] = rng.int(n);
      for (const name of names) {
        const v = statistics[name](idx);
        if (Number.isFinite(v)) values[name].push(v);
      }
    }
  }
  const out: Record<string, BootstrapResult> = {};
  for (const name of names) {
    const sorted = values[name].sort((a, b) => a - b);
    out[name] = { estimate: statistics[name](all), lo: n ? quantileSorted(sorted, (1 - level) / 2) : NaN, hi: n ? quantileSorted(sorted, (1 + level) / 2) : NaN };
  }
  return out;
}
