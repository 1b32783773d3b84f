import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../src/runtime/rng';
import { binThresholds, binOf, trainGbdt, gbdtPredict, gbdtProba } from '../src/awe/gbdt';
import { trainLengthModel, predictLength, lengthProba } from '../src/awe/length';
import { labelSet, classIndex } from '../src/awe/labels';
import { trainAwe, predictAwe, saveAwe, loadAwe } from '../src/awe/model';
import { stratifiedFolds } from '../src/model-selection/folds';
import { outOfFoldPredictions } from '../src/model-selection/cross-validate';
import { aweFeatureNames, relevance, fitIdf } from '../src/awe/features';
import { FEATURE_NAMES } from '../src/features/text-features';
import { quadraticWeightedKappa } from '../src/metrics/classification';

function synthetic(n: number, seed: number) {
  const r = new Rng(seed);
  const x = Array.from({ length: n }, () => Float64Array.from({ length: 5 }, () => r.normal()));
  const y = x.map((v) => Math.max(0, Math.min(3, Math.floor(v[0] + 0.5 * v[1] * v[1] + 1.5 + 0.3 * r.normal()))));
  return { x, y };
}

test('bins: midpoints between distinct values, quantiles when there are many; NaN in bin 0', () => {
  assert.deepEqual(binThresholds([3, 1, 2, 2, 1], 255), [1.5, 2.5]);
  const many = Array.from({ length: 1000 }, (_, i) => i);
  const t = binThresholds(many, 10);
  assert.equal(t.length, 9);
  assert.deepEqual([binOf(t, -5), binOf(t, 1e9), binOf(t, NaN)], [0, 9, 0]);
  for (let b = 0; b < 10; b++) assert.ok(Math.abs(many.filter((v) => binOf(t, v) === b).length - 100) <= 1);
});

test('gradient boosting learns a non-linear multiclass rule, is deterministic, and its loss falls', () => {
  const tr = synthetic(600, 1);
  const te = synthetic(300, 2);
  const m = trainGbdt(tr.x, tr.y, 4, { maxIter: 40 });
  const acc = te.x.filter((v, i) => gbdtPredict(m, v) === te.y[i]).length / te.x.length;
  assert.ok(acc > 0.65, `accuracy ${acc}`);
  const prior = Math.max(...[0, 1, 2, 3].map((c) => te.y.filter((y) => y === c).length)) / te.y.length;
  assert.ok(acc > prior + 0.15, `accuracy ${acc}, prior ${prior}`);
  for (let i = 1; i < m.trainLoss.length; i++) assert.ok(m.trainLoss[i] <= m.trainLoss[i - 1] + 1e-9);
  const p = gbdtProba(m, te.x[0]);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const again = trainGbdt(tr.x, tr.y, 4, { maxIter: 40 });
  assert.deepEqual(JSON.stringify(again.trees), JSON.stringify(m.trees));
  assert.ok(m.gain[0] > m.gain[3] && m.gain[1] > m.gain[4], 'the informative features carry the gain');
  // every leaf holds at least minSamplesLeaf training rows: a tiny set gives a stump-free model (baseline only)
  const tiny = trainGbdt(tr.x.slice(0, 30), tr.y.slice(0, 30), 4, { maxIter: 3 });
  assert.ok(tiny.trees.every((round) => round.every((t) => t.feature.length === 1)));
  const es = trainGbdt(tr.x, tr.y, 4, { maxIter: 500, earlyStopping: { patience: 5 } });
  assert.ok(es.trees.length < 500 && es.validationLoss.length === es.trees.length);
});

test('length baseline: ordinal cut points increase with length; labels keep their order and spelling', () => {
  const texts: string[] = [];
  const labels: string[] = [];
  const r = new Rng(3);
  const levels = ['A1', 'A2', 'B1', 'B2'];
  for (let i = 0; i < 200; i++) {
    const l = i % 4;
    texts.push('x'.repeat(Math.round(Math.exp(3 + l * 0.8 + 0.3 * r.normal()))));
    labels.push(levels[l].toLowerCase());
  }
  const m = trainLengthModel(texts, labels);
  assert.deepEqual(m.labels.classes, levels);
  assert.ok(m.beta > 0);
  for (let j = 1; j < m.theta.length; j++) assert.ok(m.theta[j] > m.theta[j - 1]);
  const pred = texts.map((t) => predictLength(m, t));
  const k = quadraticWeightedKappa(labels.map((l) => levels.indexOf(l.toUpperCase())), pred.map((p) => levels.indexOf(p)), 4);
  assert.ok(k > 0.8, `qwk ${k}`);
  assert.ok(Math.abs(lengthProba(m, 'abc').reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.deepEqual(labelSet(['3.0', '2.5', '5', '']).classes, ['2.5', '3', '5']);
  assert.equal(classIndex(labelSet(['0', 'B1', 'A2']), 'b1'), 2);
});

test('AWE: features = shared text features + prompt relevance and error proxies; train, save, load, predict; CV folds', () => {
  assert.deepEqual(aweFeatureNames().slice(0, FEATURE_NAMES.length), [...FEATURE_NAMES]);
  const idf = fitIdf(['my family is big', 'i like football', 'the weather is nice']);
  assert.ok(relevance('Describe your family.', 'My family is big.', idf) > relevance('Describe your family.', 'I like football.', idf));
  const r = new Rng(5);
  const words = ['cat', 'house', 'beautiful', 'although', 'nevertheless', 'consequently', 'family', 'go', 'is', 'the'];
  const rows: Array<{ text: string; prompt: string }> = [];
  const labels: string[] = [];
  for (let i = 0; i < 120; i++) {
    const l = i % 3;
    const n = 5 + l * 12 + r.int(5);
    rows.push({ text: Array.from({ length: n }, () => words[r.int(words.length)]).join(' ') + '.', prompt: 'Describe your family.' });
    labels.push(['A2', 'B1', 'B2'][l]);
  }
  const folds = stratifiedFolds(labels, 3, 0);
  assert.deepEqual([0, 1, 2].map((f) => folds.filter((x) => x === f).length), [40, 40, 40]);
  const oof = outOfFoldPredictions(folds, 3, (tr, te) => predictAwe(trainAwe(tr.map((i) => rows[i]), tr.map((i) => labels[i]), { maxIter: 20, minSamplesLeaf: 5 }), te.map((i) => rows[i])));
  const acc = oof.filter((p, i) => p === labels[i]).length / labels.length;
  assert.ok(acc > 0.8, `out-of-fold accuracy ${acc}`);
  const model = trainAwe(rows, labels, { maxIter: 10, minSamplesLeaf: 5 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'awe-'));
  saveAwe(model, dir);
  assert.deepEqual(predictAwe(loadAwe(dir), rows), predictAwe(model, rows));
  assert.throws(() => loadAwe(path.join(dir, 'missing')), /no AWE model/);
});
