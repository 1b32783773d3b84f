/**
 * Descriptive statistics of one sample, each a pure function. Degenerate cases: an empty sample has no mean or
 * median (NaN); the sample standard deviation needs two values (NaN for fewer), as numpy's `std(ddof=1)`.
 */

/** Arithmetic mean; NaN when empty. */
export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : NaN;
}

/** Sample standard deviation with Bessel's correction (divisor n − 1); NaN for fewer than two values. */
export function sampleSd(xs: ArrayLike<number>): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i] - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** The median: the middle value, or the mean of the two middle values for an even count (numpy.median); NaN when empty. */
export function median(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/**
 * The low median: the middle value, or the lower of the two middle values for an even count (Python's
 * `statistics.median_low`). It is always one of the values, so the median of ordinal labels stays a label.
 * NaN when empty.
 */
export function lowerMedian(xs: ArrayLike<number>): number {
  const s = Float64Array.from(xs).sort();
  return s.length ? s[(s.length - 1) >> 1] : NaN;
}
