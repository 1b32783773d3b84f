/**
 * The exact one-sided binomial (sign) test against chance 1/2, for "k of n pairs right" (Conover 1999,
 * Practical Nonparametric Statistics, section 3.4). Written out because it is a few lines and no maintained
 * statistics package in the dependencies has the binomial tail.
 */

/** P(X >= k) for X ~ Binomial(n, 1/2). */
export function binomialUpperTail(k: number, n: number): number {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(k)) throw new Error(`binomialUpperTail: integers needed, got k=${k}, n=${n}`);
  if (k <= 0) return 1;
  if (k > n) return 0;
  // C(n, j) / 2^n summed from j = n down to k, each term from the next by C(n, j) = C(n, j + 1) (j + 1) / (n - j)
  let term = 2 ** -n;
  let sum = term;
  for (let j = n - 1; j >= k; j--) {
    term = (term * (j + 1)) / (n - j);
    sum += term;
  }
  return Math.min(1, sum);
}

/** The smallest k with P(X >= k) <= alpha: k or more of n right is above chance at level alpha. */
export function aboveChanceCount(n: number, alpha = 0.05): number {
  for (let k = 0; k <= n; k++) if (binomialUpperTail(k, n) <= alpha) return k;
  return n + 1;
}
