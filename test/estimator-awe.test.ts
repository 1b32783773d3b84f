/** The AWE trees behind the estimator contract (src/awe/estimator.ts): params table, same model as trainAwe, save/load. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../src/runtime/rng';
import { AweClassifier } from '../src/awe/estimator';
import { GBDT_DEFAULTS } from '../src/awe/gbdt';
import { trainAwe, predictAweProba } from '../src/awe/model';
import { stratifiedFolds } from '../src/model-selection/folds';
import { crossValPredict } from '../src/model-selection/cross-validate';

const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'we', 'went', 'home', 'because', 'although', 'however', 'consequently', 'nevertheless'];

function essays(n: number, seed: number): { rows: Array<{ text: string; prompt: string }>; labels: string[] } {
  const r = new Rng(seed);
  const rows: Array<{ text: string; prompt: string }> = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const l = i % 3;
    const len = 5 + l * 12 + r.int(5);
    rows.push({ text: Array.from({ length: len }, () => words[r.int(words.length)]).join(' ') + '.', prompt: 'Describe your day.' });
    labels.push(['A2', 'B1', 'B2'][l]);
  }
  return { rows, labels };
}

test('AweClassifier: params are the trees\' defaults table; the model is trainAwe\'s; save/load keep it', async () => {
  assert.deepEqual({ ...new AweClassifier().params }, GBDT_DEFAULTS);
  assert.equal(new AweClassifier({ maxIter: 7 }).params.maxIter, 7);
  assert.throws(() => new AweClassifier({ trees: 3 } as never), /unknown param "trees"/);
  const { rows, labels } = essays(90, 1);
  const params = { maxIter: 15, minSamplesLeaf: 5 };
  const est = new AweClassifier(params).fit(rows, labels);
  assert.deepEqual(est.classes, ['A2', 'B1', 'B2']);
  assert.deepEqual(est.predictProba(rows), predictAweProba(trainAwe(rows, labels, { ...GBDT_DEFAULTS, ...params }), rows));
  assert.ok(est.score(rows, labels) > 0.9);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'awe-est-'));
  await est.save(dir);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).kind, 'cefrlab.awe-classifier');
  const back = AweClassifier.load(dir);
  assert.deepEqual(back.predictProba(rows), est.predictProba(rows));
  assert.deepEqual({ ...back.params }, { ...est.params });
});

test('crossValPredict runs the AWE estimator fold by fold', () => {
  const { rows, labels } = essays(120, 2);
  const oof = crossValPredict(() => new AweClassifier({ maxIter: 20, minSamplesLeaf: 5 }), rows, labels, stratifiedFolds(labels, 3, 0), 3);
  const acc = oof.filter((p, i) => p === labels[i]).length / labels.length;
  assert.ok(acc > 0.8, `out-of-fold accuracy ${acc}`);
});
