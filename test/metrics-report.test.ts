import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { classificationReport, metricsFromConfusion } from '../src/metrics/report';
import { accuracy, balancedAccuracy, macroF1, quadraticWeightedKappa, adjacentAccuracy, confusionMatrix, perClass } from '../src/metrics/classification';
import { bootstrapCI, bootstrapMany } from '../src/metrics/bootstrap';
import { Rng } from '../src/runtime/rng';

const rng = new Rng(3);
const yTrue = Array.from({ length: 300 }, () => rng.int(5));
const yPred = yTrue.map((y) => Math.max(0, Math.min(4, y + (rng.float() < 0.5 ? 0 : rng.int(3) - 1))));

test('metrics from the confusion matrix equal the label-level functions', () => {
  const m = metricsFromConfusion(confusionMatrix(yTrue, yPred, 5));
  assert.equal(m.accuracy, accuracy(yTrue, yPred));
  assert.ok(Math.abs(m.balancedAccuracy - balancedAccuracy(yTrue, yPred, 5)) < 1e-15);
  assert.ok(Math.abs(m.macroF1 - macroF1(yTrue, yPred, 5)) < 1e-15);
  assert.ok(Math.abs(m.qwk - quadraticWeightedKappa(yTrue, yPred, 5)) < 1e-15);
  assert.equal(m.adjacentAccuracy, adjacentAccuracy(yTrue, yPred));
  assert.deepEqual(m.f1, perClass(yTrue, yPred, 5).map((s) => s.f1));
});

test('the report intervals are those of bootstrapCI on the same seed', () => {
  const labels = ['A1', 'A2', 'B1', 'B2', 'C1'];
  const r = classificationReport(yTrue, yPred, labels, { resamples: 200, seed: 4 });
  const acc = bootstrapCI(300, (idx) => accuracy(idx.map((i) => yTrue[i]), idx.map((i) => yPred[i])), { resamples: 200, seed: 4 });
  assert.equal(r.accuracy.value, acc.estimate);
  assert.deepEqual(r.accuracy.ci90, [acc.lo, acc.hi]);
  const many = bootstrapMany(300, { qwk: (idx) => quadraticWeightedKappa(idx.map((i) => yTrue[i]), idx.map((i) => yPred[i]), 5) }, { resamples: 200, seed: 4 });
  assert.ok(Math.abs(r.qwk.ci90[0] - many.qwk.lo) < 1e-12 && Math.abs(r.qwk.ci90[1] - many.qwk.hi) < 1e-12);
  assert.equal(r.weightedAccuracy.value, r.accuracy.value);
  assert.equal(r.perLevel.length, 5);
  assert.equal(r.perLevel.reduce((a, l) => a + l.support, 0), 300);
  assert.ok(r.qwk.ci90[0] <= r.qwk.value && r.qwk.value <= r.qwk.ci90[1]);
});
