/**
 * The model-selection module (src/model-selection): the stratified folds are byte-identical to those of the two
 * functions they replace (classify/classifier.ts and awe/model.ts, recorded in test/fixtures/folds before those
 * were removed), groups stay in one fold, out-of-fold predictions never use their own fold, learning curves.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { readLabelledCsv } from '../src/classify/data';
import { CEFR_LEVELS } from '../src/corpus/cefr';
import { Rng } from '../src/runtime/rng';
import { stratifiedFolds, foldSplits } from '../src/model-selection/folds';
import { outOfFoldPredictions } from '../src/model-selection/cross-validate';
import { learningCurve, summarise } from '../src/model-selection/learning-curve';

interface Case { fn: 'classify' | 'awe'; labels: 'cefr-asag' | 'twelve' | 'scores'; seed: number; k: number; folds: string }
const expected = JSON.parse(fs.readFileSync('test/fixtures/folds/expected-folds.json', 'utf8')) as { rows: number; cases: Case[] };

const rows = readLabelledCsv('data/cefr-asag/cefr_asag_4col.csv');
const present = CEFR_LEVELS.filter((l) => rows.some((r) => r.level === l));
const labelSets = {
  'cefr-asag': { classify: rows.map((r) => present.indexOf(r.level!)), awe: rows.map((r) => r.level as string) },
  twelve: { classify: Array.from({ length: 150 }, (_, i) => (i * 7) % 12), awe: [] as string[] },
  scores: { classify: [] as number[], awe: Array.from({ length: 150 }, (_, i) => ['1.0', '1.5', '2.0', '2.5', '3.0', '3.5', '4.0', '4.5', '5.0', '10.0'][(i * 3) % 10]) },
};

test('stratifiedFolds gives the folds of the former classify and awe splitters, byte for byte (CEFR-ASAG and synthetic labels)', () => {
  assert.equal(rows.length, expected.rows);
  assert.equal(expected.cases.length, 22);
  for (const c of expected.cases) {
    const got = c.fn === 'classify' ? stratifiedFolds(labelSets[c.labels].classify, c.k, Rng.derive(c.seed, 'folds')) : stratifiedFolds(labelSets[c.labels].awe, c.k, c.seed);
    assert.equal(got.join(''), c.folds, `${c.fn} ${c.labels} seed ${c.seed} k ${c.k}`);
  }
});

test('stratifiedFolds: every class spread evenly, one-item groups change nothing, a group never straddles two folds', () => {
  const y = labelSets['cefr-asag'].classify;
  const f = stratifiedFolds(y, 5, 3);
  for (let c = 0; c < present.length; c++) {
    const sizes = [0, 1, 2, 3, 4].map((k) => f.filter((x, i) => x === k && y[i] === c).length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `class ${c}: ${sizes}`);
  }
  assert.deepEqual(stratifiedFolds(y, 5, 3, y.map((_, i) => `row${i}`)), f);
  const groups = y.map((_, i) => Math.floor(i / 4)); // runs of four rows must stay together
  const g = stratifiedFolds(y, 5, 3, groups);
  for (let i = 0; i < y.length; i++) assert.equal(g[i], g[groups[i] * 4]);
  assert.throws(() => stratifiedFolds(y, 0, 1), RangeError);
  assert.throws(() => stratifiedFolds(y, 5, 1, [1, 2]), RangeError);
});

test('foldSplits and outOfFoldPredictions: each item predicted once, by a model fitted without its fold', () => {
  const fold = [0, 1, 2, 0, 1, 2, 0];
  assert.deepEqual(foldSplits(fold, 3)[0], { train: [1, 2, 4, 5], test: [0, 3, 6] });
  assert.deepEqual(foldSplits([0, 0], 2)[1], { train: [0, 1], test: [] });
  const seen: number[][] = [];
  const pred = outOfFoldPredictions(fold, 4, (train, test, f) => {
    for (const i of test) assert.ok(!train.includes(i));
    seen.push(test);
    return test.map((i) => `fold ${f} item ${i}`);
  });
  assert.deepEqual(pred, fold.map((f, i) => `fold ${f} item ${i}`));
  assert.equal(seen.length, 3); // the empty fourth fold is not fitted
  assert.throws(() => outOfFoldPredictions(fold, 3, () => []), RangeError);
});

test('learningCurve: stratified samples per size and seed, mean and sample SD over seeds (0 for one seed)', () => {
  const y = Array.from({ length: 60 }, (_, i) => i % 3);
  const calls: Array<{ size: number; seed: number; n: number; classes: number[] }> = [];
  const curve = learningCurve(y, [6, 30], 3, 10, ['share'], (sample, seed, size) => {
    calls.push({ size, seed, n: sample.length, classes: [0, 1, 2].map((c) => sample.filter((i) => y[i] === c).length) });
    return { share: sample.length / y.length + seed / 1000 };
  });
  assert.deepEqual(calls.map((c) => [c.size, c.seed, c.n]), [[6, 10, 6], [6, 11, 6], [6, 12, 6], [30, 10, 30], [30, 11, 30], [30, 12, 30]]);
  assert.deepEqual(calls[0].classes, [2, 2, 2]);
  assert.equal(curve[1].size, 30);
  assert.ok(Math.abs(curve[1].metrics.share.mean - (0.5 + 0.011)) < 1e-12);
  assert.ok(Math.abs(curve[1].metrics.share.sd - 0.001) < 1e-12);
  assert.deepEqual(summarise([0.7]), { mean: 0.7, sd: 0, values: [0.7] });
});
