import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Rng } from '../src/runtime/rng';
import { simulateMatrix, betaSample } from '../src/irt/noise';
import { calibrateRasch, responseData } from '../src/irt/calibrate';
import { pearson } from '../src/metrics/correlation';

test('irt: calibration recovers known δ and θ from soft responses, complete and incomplete designs', () => {
  const rng = new Rng(3);
  const P = 600;
  const I = 20;
  const thetas = Array.from({ length: P }, () => 0.3 + 1.2 * rng.normal());
  const deltas = Array.from({ length: I }, (_, i) => -2 + (4 * i) / (I - 1));
  const x = simulateMatrix(thetas, deltas, { kind: 'beta', concentration: 10 }, 4);
  const rows: Array<{ person: string; item: string; response: number }> = [];
  const keep = new Rng(5);
  for (let p = 0; p < P; p++) for (let i = 0; i < I; i++) if (keep.float() < 0.7) rows.push({ person: `p${p}`, item: `i${i}`, response: x[p * I + i] });
  const cal = calibrateRasch(responseData(rows));
  assert.ok(cal.converged);
  const est = cal.items.map((it) => it.difficulty);
  const truth = cal.items.map((it) => deltas[Number(it.id.slice(1))]);
  const meanTruth = truth.reduce((s, v) => s + v, 0) / I; // the calibration centres δ at 0; so is the truth here
  const rmse = Math.sqrt(est.reduce((s, v, i) => s + (v - (truth[i] - meanTruth)) ** 2, 0) / I);
  assert.ok(pearson(est, truth) > 0.995, `δ correlation ${pearson(est, truth)}`);
  assert.ok(rmse < 0.1, `δ RMSE ${rmse}`);
  // Soft responses are less noisy than Bernoulli ones, which the soft likelihood does not know: the population
  // SD comes out too small (documented in src/irt/calibrate.ts); with dichotomous data it is recovered (below).
  assert.ok(cal.population.sd < 1.2, `population SD ${cal.population.sd}`);
  const th = cal.persons.map((p) => p.theta);
  const thTrue = cal.persons.map((p) => thetas[Number(p.id.slice(1))]);
  assert.ok(pearson(th, thTrue) > 0.9, `θ correlation ${pearson(th, thTrue)}`);
});

test('irt: with dichotomous responses the population mean and SD are recovered too', () => {
  const rng = new Rng(8);
  const thetas = Array.from({ length: 1500 }, () => 0.3 + 1.2 * rng.normal());
  const deltas = Array.from({ length: 25 }, (_, i) => -2 + (4 * i) / 24);
  const x = simulateMatrix(thetas, deltas, { kind: 'bernoulli' }, 9);
  const rows = [];
  for (let p = 0; p < thetas.length; p++) for (let i = 0; i < 25; i++) rows.push({ person: `p${p}`, item: `i${i}`, response: x[p * 25 + i] });
  const cal = calibrateRasch(responseData(rows));
  assert.ok(Math.abs(cal.population.sd - 1.2) < 0.08, `population SD ${cal.population.sd}`);
  assert.ok(Math.abs(cal.population.mean - 0.3) < 0.1, `population mean ${cal.population.mean}`);
});

test('irt: calibration input errors and extreme items', () => {
  assert.throws(() => responseData([{ person: 'a', item: 'x', response: 1.5 }]), /row 1 \(person a, item x\): response 1.5 is outside 0..1/);
  assert.throws(() => responseData([{ person: 'a', item: 'x', response: 1 }, { person: 'a', item: 'x', response: 0 }]), /answered item x twice/);
  const rows = [];
  for (let p = 0; p < 50; p++) {
    rows.push({ person: `p${p}`, item: 'easy', response: 1 });
    rows.push({ person: `p${p}`, item: 'a', response: p % 2 });
    rows.push({ person: `p${p}`, item: 'b', response: p % 3 === 0 ? 1 : 0 });
  }
  const cal = calibrateRasch(responseData(rows));
  assert.deepEqual(cal.excludedItems.map((e) => e.id), ['easy']);
  assert.match(cal.excludedItems[0].reason, /all 50 responses are 1/);
});

test('irt: beta noise has the model probability as its mean', () => {
  const rng = new Rng(1);
  let s = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) s += betaSample(rng, 10 * 0.3, 10 * 0.7);
  assert.ok(Math.abs(s / n - 0.3) < 0.005, `mean ${s / n}`);
});
