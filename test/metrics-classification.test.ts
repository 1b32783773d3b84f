import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  confusionMatrix,
  accuracy,
  weightedAccuracy,
  balancedAccuracy,
  perClass,
  macroF1,
  quadraticWeightedKappa,
  adjacentAccuracy,
} from '../src/metrics/classification';
import { bootstrapCI, quantileSorted } from '../src/metrics/bootstrap';

// Worked by hand: confusion rows (true) [1,1,0], [0,2,0], [1,0,1].
const yTrue = [0, 0, 1, 1, 2, 2];
const yPred = [0, 1, 1, 1, 2, 0];
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test('confusion matrix: rows are true classes, columns predicted', () => {
  assert.deepEqual(confusionMatrix(yTrue, yPred, 3), [
    [1, 1, 0],
    [0, 2, 0],
    [1, 0, 1],
  ]);
  assert.deepEqual(confusionMatrix([], [], 2), [
    [0, 0],
    [0, 0],
  ]);
});

test('accuracy, balanced accuracy and adjacent accuracy on the worked example', () => {
  close(accuracy(yTrue, yPred), 4 / 6);
  close(balancedAccuracy(yTrue, yPred, 3), (1 / 2 + 1 + 1 / 2) / 3);
  close(adjacentAccuracy(yTrue, yPred), 5 / 6); // only 2 -> 0 is two levels off
  assert.ok(Number.isNaN(accuracy([], [])));
});

test('weighted accuracy is the sample-weighted accuracy, equal to accuracy with unit weights', () => {
  close(weightedAccuracy(yTrue, yPred, 3), accuracy(yTrue, yPred));
  // weight 3 on the last (wrong) item: hits weigh 4 of 8
  close(weightedAccuracy(yTrue, yPred, 3, [1, 1, 1, 1, 1, 3]), 4 / 8);
  // it is not balanced accuracy when classes are unequal
  const t = [0, 0, 0, 1];
  const p = [0, 0, 0, 0];
  close(weightedAccuracy(t, p, 2), 3 / 4);
  close(balancedAccuracy(t, p, 2), 1 / 2);
});

test('per-class precision, recall, F1 and macro-F1 by hand', () => {
  const s = perClass(yTrue, yPred, 3);
  close(s[0].precision, 1 / 2);
  close(s[0].recall, 1 / 2);
  close(s[0].f1, 1 / 2);
  close(s[1].precision, 2 / 3);
  close(s[1].recall, 1);
  close(s[1].f1, 4 / 5);
  close(s[2].precision, 1);
  close(s[2].recall, 1 / 2);
  close(s[2].f1, 2 / 3);
  assert.deepEqual(s.map((x) => x.support), [2, 2, 2]);
  close(macroF1(yTrue, yPred, 3), 59 / 90);
  // a class never seen and never predicted is left out of the macro average; k = 4 gives the same number
  close(macroF1(yTrue, yPred, 4), 59 / 90);
  // a class never predicted has precision 0 (zero_division = 0)
  assert.equal(perClass([0, 1], [0, 0], 2)[1].precision, 0);
});

test('quadratic weighted kappa by hand: 2/7 on the worked example, 1 when perfect, NaN for one class', () => {
  close(quadraticWeightedKappa(yTrue, yPred, 3), 2 / 7);
  close(quadraticWeightedKappa([0, 1, 2, 3], [0, 1, 2, 3], 4), 1);
  assert.ok(Number.isNaN(quadraticWeightedKappa([1, 1], [1, 1], 3)));
  // reversing the order on two classes: observed 2 of weight 1, expected 1 -> -1
  close(quadraticWeightedKappa([0, 1], [1, 0], 2), -1);
});

test('bad input is refused with the position named', () => {
  assert.throws(() => accuracy([0, 1], [0]), /2 labels but yPred has 1/);
  assert.throws(() => confusionMatrix([0, 3], [0, 1], 3), /yTrue\[1\] = 3/);
  assert.throws(() => macroF1([0, 1], [0, 1.5], 3), /yPred\[1\] = 1.5/);
});

test('quantiles use linear interpolation (type 7)', () => {
  close(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
  close(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  close(quantileSorted([5], 0.9), 5);
});

test('bootstrap: estimate on all rows, seeded and reproducible, interval brackets the estimate', () => {
  const values = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 1 : 0)); // mean 0.25
  const mean = (idx: number[]) => idx.reduce((a, i) => a + values[i], 0) / idx.length;
  const a = bootstrapCI(values.length, mean);
  const b = bootstrapCI(values.length, mean, { seed: 0, resamples: 1000, level: 0.9 });
  assert.deepEqual(a, b);
  close(a.estimate, 0.25);
  assert.ok(a.lo < 0.25 && a.hi > 0.25);
  // normal approximation: se = sqrt(.25 * .75 / 200) = 0.0306; 90 % half width ~ 0.050
  assert.ok(Math.abs(a.hi - a.lo - 2 * 1.645 * Math.sqrt(0.25 * 0.75 / 200)) < 0.02, `${a.lo} ${a.hi}`);
  const wave = Array.from({ length: 50 }, (_, i) => Math.sin(i));
  const waveMean = (idx: number[]) => idx.reduce((s, i) => s + wave[i], 0) / idx.length;
  assert.notDeepEqual(bootstrapCI(50, waveMean, { seed: 0 }), bootstrapCI(50, waveMean, { seed: 1 }));
  // a constant statistic has a zero-width interval
  assert.deepEqual(bootstrapCI(10, () => 0.5), { estimate: 0.5, lo: 0.5, hi: 0.5 });
  // non-finite resample values are dropped
  const r = bootstrapCI(3, (idx) => (idx.every((i) => i === idx[0]) ? NaN : 1));
  assert.equal(r.lo, 1);
});
