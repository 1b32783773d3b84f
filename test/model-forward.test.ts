/**
 * The forward pass against logits computed by an independent PyTorch implementation (fixture made by
 * bench/parity/make-fixture.ts), on both CPU backends; causality; the key/value cache; dropout; initialisation.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { GPT2 } from '../src/model/gpt2';
import { GPT2Config } from '../src/model/config';
import { loadModel } from '../src/model/checkpoint';
import { DropoutStream, dropoutMask } from '../src/model/dropout';
import { Rng } from '../src/runtime/rng';
import { uint32Stream } from '../src/model/uniform';
import { UserError } from '../src/runtime/errors';

const FIXTURE = path.join(__dirname, 'fixtures', 'model', 'tiny');
const BACKENDS = ['wasm', 'cpu'];

const reference = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'reference_logits.json'), 'utf8')) as {
  tokens: number[][]; shape: number[]; logits: number[];
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const small: GPT2Config = {
  vocab_size: 300, n_positions: 48, n_embd: 32, n_layer: 2, n_head: 4,
  layer_norm_epsilon: 1e-5, resid_pdrop: 0.1, embd_pdrop: 0.1, attn_pdrop: 0.1, initializer_range: 0.02,
};

function ids(B: number, T: number, vocab: number, salt = 1): tf.Tensor2D {
  return tf.tensor2d(Array.from({ length: B * T }, (_, i) => (i * 7919 + salt * 104729) % vocab), [B, T], 'int32');
}

for (const backend of BACKENDS) {
  test(`[${backend}] logits match the PyTorch reference to 1e-4`, async () => {
    assert.ok(await tf.setBackend(backend));
    const model = loadModel(FIXTURE);
    try {
      const [B, T] = [reference.tokens.length, reference.tokens[0].length];
      const input = tf.tensor2d(reference.tokens, [B, T], 'int32');
      tf.dispose(model.logits(input)); // the first pass makes the causal mask, which the model keeps
      const before = tf.memory().numTensors;
      const logits = model.logits(input);
      assert.deepEqual(logits.shape, reference.shape);
      const ours = logits.dataSync();
      const largest = Math.max(...reference.logits.map(Math.abs));
      assert.ok(largest > 1, `reference logits are large enough to be a real test (max |logit| ${largest})`);
      const diff = maxAbsDiff(ours, reference.logits);
      assert.ok(diff < 1e-4, `max abs diff ${diff}`);
      logits.dispose();
      assert.equal(tf.memory().numTensors, before, 'no tensors leak from a forward pass');
      input.dispose();
    } finally {
      model.dispose();
    }
  });

  test(`[${backend}] causal: changing token t changes logits at t and after, never before`, async () => {
    assert.ok(await tf.setBackend(backend));
    const model = loadModel(FIXTURE);
    try {
      const a = reference.tokens[0];
      const b = [...a];
      b[7] = (b[7] + 1) % 64;
      const la = model.logits(tf.tensor2d([a], [1, a.length], 'int32')).arraySync()[0];
      const lb = model.logits(tf.tensor2d([b], [1, b.length], 'int32')).arraySync()[0];
      for (let t = 0; t < a.length; t++) {
        const d = maxAbsDiff(la[t], lb[t]);
        if (t < 7) assert.equal(d, 0, `position ${t} must not see position 7`);
        else assert.ok(d > 1e-3, `position ${t} must depend on position 7 (diff ${d})`);
      }
    } finally {
      model.dispose();
    }
  });

  test(`[${backend}] step() with a key/value cache equals the full forward pass to 1e-5`, async () => {
    assert.ok(await tf.setBackend(backend));
    for (const model of [loadModel(FIXTURE), GPT2.create(small, 3)]) {
      try {
        const T = Math.min(model.config.n_positions, 40);
        const tokens = ids(2, T, model.config.vocab_size);
        const full = model.logits(tokens);
        const cache = model.newCache(2);
        const parts: tf.Tensor3D[] = [];
        let at = 0;
        for (const len of [5, 1, 1, 3, 1, T - 11]) {
          parts.push(model.step(tf.slice(tokens, [0, at], [2, len]) as tf.Tensor2D, cache));
          at += len;
          assert.equal(cache.length, at);
        }
        const diff = maxAbsDiff(tf.concat(parts, 1).dataSync(), full.dataSync());
        assert.ok(diff < 1e-5, `cache vs full: ${diff}`);
        const numBefore = tf.memory().numTensors;
        cache.dispose();
        assert.equal(tf.memory().numTensors, numBefore - 2 * model.config.n_layer, 'the cache holds one key and one value tensor per layer');
        tf.dispose([tokens, full, ...parts]);
      } finally {
        model.dispose();
      }
    }
  });

  test(`[${backend}] hidden() · wteᵀ equals logits(); dropout is reproducible from its seed`, async () => {
    assert.ok(await tf.setBackend(backend));
    const model = GPT2.create(small, 5);
    try {
      const tokens = ids(2, 16, small.vocab_size);
      const h = model.hidden(tokens);
      assert.deepEqual(h.shape, [2, 16, small.n_embd]);
      const viaHidden = model.project(tf.reshape(h, [32, small.n_embd]) as tf.Tensor2D).dataSync();
      const eval1 = model.logits(tokens).dataSync();
      assert.ok(maxAbsDiff(viaHidden, eval1) < 1e-6);
      const train1 = model.logits(tokens, { training: true, dropoutSeed: 11 }).dataSync();
      const train1again = model.logits(tokens, { training: true, dropoutSeed: 11 }).dataSync();
      const train2 = model.logits(tokens, { training: true, dropoutSeed: 12 }).dataSync();
      assert.deepEqual(train1again, train1);
      assert.ok(maxAbsDiff(train1, eval1) > 1e-3, 'dropout changes the output when training');
      assert.ok(maxAbsDiff(train1, train2) > 1e-3, 'a different seed gives different masks');
      assert.deepEqual(model.logits(tokens, { training: false, dropoutSeed: 11 }).dataSync(), eval1);
      assert.throws(() => model.logits(tokens, { training: true }), /dropoutSeed/);
    } finally {
      model.dispose();
    }
  });

  test(`[${backend}] bad input: token ids outside the vocabulary, sequences longer than the positions`, async () => {
    assert.ok(await tf.setBackend(backend));
    const model = loadModel(FIXTURE);
    try {
      assert.throws(() => model.logits(tf.tensor2d([[1, 64]], [1, 2], 'int32')), (e: unknown) => e instanceof UserError && /token id 64 at position 1/.test(e.message));
      assert.throws(() => model.logits(ids(1, 17, 64)), (e: unknown) => e instanceof UserError && /17 tokens is longer than the model's 16 positions/.test(e.message));
      const cache = model.newCache(1);
      model.step(ids(1, 10, 64), cache);
      assert.throws(() => model.step(ids(1, 7, 64), cache), /17 tokens/);
      cache.dispose();
    } finally {
      model.dispose();
    }
  });
}

test('training-mode logits are the same on wasm and cpu (dropout masks do not depend on the backend)', async () => {
  const out: Float32Array[] = [];
  for (const backend of BACKENDS) {
    assert.ok(await tf.setBackend(backend));
    const model = loadModel(FIXTURE);
    out.push(model.logits(tf.tensor2d(reference.tokens, [2, 12], 'int32'), { training: true, dropoutSeed: 3 }).dataSync() as Float32Array);
    model.dispose();
  }
  assert.ok(maxAbsDiff(out[0], out[1]) < 1e-4);
});

test('dropout zeroes about `rate` of the elements and scales the rest by 1/(1-rate)', async () => {
  await tf.setBackend('cpu');
  const x = tf.ones([100_000]);
  const y = new DropoutStream(9).apply(x, 0.1).dataSync();
  const zeros = y.filter((v) => v === 0).length / y.length;
  assert.ok(Math.abs(zeros - 0.1) < 0.005, `dropped fraction ${zeros}`);
  assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.9) < 1e-6));
  const second = new DropoutStream(9);
  second.apply(x, 0.1);
  assert.notDeepEqual(second.apply(x, 0.1).dataSync(), y, 'each site of a pass gets its own mask');
});

test('initialisation: N(0, 0.02), residual projections N(0, 0.02/sqrt(2L)), zero biases, unit gains; seeded', async () => {
  await tf.setBackend('cpu');
  const config: GPT2Config = { ...small, vocab_size: 4000, n_embd: 64, n_layer: 4, n_head: 4 };
  const a = GPT2.create(config, 42);
  const b = GPT2.create(config, 42);
  const c = GPT2.create(config, 43);
  try {
    const std = (name: string) => {
      const d = a.weights.get(name)!.dataSync();
      let s = 0;
      let s2 = 0;
      for (const v of d) { s += v; s2 += v * v; }
      return { mean: s / d.length, std: Math.sqrt(s2 / d.length - (s / d.length) ** 2) };
    };
    const wte = std('transformer.wte.weight');
    assert.ok(Math.abs(wte.std - 0.02) < 0.0005 && Math.abs(wte.mean) < 0.0005, JSON.stringify(wte));
    assert.ok(Math.abs(std('transformer.h.0.attn.c_attn.weight').std - 0.02) < 0.001);
    const resid = 0.02 / Math.sqrt(2 * config.n_layer);
    assert.ok(Math.abs(std('transformer.h.3.attn.c_proj.weight').std - resid) < 0.0005);
    assert.ok(Math.abs(std('transformer.h.1.mlp.c_proj.weight').std - resid) < 0.0005);
    assert.ok(Math.abs(std('transformer.h.1.mlp.c_fc.weight').std - 0.02) < 0.0005);
    assert.ok(a.weights.get('transformer.h.2.mlp.c_fc.bias')!.dataSync().every((v) => v === 0));
    assert.ok(a.weights.get('transformer.h.2.ln_2.weight')!.dataSync().every((v) => v === 1));
    assert.ok(a.weights.get('transformer.ln_f.bias')!.dataSync().every((v) => v === 0));
    for (const [name, v] of a.weights) assert.deepEqual(v.dataSync(), b.weights.get(name)!.dataSync(), `same seed, same ${name}`);
    assert.notDeepEqual(a.weights.get('transformer.wpe.weight')!.dataSync(), c.weights.get('transformer.wpe.weight')!.dataSync());
  } finally {
    a.dispose();
    b.dispose();
    c.dispose();
  }
});

test('dropout masks follow the Rng stream exactly (the fast loop equals Rng.nextUint32)', () => {
  const rate = 0.3;
  const mask = dropoutMask(5000, rate, new Rng(77));
  const rng = new Rng(77);
  const threshold = Math.floor(rate * 4294967296);
  for (let i = 0; i < mask.length; i++) assert.equal(mask[i], rng.nextUint32() >= threshold ? Math.fround(1 / 0.7) : 0, `element ${i}`);
});

test('uint32Stream reproduces Rng.nextUint32 from the same state', () => {
  const rng = Rng.derive(5, 'x');
  const next = uint32Stream(rng);
  for (let i = 0; i < 1000; i++) assert.equal(next(), rng.nextUint32());
});
