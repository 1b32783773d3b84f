/**
 * Gradients on the wasm backend, where tf.gather has no gradient kernel: the embedding's scatter-add gradient
 * against the cpu backend's own tf.gather gradient, and the whole model's gradients against the cpu backend
 * and against central finite differences.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { embeddingLookup, gatherRows } from '../src/model/embedding';
import { layerNorm, linear } from '../src/model/layers';
import { loadModel } from '../src/model/checkpoint';
import { GPT2 } from '../src/model/gpt2';
import { Rng } from '../src/runtime/rng';

const FIXTURE = path.join(__dirname, 'fixtures', 'model', 'tiny');

function randn(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

test('embedding gradient on wasm equals tf.gather’s gradient on cpu, duplicate ids included', async () => {
  const V = 50;
  const C = 8;
  const table = randn(V * C, 1);
  const ids = [3, 7, 3, 0, 49, 3, 7, 12]; // 3 three times, 7 twice; most rows unused
  const weights = randn(ids.length * C, 2);
  const grads: Float32Array[] = [];
  assert.ok(await tf.setBackend('cpu'));
  grads.push(tf.tidy(() => {
    const idT = tf.tensor1d(ids, 'int32');
    const w = tf.tensor2d(weights, [ids.length, C]);
    return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idT), w)))(tf.tensor2d(table, [V, C])).dataSync() as Float32Array;
  }));
  for (const backend of ['wasm', 'cpu']) {
    assert.ok(await tf.setBackend(backend));
    grads.push(tf.tidy(() => {
      const idT = tf.tensor1d(ids, 'int32');
      const w = tf.tensor2d(weights, [ids.length, C]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(t as tf.Tensor2D, idT), w)))(tf.tensor2d(table, [V, C]));
      return g.dataSync() as Float32Array;
    }));
  }
  for (const g of grads.slice(1)) for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i] - grads[0][i]) < 1e-5, `element ${i}`);
  // Row 3 collects three weight rows: check against the sum by hand.
  for (let c = 0; c < C; c++) {
    const expected = weights[0 * C + c] + weights[2 * C + c] + weights[5 * C + c];
    assert.ok(Math.abs(grads[1][3 * C + c] - expected) < 1e-5);
    assert.equal(grads[1][1 * C + c], 0, 'unused rows get no gradient');
  }
});

/** Mean next-token cross-entropy of the fixture model on fixed tokens (eval mode). */
function lossOf(model: GPT2, tokens: tf.Tensor2D): tf.Scalar {
  const [B, T] = tokens.shape;
  const logits = model.logits(tf.slice(tokens, [0, 0], [B, T - 1]) as tf.Tensor2D);
  const targets = tf.oneHot(tf.reshape(tf.slice(tokens, [0, 1], [B, T - 1]), [-1]), model.config.vocab_size);
  const logp = tf.logSoftmax(tf.reshape(logits, [-1, model.config.vocab_size]));
  return tf.neg(tf.mean(tf.sum(tf.mul(logp, targets), -1))) as tf.Scalar;
}

const TOKENS = [[5, 9, 5, 60, 2, 9, 33, 5, 17, 41, 0, 63], [12, 12, 8, 5, 44, 1, 3, 9, 9, 20, 6, 30]];

test('whole-model gradients on wasm equal the cpu backend’s for every weight', async () => {
  const results: Array<Map<string, Float32Array>> = [];
  for (const backend of ['wasm', 'cpu']) {
    assert.ok(await tf.setBackend(backend));
    const model = loadModel(FIXTURE);
    const byName = new Map<string, Float32Array>();
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => lossOf(model, tf.tensor2d(TOKENS, [2, 12], 'int32')));
      for (const [name, v] of model.weights) byName.set(name, grads[v.name].dataSync() as Float32Array);
    });
    results.push(byName);
    model.dispose();
  }
  assert.equal(results[0].size, 2 + 12 * 2 + 2);
  for (const [name, g] of results[0]) {
    const ref = results[1].get(name)!;
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < g.length; i++) {
      scale = Math.max(scale, Math.abs(ref[i]));
      diff = Math.max(diff, Math.abs(g[i] - ref[i]));
    }
    assert.ok(scale > 0, `${name} has a gradient`);
    assert.ok(diff <= 1e-4 * Math.max(1, scale), `${name}: max diff ${diff}, scale ${scale}`);
  }
});

test('gradients agree with central finite differences (embedding rows, qkv, layer norm, position)', async () => {
  assert.ok(await tf.setBackend('wasm'));
  const model = loadModel(FIXTURE);
  try {
    const tokens = tf.tensor2d(TOKENS, [2, 12], 'int32');
    const { grads } = tf.variableGrads(() => lossOf(model, tokens));
    // [weight, flat index]: row 5 of wte (looked up 4 times and an output row), row 62 (output only),
    // a qkv weight, a layer-norm gain, a position embedding, an MLP bias.
    const probes: Array<[string, number]> = [
      ['transformer.wte.weight', 5 * 16 + 3], ['transformer.wte.weight', 62 * 16 + 0],
      ['transformer.h.0.attn.c_attn.weight', 37], ['transformer.h.1.ln_1.weight', 4],
      ['transformer.wpe.weight', 2 * 16 + 7], ['transformer.h.1.mlp.c_fc.bias', 11],
    ];
    const h = 1e-2;
    for (const [name, index] of probes) {
      const v = model.weights.get(name)!;
      const original = v.dataSync().slice() as Float32Array;
      const at = (delta: number) => {
        const data = original.slice();
        data[index] += delta;
        tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
        return tf.tidy(() => lossOf(model, tokens).dataSync()[0]);
      };
      const numeric = (at(h) - at(-h)) / (2 * h);
      tf.tidy(() => v.assign(tf.tensor(original, v.shape)));
      const analytic = grads[v.name].dataSync()[index];
      assert.ok(Math.abs(analytic) > 1e-4, `${name}[${index}] has a non-trivial gradient (${analytic})`);
      assert.ok(Math.abs(numeric - analytic) < 2e-3 + 0.02 * Math.abs(analytic), `${name}[${index}]: analytic ${analytic}, numeric ${numeric}`);
    }
  } finally {
    model.dispose();
  }
});

