/**
 * The estimator contract on the classifier heads (src/classify/head-estimator.ts): params from the defaults
 * table, the same weights as the `classify` path, save/load through the manifest, cross-validation of any
 * estimator.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../src/runtime/rng';
import { UserError } from '../src/runtime/errors';
import { HeadClassifier, headClassifierDefaults } from '../src/classify/head-estimator';
import { fitOnVectors, standardize } from '../src/classify/classifier';
import { predictProba, resolveHeadOptions, HEAD_DEFAULTS } from '../src/classify/heads';
import { resolveParams } from '../src/estimator/estimator';
import { stratifiedFolds } from '../src/model-selection/folds';
import { crossValPredict } from '../src/model-selection/cross-validate';

/** Three classes along a line in 4 dimensions, with noise: learnable, not trivially. */
function data(n: number, seed: number): { X: Float64Array[]; y: string[] } {
  const rng = new Rng(seed);
  const X: Float64Array[] = [];
  const y: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    X.push(Float64Array.from([2 * c + 0.6 * rng.normal(), -c + 0.6 * rng.normal(), rng.normal(), 5 + rng.normal()]));
    y.push(['A2', 'B1', 'B2'][c]);
  }
  return { X, y };
}

test('params: the defaults table per head, overridden by what is given; an unknown param is refused', () => {
  assert.deepEqual({ ...new HeadClassifier({ head: 'logistic' }).params }, { head: 'logistic', seed: 0, dev: 0.2, epochs: 500, lr: 0.05, batchSize: 32, patience: 20 });
  assert.deepEqual({ ...new HeadClassifier().params }, { head: 'mlp', seed: 0, dev: 0.2, epochs: 200, lr: 1e-5, batchSize: 32, patience: 10 });
  assert.equal(new HeadClassifier({ head: 'ordinal', lr: 0.1, epochs: undefined }).params.lr, 0.1);
  assert.equal(new HeadClassifier({ head: 'ordinal', epochs: undefined }).params.epochs, 500);
  assert.throws(() => new HeadClassifier({ head: 'mlp', learningRate: 1 } as never), /unknown param "learningRate"/);
  assert.throws(() => new HeadClassifier({ dev: 1 }), RangeError);
  // the heads' own resolution reads the same table, key order included (manifests compare byte for byte)
  for (const kind of ['mlp', 'logistic', 'ordinal'] as const) {
    assert.equal(JSON.stringify(resolveHeadOptions({ kind })), JSON.stringify(HEAD_DEFAULTS[kind]));
    assert.equal(resolveHeadOptions({ kind, epochs: 7, lr: undefined }).epochs, 7);
  }
  assert.deepEqual(resolveParams<{ a: number; b: string }>({ a: 1, b: 'x' }, { b: null as unknown as string }), { a: 1, b: 'x' });
  assert.equal(headClassifierDefaults('logistic').patience, 20);
});

test('fit / predictProba / predict / score; the weights are those of the classify path (fitOnVectors)', () => {
  const { X, y } = data(120, 1);
  const params = { head: 'logistic' as const, epochs: 200, seed: 3 };
  const est = new HeadClassifier(params).fit(X, y);
  assert.deepEqual(est.classes, ['A2', 'B1', 'B2']);
  const P = est.predictProba(X);
  for (const p of P) assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const score = est.score(X, y);
  assert.ok(score > 0.85, `training accuracy ${score}`);
  assert.equal(score, est.predict(X).filter((l, i) => l === y[i]).length / y.length);
  const ref = fitOnVectors(X, y.map((l) => ['A2', 'B1', 'B2'].indexOf(l)), ['A2', 'B1', 'B2'], { ...headClassifierDefaults('logistic'), ...params });
  assert.deepEqual(P, predictProba(ref.head, standardize(ref.standardizer, X)));
  assert.throws(() => new HeadClassifier().predict(X), /call fit/);
});

test('save and load through the manifest give the same probabilities; damaged weights are refused', async () => {
  const { X, y } = data(90, 2);
  const est = new HeadClassifier({ head: 'ordinal', epochs: 150 }, { classes: ['A2', 'B1', 'B2'] }).fit(X, y);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'head-est-'));
  await est.save(dir);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.kind, 'cefrlab.head-classifier');
  assert.deepEqual(manifest.params, { ...est.params });
  assert.deepEqual(manifest.weights.tensors.map((t: { name: string }) => t.name), ['w', 'thresholds']);
  const back = HeadClassifier.load(dir);
  assert.deepEqual(back.predictProba(X), est.predictProba(X));
  assert.deepEqual(back.classes, ['A2', 'B1', 'B2']);
  const w = path.join(dir, 'weights.bin');
  const bytes = fs.readFileSync(w);
  bytes[0] ^= 1;
  fs.writeFileSync(w, bytes);
  assert.throws(() => HeadClassifier.load(dir), (e: unknown) => e instanceof UserError && /do not match the manifest's hash/.test(e.message));
  assert.throws(() => HeadClassifier.load(os.tmpdir()), (e: unknown) => e instanceof UserError && /no manifest\.json/.test(e.message));
});

test('crossValPredict: any estimator, each row predicted by a model fitted without its fold', () => {
  const { X, y } = data(150, 4);
  const fold = stratifiedFolds(y, 5, 0);
  const made: number[] = [];
  const oof = crossValPredict((f) => (made.push(f), new HeadClassifier({ head: 'logistic', epochs: 150, seed: f })), X, y, fold, 5);
  assert.deepEqual(made, [0, 1, 2, 3, 4]);
  const acc = oof.filter((l, i) => l === y[i]).length / y.length;
  assert.ok(acc > 0.8, `out-of-fold accuracy ${acc}`);
  assert.throws(() => crossValPredict(() => new HeadClassifier(), X, y.slice(1), fold, 5), RangeError);
});
