/**
 * growDepth: the grown model computes what the original computed (new blocks start as the identity), keeps the
 * original weights, and its new blocks can learn (the gradient reaching their zero projections is not zero).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { GPT2 } from '../src/model/gpt2';
import { GPT2Config } from '../src/model/config';
import { growDepth } from '../src/model/grow';
import { UserError } from '../src/runtime/errors';

const config: GPT2Config = {
  vocab_size: 300, n_positions: 48, n_embd: 32, n_layer: 2, n_head: 4,
  layer_norm_epsilon: 1e-5, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0, initializer_range: 0.02,
};
const tokens = () => tf.tensor2d(Array.from({ length: 2 * 12 }, (_, i) => (i * 7919 + 13) % 300), [2, 12], 'int32');

test('a grown model gives the same logits and keeps every original weight', async () => {
  await tf.setBackend('cpu');
  const base = GPT2.create(config, 3);
  const grown = growDepth(base, 4, 9);
  assert.equal(grown.config.n_layer, 4);
  assert.equal(grown.weights.size, base.weights.size + 2 * 12);
  for (const [name, v] of base.weights) {
    assert.deepEqual(Array.from(grown.weights.get(name)!.dataSync()), Array.from(v.dataSync()), name);
  }
  const x = tokens();
  const a = base.logits(x).dataSync();
  const b = grown.logits(x).dataSync();
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  assert.ok(scale > 0.01, 'the logits are not trivially zero');
  assert.ok(diff < 1e-5, `logits differ by ${diff}`);
  x.dispose();
  base.dispose();
  grown.dispose();
});

test('the new blocks start with zero residual outputs and drawn inner weights, and receive gradient', async () => {
  await tf.setBackend('cpu');
  const base = GPT2.create(config, 3);
  const grown = growDepth(base, 3, 9);
  const w = (name: string) => grown.weights.get(`transformer.h.2.${name}`)!;
  for (const name of ['attn.c_proj.weight', 'attn.c_proj.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias']) {
    assert.ok((w(name).dataSync() as Float32Array).every((v) => v === 0), `${name} is zero`);
  }
  assert.ok((w('attn.c_attn.weight').dataSync() as Float32Array).some((v) => v !== 0), 'attention weights are drawn');
  assert.ok((w('ln_1.weight').dataSync() as Float32Array).every((v) => v === 1), 'layer-norm gains are 1');
  const x = tokens();
  const { grads } = tf.variableGrads(() => tf.mean(tf.square(grown.logits(x))) as tf.Scalar, [w('mlp.c_proj.weight'), w('attn.c_proj.weight')]);
  for (const [name, g] of Object.entries(grads)) {
    assert.ok(tf.max(tf.abs(g)).dataSync()[0] > 0, `gradient reaches ${name}`);
  }
  x.dispose();
  base.dispose();
  grown.dispose();
});

test('growing to fewer layers is refused with the fix', () => {
  const base = GPT2.create(config, 3);
  assert.throws(() => growDepth(base, 1, 0, 'stage1'), (e: Error) => e instanceof UserError && /stage1: cannot grow 2 layers to 1.*Fix/.test(e.message));
  base.dispose();
});