test('hand-written linear and layer-norm gradients equal TF.js autodiff of the plain formulas, on both backends', async () => {
  const N = 6;
  const F = 5;
  const O = 4;
  const x = randn(N * F, 10);
  const w = randn(F * O, 11);
  const b = randn(O, 12);
  const g = randn(F, 13).map((v) => 1 + 0.5 * v);
  const up = randn(N * O, 14);
  const upF = randn(N * F, 15);
  const reference = (ours: boolean) => tf.tidy(() => {
    const xs = [tf.tensor2d(x, [N, F]), tf.tensor2d(w, [F, O]), tf.tensor1d(b)];
    const lin = tf.grads((a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
      const y = ours ? linear(a as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D) : tf.add(tf.matMul(a as tf.Tensor2D, ww as tf.Tensor2D), bb);
      return tf.sum(tf.mul(y, tf.tensor2d(up, [N, O])));
    })(xs);
    const lnIn = [tf.tensor2d(x, [N, F]), tf.tensor1d(g), tf.tensor1d(randn(F, 16))];
    const ln = tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
      let y: tf.Tensor;
      if (ours) {
        y = layerNorm(a as tf.Tensor2D, gg as tf.Tensor1D, bb as tf.Tensor1D, 1e-5);
      } else {
        const { mean, variance } = tf.moments(a, -1, true);
        y = tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), gg), bb);
      }
      return tf.sum(tf.mul(y, tf.tensor2d(upF, [N, F])));
    })(lnIn);
    return [...lin, ...ln].map((t) => t.dataSync() as Float32Array);
  });
  assert.ok(await tf.setBackend('cpu'));
  const expected = reference(false);
  for (const backend of ['cpu', 'wasm']) {
    assert.ok(await tf.setBackend(backend));
    const got = reference(true);
    got.forEach((arr, k) => {
      for (let i = 0; i < arr.length; i++) assert.ok(Math.abs(arr[i] - expected[k][i]) < 1e-4 * Math.max(1, Math.abs(expected[k][i])), `${backend}: gradient ${k}, element ${i}: ${arr[i]} vs ${expected[k][i]}`);
    });
  }
});

test('gatherRows: projecting only selected positions gives those rows of the logits and the same gradients', async () => {
  assert.ok(await tf.setBackend('wasm'));
  const model = loadModel(FIXTURE);
  try {
    const tokens = tf.tensor2d(TOKENS, [2, 12], 'int32');
    const keep = [0, 3, 4, 13, 23]; // positions (flattened B*T) that carry a loss
    const weight = tf.tensor1d(keep.map((_, i) => i + 1));
    const a = tf.variableGrads(() => {
      const h = tf.reshape(model.hidden(tokens), [24, 16]) as tf.Tensor2D;
      const rows = model.project(gatherRows(h, tf.tensor1d(keep, 'int32')));
      return tf.sum(tf.mul(tf.max(rows, 1), weight)) as tf.Scalar;
    });
    const full = model.logits(tokens).reshape([24, 64]).arraySync() as number[][];
    const h = tf.reshape(model.hidden(tokens), [24, 16]) as tf.Tensor2D;
    const part = model.project(gatherRows(h, tf.tensor1d(keep, 'int32'))).arraySync();
    keep.forEach((p, i) => assert.ok(maxDiff(part[i], full[p]) < 1e-5, `row ${p}`));
    const at = model.logitsAt(tokens, keep).arraySync();
    keep.forEach((p, i) => assert.ok(maxDiff(at[i], full[p]) < 1e-5, `logitsAt row ${p}`));
    assert.throws(() => model.logitsAt(tokens, [24]), /position 24 outside/);
    // Reference gradients: the same loss on cpu, where tf.gather has its own gradient.
    assert.ok(await tf.setBackend('cpu'));
    const cpuModel = loadModel(FIXTURE);
    const tokensCpu = tf.tensor2d(TOKENS, [2, 12], 'int32');
    const weightCpu = tf.tensor1d(keep.map((_, i) => i + 1));
    const b = tf.variableGrads(() => {
      const hh = tf.reshape(cpuModel.hidden(tokensCpu), [24, 16]) as tf.Tensor2D;
      return tf.sum(tf.mul(tf.max(cpuModel.project(tf.gather(hh, tf.tensor1d(keep, 'int32'))), 1), weightCpu)) as tf.Scalar;
    });
    assert.ok(Math.abs(a.value.dataSync()[0] - b.value.dataSync()[0]) < 1e-4);
    for (const [name, v] of model.weights) {
      const ga = a.grads[v.name].dataSync();
      const gb = b.grads[cpuModel.weights.get(name)!.name].dataSync();
      assert.ok(maxDiff(Array.from(ga), Array.from(gb)) < 1e-4, name);
    }
    cpuModel.dispose();
  } finally {
    model.dispose();
  }
});

function maxDiff(a: number[], b: number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
