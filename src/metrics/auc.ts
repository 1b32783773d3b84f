/**
 * Area under the ROC curve of scores, positives against negatives: the probability that a random positive
 * scores above a random negative, a tie counting one half. This is the Mann-Whitney U statistic divided by
 * P·N (Mann & Whitney 1947, Ann. Math. Statist. 18; Hanley & McNeil 1982, "The meaning and use of the area
 * under a receiver operating characteristic (ROC) curve", Radiology 143), computed from the rank sum of the
 * positives with average ranks for ties, O((P+N) log(P+N)). Equal to scikit-learn's `roc_auc_score`.
 *
 * Degenerate case: with no positive or no negative there is no pair to compare and the AUC is undefined; that
 * is a RangeError, so a caller decides what an empty side means (e.g. `null` for a breakpoint no text crosses).
 * Scores must be comparable numbers (NaN is a RangeError too).
 */
export function auc(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  const p = positives.length;
  const n = negatives.length;
  if (p === 0 || n === 0) throw new RangeError(`auc: needs at least one positive and one negative, got ${p} and ${n}`);
  const all: Array<[number, number]> = [];
  for (let i = 0; i < p; i++) all.push([positives[i], 1]);
  for (let i = 0; i < n; i++) all.push([negatives[i], 0]);
  for (const [s] of all) if (Number.isNaN(s)) throw new RangeError('auc: a score is NaN');
  all.sort((a, b) => a[0] - b[0]);
  // Rank sum of the positives; ranks are 1-based, a run of ties shares the mean of its ranks. Half-integers,
  // so the sum and U are exact in floating point.
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j][0] === all[i][0]) j++;
    const avg = (i + 1 + j) / 2;
    for (let q = i; q < j; q++) if (all[q][1] === 1) rankSum += avg;
    i = j;
  }
  return (rankSum - (p * (p + 1)) / 2) / (p * n);
}
