/**
 * Known answers for the statistics in src/metrics (correlation, AUC, descriptive): values derived by hand in
 * the comments and checked against scipy.stats / scikit-learn / numpy / Python's statistics, and the
 * degenerate cases the library decides once.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { pearson, spearman, averageRanks } from '../src/metrics/correlation';
import { auc } from '../src/metrics/auc';
import { mean, sampleSd, median, lowerMedian } from '../src/metrics/descriptive';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('pearson: known answers (scipy.stats.pearsonr)', () => {
  // x 1..6, y 2 1 4 3 7 5: Sxy = 16.5, Sxx = 17.5, Syy = 24.8333...; r = 16.5 / sqrt(17.5 * 24.8333)
  close(pearson([1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 7, 5]), 0.7917946548886294);
  close(pearson([1, 2, 2, 3, 5], [3, 3, 1, 4, 4]), 0.5383819020581657);
  close(pearson([1, 2, 3], [3, 2, 1]), -1);
  close(pearson(Float64Array.from([0, 1]), [5, 7]), 1);
});

test('pearson: degenerate cases are NaN (constant variable, fewer than two pairs); unequal lengths throw', () => {
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
  assert.ok(Number.isNaN(pearson([1, 2, 3], [4, 4, 4])));
  assert.ok(Number.isNaN(pearson([1], [2])));
  assert.ok(Number.isNaN(pearson([], [])));
  assert.throws(() => pearson([1, 2], [1, 2, 3]), RangeError);
});

test('averageRanks: ties share the mean of their ranks (scipy.stats.rankdata)', () => {
  assert.deepEqual(averageRanks([1, 2, 2, 3, 5]), [1, 2.5, 2.5, 4, 5]);
  assert.deepEqual(averageRanks([30, 10, 20, 10]), [4, 1.5, 3, 1.5]);
});

test('spearman: known answers (scipy.stats.spearmanr)', () => {
  // no ties: rank differences ±1 six times, rho = 1 - 6 * 6 / (6 * 35) = 0.828571...
  close(spearman([1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 7, 5]), 1 - 36 / 210);
  close(spearman([1, 2, 2, 3, 5], [3, 3, 1, 4, 4]), 0.7299963950884315);
  close(spearman([1, 10, 100, 1000], [2, 3, 4, 5]), 1); // monotone, not linear
  assert.ok(Number.isNaN(spearman([1, 2, 3], [7, 7, 7])));
  assert.throws(() => spearman([1], [1, 2]), RangeError);
});

test('auc: Mann-Whitney with ties one half (sklearn roc_auc_score); no pair is a RangeError', () => {
  // positives .8 .4 .4 .9 against negatives .1 .4 .5: pairs won 3 + 1.5 + 1.5 + 3 = 9 of 12
  assert.equal(auc([0.8, 0.4, 0.4, 0.9], [0.1, 0.4, 0.5]), 0.75);
  assert.equal(auc([1], [0]), 1);
  assert.equal(auc([0, 0], [1]), 0);
  assert.equal(auc([1, 0], [1, 0]), 0.5);
  assert.throws(() => auc([], [1]), RangeError);
  assert.throws(() => auc([1], []), RangeError);
  assert.throws(() => auc([Number.NaN], [1]), RangeError);
});

test('auc equals the pairwise count on random scores with many ties', () => {
  let seed = 7;
  const draw = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) % 5) / 4;
  const pos = Array.from({ length: 37 }, draw);
  const neg = Array.from({ length: 23 }, draw);
  let won = 0;
  for (const p of pos) for (const n of neg) won += p > n ? 1 : p === n ? 0.5 : 0;
  assert.equal(auc(pos, neg), won / (pos.length * neg.length));
});

test('descriptive: mean, sample SD, median, low median, with their degenerate cases', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  assert.ok(Number.isNaN(mean([])));
  close(sampleSd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7)); // numpy std(ddof=1) 2.138089935299395
  assert.ok(Number.isNaN(sampleSd([3])));
  assert.equal(median([3, 1, 4, 1]), 2); // numpy.median
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([10, 9, 100]), 10); // numeric, not string, order
  assert.ok(Number.isNaN(median([])));
  assert.equal(lowerMedian([3, 1, 4, 1]), 1); // statistics.median_low
  assert.equal(lowerMedian([2, 5, 3]), 3);
  assert.ok(Number.isNaN(lowerMedian([])));
});
