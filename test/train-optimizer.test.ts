import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { AdamW, GradientAccumulator, clipByGlobalNorm, isDecayed } from '../src/train/optimizer';
import { learningRate } from '../src/train/schedule';
import { Rng } from '../src/runtime/rng';

before(async () => {
  await initBackend();
});

/** Textbook AdamW (PyTorch's form) in float64, one parameter vector. */
function referenceAdamW(p: number[], grads: number[][], lr: number, wd: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  let x = p.slice();
  grads.forEach((g, k) => {
    const t = k + 1;
    x = x.map((xi) => xi * (1 - lr * wd));
    for (let i = 0; i < x.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const mh = m[i] / (1 - b1 ** t);
      const vh = v[i] / (1 - b2 ** t);
      x[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
    }
  });
  return x;
}

const P0 = [0.5, -1.25, 2.0, 0.0];
const GRADS = [
  [0.1, -0.2, 0.3, 0.0],
  [0.05, 0.4, -0.1, 1e-3],
  [-0.3, 0.1, 0.2, -2.0],
];

test('AdamW matches the float64 textbook update, decaying weights but not biases or layer norms', () => {
  const params = new Map<string, tf.Variable>([
    ['transformer.h.0.mlp.c_fc.weight', tf.variable(tf.tensor1d(P0))],
    ['transformer.h.0.mlp.c_fc.bias', tf.variable(tf.tensor1d(P0))],
    ['transformer.ln_f.weight', tf.variable(tf.tensor1d(P0))],
  ]);
  const opt = new AdamW(params, { weightDecay: 0.1 });
  for (const g of GRADS) {
    const grads = new Map([...params.keys()].map((k) => [k, tf.tensor1d(g)] as [string, tf.Tensor]));
    opt.apply(grads, 0.01);
    tf.dispose([...grads.values()]);
  }
  const decayed = referenceAdamW(P0, GRADS, 0.01, 0.1);
  const plain = referenceAdamW(P0, GRADS, 0.01, 0);
  const got = (name: string) => [...params.get(name)!.dataSync()];
  got('transformer.h.0.mlp.c_fc.weight').forEach((x, i) => assert.ok(Math.abs(x - decayed[i]) < 1e-6, `weight[${i}] ${x} vs ${decayed[i]}`));
  got('transformer.h.0.mlp.c_fc.bias').forEach((x, i) => assert.ok(Math.abs(x - plain[i]) < 1e-6));
  got('transformer.ln_f.weight').forEach((x, i) => assert.ok(Math.abs(x - plain[i]) < 1e-6));
  assert.notEqual(decayed[2], plain[2]);
  opt.dispose();
});

test('the decay rule follows Hugging Face GPT-2 names', () => {
  assert.equal(isDecayed('transformer.wte.weight'), true);
  assert.equal(isDecayed('transformer.h.3.attn.c_attn.weight'), true);
  assert.equal(isDecayed('transformer.h.3.attn.c_attn.bias'), false);
  assert.equal(isDecayed('transformer.h.11.ln_2.weight'), false);
  assert.equal(isDecayed('transformer.ln_f.bias'), false);
});

test('exported optimizer state resumes the exact same trajectory', async () => {
  const make = () => new Map([['w', tf.variable(tf.tensor1d(P0))]]);
  const a = make();
  const optA = new AdamW(a, { weightDecay: 0.01 });
  const b = make();
  const optB = new AdamW(b, { weightDecay: 0.01 });
  for (const g of GRADS.slice(0, 2)) {
    optA.apply(new Map([['w', tf.tensor1d(g)]]), 0.02);
    optB.apply(new Map([['w', tf.tensor1d(g)]]), 0.02);
  }
  // B is "killed": a fresh optimizer and weights restored from exported state.
  const state = await optB.exportState();
  const savedW = b.get('w')!.dataSync().slice();
  const c = new Map([['w', tf.variable(tf.tensor1d(savedW))]]);
  const optC = new AdamW(c, { weightDecay: 0.01 });
  optC.loadState(state);
  assert.equal(optC.step, 2);
  optA.apply(new Map([['w', tf.tensor1d(GRADS[2])]]), 0.02);
  optC.apply(new Map([['w', tf.tensor1d(GRADS[2])]]), 0.02);
  assert.deepEqual([...c.get('w')!.dataSync()], [...a.get('w')!.dataSync()]);
});

test('global-norm clipping scales every gradient by max/(norm+1e-6) only when over the limit', async () => {
  const grads = new Map<string, tf.Tensor>([['a', tf.tensor1d([3, 0])], ['b', tf.tensor1d([0, 4])]]);
  const norm = await clipByGlobalNorm(grads, 1.0);
  assert.ok(Math.abs(norm - 5) < 1e-6);
  const a = grads.get('a')!.dataSync();
  assert.ok(Math.abs(a[0] - (3 * 1) / (5 + 1e-6)) < 1e-6);
  const small = new Map<string, tf.Tensor>([['a', tf.tensor1d([0.3, 0.4])]]);
  assert.ok(Math.abs((await clipByGlobalNorm(small, 1.0)) - 0.5) < 1e-6);
  assert.deepEqual([...small.get('a')!.dataSync()].map((x) => Math.round(x * 1e6) / 1e6), [0.3, 0.4]);
  const bad = new Map<string, tf.Tensor>([['a', tf.tensor1d([NaN, 1])]]);
  assert.ok(Number.isNaN(await clipByGlobalNorm(bad, 1.0)));
});

test('accumulating micro-batch gradients gives their sum and resets', async () => {
  const acc = new GradientAccumulator();
  await acc.add({ w: tf.tensor1d([1, 2]) });
  await acc.add({ w: tf.tensor1d([3, 6]) });
  await acc.add(new Map([['w', tf.tensor1d([2, 1])]]));
  const sum = acc.sum();
  assert.deepEqual([...sum.get('w')!.dataSync()], [6, 9]);
  assert.equal(acc.count, 0);
});

test('summing gradients on the host gives the same bits as summing tensors', async () => {
  // Values of very different magnitudes, so that float32 rounding matters at every addition.
  const rng = new Rng(7);
  const parts = Array.from({ length: 5 }, () => Float32Array.from({ length: 257 }, () => (rng.float() - 0.5) * 10 ** Math.floor(rng.float() * 8 - 4)));
  const device = new GradientAccumulator();
  const host = new GradientAccumulator({ onHost: true });
  for (const p of parts) {
    await device.add({ w: tf.tensor2d(p, [1, 257]) });
    await host.add({ w: tf.tensor2d(p, [1, 257]) });
  }
  const a = device.sum().get('w')!;
  const b = host.sum().get('w')!;
  assert.deepEqual(b.shape, [1, 257]);
  assert.deepEqual([...b.dataSync()], [...a.dataSync()]);
  // ... and the sum is float32 arithmetic, not a double sum rounded once at the end.
  let exactDiffers = false;
  for (let i = 0; i < 257; i++) {
    let double = 0;
    let single = 0;
    for (const p of parts) { double += p[i]; single = Math.fround(single + p[i]); }
    assert.equal(b.dataSync()[i], single);
    if (Math.fround(double) !== single) exactDiffers = true;
  }
  assert.ok(exactDiffers, 'the data should exercise float32 rounding');
});

test('constant and warmup learning rates', () => {
  assert.equal(learningRate({ lr: 5e-5, warmupSteps: 0 }, 0), 5e-5);
  assert.equal(learningRate({ lr: 1e-3, warmupSteps: 4 }, 0), 2.5e-4);
  assert.equal(learningRate({ lr: 1e-3, warmupSteps: 4 }, 3), 1e-3);
  assert.equal(learningRate({ lr: 1e-3, warmupSteps: 4 }, 100), 1e-3);
});

test('AdamW with its moments on the host follows the backend update bit for bit, and exports the same state', async () => {
  const rng = new Rng(3);
  const n = 301;
  const values = () => Float32Array.from({ length: n }, () => (rng.float() - 0.5) * 10 ** Math.floor(rng.float() * 6 - 3));
  const p0 = values();
  const grads = [values(), values(), values(), values()];
  const names = ['transformer.h.0.attn.c_attn.weight', 'transformer.h.0.attn.c_attn.bias'];
  const make = () => new Map(names.map((k) => [k, tf.variable(tf.tensor2d(p0, [1, n]))] as [string, tf.Variable]));
  const device = make();
  const host = make();
  const optD = new AdamW(device, { weightDecay: 0.1 });
  const optH = new AdamW(host, { weightDecay: 0.1, onHost: true });
  for (const [k, g] of grads.entries()) {
    const lr = 1e-3 * (k + 1);
    optD.apply(new Map(names.map((name) => [name, tf.tensor2d(g, [1, n])] as [string, tf.Tensor])), lr);
    optH.apply(new Map(names.map((name) => [name, tf.tensor2d(g, [1, n])] as [string, tf.Tensor])), lr);
  }
  for (const name of names) assert.deepEqual([...host.get(name)!.dataSync()], [...device.get(name)!.dataSync()], name);
  // the parameters moved (the comparison is not between two untouched copies)
  assert.notDeepEqual([...host.get(names[0])!.dataSync()], [...p0]);
  const [sd, sh] = [await optD.exportState(), await optH.exportState()];
  assert.equal(sh.step, 4);
  for (const key of sd.tensors.keys()) assert.deepEqual([...sh.tensors.get(key)!.data], [...sd.tensors.get(key)!.data], key);
  // a host optimizer resumes from a device one's state (checkpoints do not depend on where the moments lived)
  const resumed = new Map(names.map((k) => [k, tf.variable(tf.tensor2d(device.get(k)!.dataSync(), [1, n]))] as [string, tf.Variable]));
  const optR = new AdamW(resumed, { weightDecay: 0.1, onHost: true });
  optR.loadState(sd);
  const g5 = values();
  optD.apply(new Map(names.map((name) => [name, tf.tensor2d(g5, [1, n])] as [string, tf.Tensor])), 2e-3);
  optR.apply(new Map(names.map((name) => [name, tf.tensor2d(g5, [1, n])] as [string, tf.Tensor])), 2e-3);
  for (const name of names) assert.deepEqual([...resumed.get(name)!.dataSync()], [...device.get(name)!.dataSync()], name);
  [optD, optH, optR].forEach((o) => o.dispose());
});

test('AdamW holds exactly its two moments per parameter, and dispose() frees all of them', () => {
  const params = new Map([['a.weight', tf.variable(tf.zeros([3, 4]))], ['a.bias', tf.variable(tf.zeros([4]))]]);
  const before = tf.memory().numTensors;
  const opt = new AdamW(params);
  assert.equal(tf.memory().numTensors - before, 2 * params.size, 'one m and one v tensor per parameter, no stray zeros');
  opt.dispose();
  assert.equal(tf.memory().numTensors, before);
  for (const p of params.values()) p.dispose();
});
