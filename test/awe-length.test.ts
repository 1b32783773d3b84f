/**
 * The length baseline's forms on known answers: rounding to a scale's steps, least squares recovering
 * perfectly linear data exactly, the ordinal model read at its expected score, and Spearman's rho against
 * scipy's values (including ELLIPSE's essays, whose length goes with Overall, and its id column, whose does not).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  roundToScale, scaleValues, trainLengthRegression, lengthRegressionScore, predictLengthRegression,
  trainLengthModel, predictLength, expectedLengthScore, lengthProba, type LengthModel,
} from '../src/awe/length';
import { labelSet } from '../src/awe/labels';
import { averageRanks, spearman, spearmanCI } from '../src/metrics/correlation';
import { lengthScoreCorrelation, loadEllipse } from '../src/notebooks/09-llm-rating';

const HALF_POINTS = [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5];

test('roundToScale: the nearest step, halfway to the higher one, ends clamp', () => {
  assert.equal(HALF_POINTS[roundToScale(3.24, HALF_POINTS)], 3);
  assert.equal(HALF_POINTS[roundToScale(3.25, HALF_POINTS)], 3.5);
  assert.equal(HALF_POINTS[roundToScale(3.26, HALF_POINTS)], 3.5);
  assert.equal(HALF_POINTS[roundToScale(0.2, HALF_POINTS)], 1);
  assert.equal(HALF_POINTS[roundToScale(7, HALF_POINTS)], 5);
  assert.equal(roundToScale(1.5, [0, 1, 2, 3, 4, 5]), 2);
  assert.throws(() => roundToScale(1, []));
  assert.deepEqual(scaleValues(labelSet(['3.0', '2.5', '5'])), [2.5, 3, 5]);
  assert.deepEqual(scaleValues(labelSet(['B2', 'a2', 'B1'])), [0, 1, 2]);
});

// log(1 + chars) of 9, 99 and 999 characters is ln 10 x (1, 2, 3): scores 1, 2, 3 are exactly linear in it
const texts = [9, 99, 999, 9, 99, 999, 99].map((n) => 'x'.repeat(n));

test('least squares recovers perfectly linear data exactly and rounds to the scale', () => {
  const labels = ['1', '2', '3', '1', '2', '3', '2'];
  const m = trainLengthRegression(texts, labels);
  texts.forEach((t, i) => assert.ok(Math.abs(lengthRegressionScore(m, t) - Number(labels[i])) < 1e-12));
  assert.deepEqual(texts.map((t) => predictLengthRegression(m, t)), labels);
  // between the steps: 30 characters score 1 + log10(3.1) = 1.491 -> 1; 31 score 1 + log10(3.2) = 1.505 -> 2
  assert.ok(Math.abs(lengthRegressionScore(m, 'x'.repeat(30)) - (1 + Math.log10(3.1))) < 1e-12);
  assert.equal(predictLengthRegression(m, 'x'.repeat(30)), '1');
  assert.equal(predictLengthRegression(m, 'x'.repeat(31)), '2');
  // beyond the scale: clamped to its top step
  assert.equal(predictLengthRegression(m, 'x'.repeat(99999)), '3');
  // CEFR levels are read as ranks 0..K-1
  const cefr = trainLengthRegression(texts, ['A2', 'B1', 'B2', 'A2', 'B1', 'B2', 'B1']);
  assert.deepEqual(texts.map((t) => predictLengthRegression(cefr, t)), ['A2', 'B1', 'B2', 'A2', 'B1', 'B2', 'B1']);
});

test('ordinal model at its expected score: sum of p_j v_j, rounded; separable data recovered', () => {
  // a hand-made two-class model on the scale 1, 3: at z = 0 both classes have p = 1/2, expected score 2,
  // halfway, so it rounds up to 3; the most probable class (a tie) is the first
  const m: LengthModel = { kind: 'ordinal-logit-length', labels: { kind: 'numeric', classes: ['1', '3'] }, mean: Math.log1p(99), sd: 1, theta: [0], beta: 1, iterations: 0, logLikelihood: 0 };
  const t = 'x'.repeat(99);
  assert.deepEqual(lengthProba(m, t), [0.5, 0.5]);
  assert.equal(expectedLengthScore(m, t), 2);
  assert.equal(predictLength(m, t, 'expected'), '3');
  assert.equal(predictLength(m, t, 'mode'), '1');
  assert.equal(predictLength(m, t), '3'); // the default reading is the expected score
  const fitted = trainLengthModel(texts, ['1', '2', '3', '1', '2', '3', '2']);
  assert.deepEqual(texts.map((x) => predictLength(fitted, x)), ['1', '2', '3', '1', '2', '3', '2']);
});

test('ordinal model on a fine scale with a dominant middle step: the mode barely moves, the expected score does', () => {
  // scores 2..4 in half points, half of every length group at 3; short texts have more of the low tails, long
  // ones more of the high tails
  const groups: Array<[number, Array<[string, number]>]> = [
    [100, [['2', 3], ['2.5', 2], ['3', 6], ['3.5', 1]]],
    [400, [['2', 1], ['2.5', 2], ['3', 6], ['3.5', 2], ['4', 1]]],
    [1600, [['2.5', 1], ['3', 6], ['3.5', 2], ['4', 3]]],
  ];
  const t: string[] = [];
  const y: string[] = [];
  for (const [chars, mix] of groups) {
    for (const [score, n] of mix) {
      for (let k = 0; k < n; k++) {
        t.push('x'.repeat(chars + k));
        y.push(score);
      }
    }
  }
  const m = trainLengthModel(t, y);
  const modes = new Set(t.map((x) => predictLength(m, x, 'mode')));
  const expected = new Set(t.map((x) => predictLength(m, x, 'expected')));
  assert.deepEqual([...modes], ['3']);
  assert.ok(expected.size >= 2, `expected-score ratings ${[...expected]}`);
  assert.ok(expectedLengthScore(m, t[0]) < expectedLengthScore(m, t[t.length - 1]));
});

test('Spearman: average ranks for ties, scipy values', () => {
  assert.deepEqual(averageRanks([10, 20, 20, 30]), [1, 2.5, 2.5, 4]);
  // scipy.stats.spearmanr([3,1,4,1,5,9,2,6], [2,7,1,8,2,8,1,8]).statistic
  assert.ok(Math.abs(spearman([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]) - 0.19885368120992467) < 1e-12);
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  const ci = spearmanCI([1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5], { resamples: 200 });
  assert.ok(ci.lo <= ci.estimate && ci.estimate <= ci.hi);
});

test('ELLIPSE: the essays\' length goes with Overall (rho .26); the id column\'s does not (the old -0.0001)', () => {
  const ellipse = loadEllipse();
  const essays = lengthScoreCorrelation(ellipse, { resamples: 50 });
  assert.equal(essays.n, 2571);
  // scipy.stats.spearmanr(len(full_text), Overall) on the same file: 0.2616 (its reader folds CRLF into LF)
  assert.ok(Math.abs(essays.rho - 0.2616) < 0.002, `rho ${essays.rho}`);
  assert.ok(essays.ci90[0] > 0.2);
  const ids = lengthScoreCorrelation({ ...ellipse, textColumn: 'text_id_kaggle' }, { resamples: 50 });
  assert.ok(Math.abs(ids.rho) < 0.001, `rho ${ids.rho}`);
});
