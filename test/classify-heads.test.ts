/**
 * The heads on known answers: each separates an easy synthetic set (three Gaussian clusters along one axis,
 * levels in order), training is reproducible to the bit, and the ordinal head's probabilities are a
 * distribution whose cumulative shares follow the thresholds.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { trainHead, predictProba, argmax, HEAD_KINDS } from '../src/classify/heads';
import { fitStandardizer, standardize } from '../src/classify/classifier';
import { stratifiedHoldout, stratifiedFolds, stratifiedSample } from '../src/model-selection/folds';
import { Rng } from '../src/runtime/rng';

function blobs(n: number, seed: number) {
  const rng = new Rng(seed);
  const X: Float64Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const x = new Float64Array(4);
    for (let j = 0; j < 4; j++) x[j] = rng.normal() * 0.4 + (j === 0 ? 2 * c - 2 : 0);
    X.push(x);
    y.push(c);
  }
  return { X, y };
}

const train = blobs(150, 1);
const test_ = blobs(90, 2);

for (const kind of HEAD_KINDS) {
  test(`${kind} head separates three well-separated ordered clusters (held-out accuracy >= 0.95)`, () => {
    const h = trainHead(train.X, train.y, 3, { kind, seed: 0, lr: kind === 'mlp' ? 1e-3 : undefined, epochs: kind === 'mlp' ? 30 : undefined }, { X: test_.X.slice(0, 30), y: test_.y.slice(0, 30) });
    const P = predictProba(h, test_.X.slice(30));
    const acc = P.filter((p, i) => argmax(p) === test_.y[30 + i]).length / P.length;
    assert.ok(acc >= 0.95, `${kind}: accuracy ${acc}`);
    for (const p of P) assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.ok(h.history.length >= 1 && h.bestEpoch >= 1);
  });
}

test('training is deterministic: same data, options and seed give identical weights; another seed does not', () => {
  for (const kind of HEAD_KINDS) {
    const opts = { kind, seed: 5, epochs: kind === 'mlp' ? 3 : 50, lr: kind === 'mlp' ? 1e-3 : undefined, hidden: [16, 8] };
    const a = trainHead(train.X, train.y, 3, opts, { X: test_.X, y: test_.y });
    const b = trainHead(train.X, train.y, 3, opts, { X: test_.X, y: test_.y });
    for (const name of a.order) assert.deepEqual(a.params[name], b.params[name], `${kind} ${name}`);
    if (kind === 'mlp') {
      const c = trainHead(train.X, train.y, 3, { ...opts, seed: 6 }, { X: test_.X, y: test_.y });
      assert.notDeepEqual(a.params.W1, c.params.W1);
    }
  }
});

test('early stopping keeps the weights of the best dev epoch', () => {
  const h = trainHead(train.X, train.y, 3, { kind: 'mlp', seed: 0, lr: 1e-2, epochs: 40, patience: 3, hidden: [16, 8] }, { X: test_.X, y: test_.y });
  const best = Math.min(...h.history.map((e) => e.devLoss!));
  assert.equal(h.history[h.bestEpoch - 1].devLoss, best);
  assert.ok(h.history.length <= 40);
});

test('ordinal probabilities follow the cumulative-logit formula', () => {
  const h = trainHead(train.X, train.y, 3, { kind: 'ordinal', seed: 0, epochs: 100 });
  const raw = h.params.thresholds;
  const th = [raw[0], raw[0] + Math.exp(raw[1])];
  const x = test_.X[0];
  const eta = x.reduce((a, v, i) => a + v * h.params.w[i], 0);
  const s = (z: number) => 1 / (1 + Math.exp(-z));
  const p = predictProba(h, [x])[0];
  assert.ok(Math.abs(p[0] - s(th[0] - eta)) < 1e-12);
  assert.ok(Math.abs(p[0] + p[1] - s(th[1] - eta)) < 1e-12);
  assert.ok(th[1] > th[0]);
});

test('splits: stratified hold-out, folds and samples keep class proportions', () => {
  const y = [...Array(50).fill(0), ...Array(30).fill(1), ...Array(20).fill(2)];
  const h = stratifiedHoldout(y, 0.2, new Rng(0));
  assert.equal(h.dev.length, 20);
  assert.deepEqual([0, 1, 2].map((c) => h.dev.filter((i) => y[i] === c).length), [10, 6, 4]);
  const f = stratifiedFolds(y, 5, new Rng(0));
  for (let k = 0; k < 5; k++) assert.equal(f.filter((x) => x === k).length, 20);
  const s = stratifiedSample(y, 10, new Rng(0));
  assert.deepEqual([0, 1, 2].map((c) => s.filter((i) => y[i] === c).length), [5, 3, 2]);
  // largest remainder: 7 of (50, 30, 20) -> quotas 3.5, 2.1, 1.4 -> 3 + 2 + 1 = 6, the extra goes to class 0
  const s7 = stratifiedSample(y, 7, new Rng(0));
  assert.deepEqual([0, 1, 2].map((c) => s7.filter((i) => y[i] === c).length), [4, 2, 1]);
  assert.deepEqual(stratifiedSample(y, 10, new Rng(3)), stratifiedSample(y, 10, new Rng(3)));
});

test('standardisation uses training means and population standard deviations; constant columns get 1', () => {
  const X = [Float64Array.from([1, 5]), Float64Array.from([3, 5])];
  const s = fitStandardizer(X);
  assert.deepEqual(s, { mean: [2, 5], std: [1, 1] });
  assert.deepEqual(Array.from(standardize(s, [Float64Array.from([4, 6])])[0]), [2, 1]);
});
