import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { ilmTrainingLoss, ilmEvalSums, shiftTargets, weightedCrossEntropy, weightedCrossEntropyTf, lossWeights } from '../src/objective/loss';

before(async () => {
  await initBackend();
});

/** -log softmax(row)[t] in float64. */
function nll(row: number[], t: number): number {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return lse - row[t];
}

// A hand-built ILM example over a 6-token vocabulary, one row of 7 positions:
// "a <blank> b <sep> c <eoa> <pad>" with types 1 2 1 3 4 5 0.
const V = 6;
const tokens = Int32Array.from([0, 4, 1, 5, 2, 3, 0]);
const types = Uint8Array.from([1, 2, 1, 3, 4, 5, 0]);
const logitRows = [
  [0.1, 0.2, 0.3, -0.4, 1.0, 0.0],
  [1.5, 0.5, -1.0, 0.0, 0.3, 0.2],
  [0.0, 0.0, 0.0, 0.0, 0.0, 2.0],
  [-0.5, 0.7, 1.2, 0.1, 0.0, -1.0],
  [0.3, 0.3, 0.9, 1.7, -0.2, 0.4],
  [2.0, -2.0, 0.5, 0.5, 0.5, 0.5],
  [9.0, 9.0, 9.0, 9.0, 9.0, 9.0],
];

test('the training loss of a hand-built example is context mean + infill mean', () => {
  // targets: pos1 (blank, type 2: skipped), pos2 (b, context), pos3 (sep: skipped), pos4 (c, answer),
  // pos5 (eoa, end of answer), pos6 (pad: skipped). Position 0 is never a target.
  const context = nll(logitRows[1], 1); // predicts token 2 ("b", id 1) from row 1
  const infill = (nll(logitRows[3], 2) + nll(logitRows[4], 3)) / 2;
  const logits = tf.tensor3d([logitRows]);
  const { loss, contextTokens, infillTokens } = ilmTrainingLoss(logits, tokens, types);
  assert.equal(contextTokens, 1);
  assert.equal(infillTokens, 2);
  assert.ok(Math.abs(loss.dataSync()[0] - (context + infill)) < 1e-5);
  const minimal = ilmTrainingLoss(logits, tokens, types, { minimalSupervision: true });
  assert.ok(Math.abs(minimal.loss.dataSync()[0] - infill) < 1e-5);
  tf.dispose([logits, loss, minimal.loss]);
});

test('evaluation sums split context, infill and infill-text-only tokens', async () => {
  const logits = tf.tensor3d([logitRows]);
  const sums = await ilmEvalSums(logits, tokens, types);
  assert.equal(sums.contextCount, 1);
  assert.equal(sums.infillCount, 2);
  assert.equal(sums.infillTextCount, 1);
  assert.ok(Math.abs(sums.contextSum - nll(logitRows[1], 1)) < 1e-5);
  assert.ok(Math.abs(sums.infillSum - (nll(logitRows[3], 2) + nll(logitRows[4], 3))) < 1e-5);
  assert.ok(Math.abs(sums.infillTextSum - nll(logitRows[3], 2)) < 1e-5);
  logits.dispose();
});

test('rows whose target is padding, a blank, the separator or nothing get no loss and no gradient', () => {
  const base = tf.tensor3d([logitRows]);
  const grad = tf.grad((x: tf.Tensor) => ilmTrainingLoss(x as tf.Tensor3D, tokens, types).loss)(base);
  const g = grad.arraySync() as number[][][];
  // rows 0 (target is a blank), 2 (target is the separator), 5 (target is padding), 6 (last position)
  for (const row of [0, 2, 5, 6]) assert.ok(g[0][row].every((x) => x === 0), `row ${row} has a gradient`);
  for (const row of [1, 3, 4]) assert.ok(g[0][row].some((x) => x !== 0), `row ${row} has no gradient`);
  // changing those rows leaves the loss unchanged
  const changed = logitRows.map((r, i) => ([0, 2, 5, 6].includes(i) ? r.map((x) => x * -3 + 1) : r));
  const a = ilmTrainingLoss(base, tokens, types).loss.dataSync()[0];
  const b = ilmTrainingLoss(tf.tensor3d([changed]), tokens, types).loss.dataSync()[0];
  assert.equal(a, b);
  tf.dispose([base, grad]);
});

