import { test } from 'node:test';
import assert from 'node:assert/strict';
import { weightedQwk, importanceWeights, agreementByGroup, labelDistribution } from '../src/metrics/fairness';
import { quadraticWeightedKappa } from '../src/metrics/classification';
import { agreement, inferScale, scaleIndex } from '../src/rate/agreement';

// Reference values from scikit-learn 1.2 cohen_kappa_score(weights="quadratic"[, sample_weight=w]).
const a = [0, 1, 2, 3, 4, 5, 6, 3, 3, 2, 1, 4, 5];
const b = [0, 2, 2, 3, 5, 5, 6, 2, 4, 2, 1, 3, 6];
const w = [1, 2, 0.5, 1, 1, 3, 1, 1, 2, 1, 1, 0.25, 1];

test('weighted QWK equals scikit-learn with and without sample weights', () => {
  assert.ok(Math.abs(weightedQwk(a, b, 7) - 0.926829268292683) < 1e-12);
  assert.ok(Math.abs(weightedQwk(a, b, 7, w) - 0.9280793607054285) < 1e-12);
  assert.ok(Math.abs(weightedQwk(a, b, 7) - quadraticWeightedKappa(a, b, 7)) < 1e-12);
  // an unused category between does not change QWK (sklearn on labels 2,4,...,10 -> 0.8378...)
  assert.ok(Math.abs(weightedQwk([2, 4, 6, 6, 8, 10, 4, 6], [2, 6, 6, 4, 8, 8, 4, 6], 11) - 0.8378378378378378) < 1e-12);
});

test('importance weights give a group the target distribution of human ratings', () => {
  const target = [0.1, 0.2, 0.4, 0.3];
  const group = [0, 1, 1, 2, 2, 2, 2, 2, 2, 3];
  const iw = importanceWeights(group, target);
  const mass = [0, 0, 0, 0];
  group.forEach((h, i) => (mass[h] += iw.weights[i]));
  const total = mass.reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(total - group.length) < 1e-12);
  mass.forEach((m, c) => assert.ok(Math.abs(m / total - target[c]) < 1e-12));
  assert.equal(iw.coverage, 1);
  assert.ok(iw.effectiveN < group.length);
  // a missing category: the rest renormalised, coverage reported
  const partial = importanceWeights([1, 1, 2, 2, 2, 3], target);
  assert.ok(Math.abs(partial.coverage - 0.9) < 1e-12);
  assert.deepEqual(labelDistribution([0, 1, 1, 3], 4), [0.25, 0.5, 0, 0.25]);
});

test('by group: a group with a narrow human distribution gets a low QWK that importance sampling lifts', () => {
  // same rater behaviour (off by one on level 2 half the time) in both groups; group N crowds into levels 1-2
  const human: number[] = [];
  const machine: number[] = [];
  const groups: string[] = [];
  for (let rep = 0; rep < 10; rep++) {
    for (const h of [0, 1, 2, 3, 4]) {
      human.push(h); machine.push(h === 2 && rep % 2 ? 3 : h); groups.push('W');
    }
    for (const h of [1, 2, 2, 2, 3]) {
      human.push(h); machine.push(h === 2 && rep % 2 ? 3 : h); groups.push('N');
    }
  }
  const [n, wide] = agreementByGroup(human, machine, groups, 5, { resamples: 200 });
  assert.equal(n.group, 'N');
  assert.ok(n.qwk < wide.qwk);
  assert.ok(n.qwkImportanceSampled > n.qwk);
  assert.ok(n.qwkCi90[0] <= n.qwk && n.qwk <= n.qwkCi90[1]);
  assert.ok(n.meanDifference > 0);
  assert.equal(n.n, 50);
});

test('agreement report: scales, consensus, human-human, confusion rows sum to 1, JSON names', () => {
  assert.equal(inferScale(['A1', 'b2', '0', '']).kind, 'cefr');
  const half = inferScale(['1', '3.5', '5']);
  assert.deepEqual(half.values.slice(0, 3), [0, 0.5, 1]);
  assert.equal(half.adjacent, 2);
  assert.equal(scaleIndex(half, '3.5'), 7);
  assert.throws(() => inferScale(['B3']), /CEFR levels/);
  const rows = [
    { e1: 'A2', e2: 'A2', e3: 'B1', rating: 'A2', sex: 'F' },
    { e1: 'B1', e2: 'B1', e3: 'B1', rating: 'B2', sex: 'M' },
    { e1: 'B2', e2: 'C1', e3: 'B2', rating: 'B2', sex: 'F' },
    { e1: 'C1', e2: 'C1', e3: 'C1', rating: 'C1', sex: 'M' },
    { e1: 'A1', e2: '', e3: 'A2', rating: '', sex: 'F' },
    { e1: 'B1', e2: 'B2', e3: 'B1', rating: '0', sex: 'M' },
  ];
  const r = agreement(rows, { human: ['e1', 'e2', 'e3'], machine: 'rating', groups: ['sex'], resamples: 100, minGroupSize: 1 });
  assert.deepEqual(Object.keys(r.qwk), ['e1', 'e2', 'e3', 'consensus']);
  assert.equal(r.machineMissing, 1);
  assert.equal(r.qwk.consensus.n, 5);
  assert.equal(r.humanHuman.length, 3);
  assert.equal(r.humanHuman.find((h) => h.a === 'e1' && h.b === 'e2')!.n, 5);
  // consensus = median: row 1 A2, row 2 B1, row 3 B2, row 4 C1, row 6 B1
  const cons = [2, 3, 4, 5, 3];
  const mach = [2, 4, 4, 5, 0];
  assert.ok(Math.abs(r.qwk.consensus.estimate - quadraticWeightedKappa(cons, mach, 7)) < 1e-12);
  assert.equal(r.exact.consensus, 3 / 5);
  assert.equal(r.adjacent.consensus, 4 / 5);
  for (const row of r.confusion.consensus.normalized) {
    const s = row.filter((v): v is number => v != null).reduce((x, y) => x + y, 0);
    assert.ok(row.every((v) => v == null) || Math.abs(s - 1) < 1e-12);
  }
  assert.deepEqual(r.byGroup.sex.map((g) => Object.keys(g).filter((k) => ['qwk', 'qwkImportanceSampled', 'meanDifference', 'n'].includes(k)).length), [4, 4]);
  assert.ok(r.qwk.e1.ci90[0] <= r.qwk.e1.ci90[1]);
});
