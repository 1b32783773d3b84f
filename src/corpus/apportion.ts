/**
 * Whole-number shares of a total: the largest remainder method (Hamilton's method of apportionment;
 * see Balinski & Young, "Fair Representation", 2nd ed. 2001, ch. 2). Every count is its exact quota rounded
 * down or up, so each is within one of `total * weight / sum`, and the counts add up to `total`.
 * Ties between equal remainders go to the index that comes first in `tieOrder` (default: the earlier
 * index); a caller that apportions many small totals passes a seeded permutation, so that ties do not
 * always favour the same index.
 */
export function apportion(total: number, weights: readonly number[], tieOrder?: readonly number[]): number[] {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`apportion: total must be a non-negative integer, got ${total}`);
  const sum = weights.reduce((a, b) => a + b, 0);
  if (weights.length === 0 || !(sum > 0) || weights.some((w) => !(w >= 0))) {
    throw new RangeError(`apportion: weights must be non-negative with a positive sum, got ${weights.join(',')}`);
  }
  const quotas = weights.map((w) => (total * w) / sum);
  const counts = quotas.map((q) => Math.floor(q));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const rank = weights.map((_, i) => i);
  tieOrder?.forEach((index, position) => (rank[index] = position));
  const order = quotas.map((_, i) => i).sort((a, b) => quotas[b] - Math.floor(quotas[b]) - (quotas[a] - Math.floor(quotas[a])) || rank[a] - rank[b]);
  for (let k = 0; left > 0; k++, left--) counts[order[k % order.length]]++;
  return counts;
}