test('the hand-written gradient equals softmax minus one-hot, weighted, checked by finite differences', () => {
  const rows = 5;
  const x = tf.randomNormal([rows, V], 0, 1, 'float32', 7) as tf.Tensor2D;
  const targets = Int32Array.from([1, 0, 5, 3, 3]);
  const weights = Float32Array.from([0.5, 0, 0.25, 0.25, 1]);
  const g = tf.grad((t: tf.Tensor) => weightedCrossEntropy(t as tf.Tensor2D, targets, weights))(x).arraySync() as number[][];
  const xs = x.arraySync();
  const f = (m: number[][]) => m.reduce((s, row, i) => s + weights[i] * nll(row, targets[i]), 0);
  const h = 1e-3;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < V; j++) {
      const plus = xs.map((r) => r.slice());
      const minus = xs.map((r) => r.slice());
      plus[i][j] += h;
      minus[i][j] -= h;
      const numeric = (f(plus) - f(minus)) / (2 * h);
      assert.ok(Math.abs(numeric - g[i][j]) < 1e-4, `d/dx[${i}][${j}]: numeric ${numeric}, analytic ${g[i][j]}`);
    }
  }
  x.dispose();
});

test('targets are shifted by one and weights give two separate means', () => {
  const s = shiftTargets(Int32Array.from([7, 8, 9, 10, 11, 12]), Uint8Array.from([1, 1, 4, 1, 4, 5]), 2, 3);
  assert.deepEqual([...s.targets], [8, 9, 0, 11, 12, 0]);
  assert.deepEqual([...s.types], [1, 4, 0, 4, 5, 0]);
  const w = lossWeights(s.types, false);
  assert.equal(w.context, 1);
  assert.equal(w.infill, 3);
  assert.deepEqual([...w.weights].map((x) => Math.round(x * 1e6) / 1e6), [1, 0.333333, 0, 0.333333, 0.333333, 0]);
});

test('the native fused cross-entropy, when built, equals the TensorFlow.js formulation in value and gradient', async (t) => {
  const { enableNativeKernels, disableNativeKernels } = await import('../src/runtime/kernels');
  const status = enableNativeKernels();
  if (!status.active) {
    assert.notEqual(process.env.CEFRLAB_REQUIRE_NATIVE, '1', `CEFRLAB_REQUIRE_NATIVE=1 but native kernels are not active: ${status.reason}`);
    t.skip(`native kernels not active: ${status.reason}`);
    return;
  }
  try {
    const x = tf.randomNormal([37, 301], 0, 2, 'float32', 5) as tf.Tensor2D;
    const targets = Int32Array.from({ length: 37 }, (_, i) => (i * 53) % 301);
    const weights = Float32Array.from({ length: 37 }, (_, i) => (i % 3 === 0 ? 0 : 1 / (1 + (i % 5))));
    const f = (fn: typeof weightedCrossEntropy) => tf.valueAndGrad((a: tf.Tensor) => fn(a as tf.Tensor2D, targets, weights))(x);
    const native = f(weightedCrossEntropy);
    const plain = f(weightedCrossEntropyTf);
    assert.ok(Math.abs(native.value.dataSync()[0] - plain.value.dataSync()[0]) < 1e-4);
    const gn = native.grad.dataSync();
    const gp = plain.grad.dataSync();
    for (let i = 0; i < gn.length; i++) assert.ok(Math.abs(gn[i] - gp[i]) < 1e-6, `gradient ${i}: ${gn[i]} vs ${gp[i]}`);
  } finally {
    disableNativeKernels();
  }
});
