/**
 * Context-target sampling (objective/loss.ts sampleContextTargets, used by `pretrain --context-sample`): the kept
 * share is the one asked for, answers are never dropped, the draw does not depend on how a step is cut into
 * micro-batches, and the sampled loss is an unbiased estimate of the full loss.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { GPT2 } from '../src/model/gpt2';
import { PRESETS } from '../src/model/config';
import { MemorySource } from '../src/train/data';
import { stepGradients } from '../src/train/step';
import { sampleContextTargets, TYPE_CONTEXT, TYPE_PAD, TYPE_ANSWER } from '../src/objective/loss';
import { train } from '../src/train/loop';
import { UserError } from '../src/runtime/errors';

before(async () => {
  await initBackend();
});

test('sampling keeps about the asked share of context targets and every answer target', () => {
  const T = 200;
  const B = 50;
  const types = new Uint8Array(B * T).map((_, i) => (i % 5 === 0 ? TYPE_ANSWER : TYPE_CONTEXT));
  const before = types.slice();
  const ids = Array.from({ length: B }, (_, b) => 1000 + b);
  const dropped = sampleContextTargets(types, T, ids, 0.25, 7, 3);
  const context = before.filter((t) => t === TYPE_CONTEXT).length;
  const kept = types.filter((t) => t === TYPE_CONTEXT).length;
  assert.equal(kept + dropped, context);
  // 8,000 draws with p = 0.25: the standard deviation of the share is 0.0048; allow five of them
  assert.ok(Math.abs(kept / context - 0.25) < 0.025, `kept share ${kept / context}`);
  for (let i = 0; i < types.length; i++) {
    if (before[i] === TYPE_ANSWER) assert.equal(types[i], TYPE_ANSWER);
    else assert.ok(types[i] === TYPE_CONTEXT || types[i] === TYPE_PAD);
  }
  // another step draws another subset; keep = 1 changes nothing
  const again = before.slice();
  sampleContextTargets(again, T, ids, 0.25, 7, 4);
  assert.notDeepEqual(again, types);
  const all = before.slice();
  assert.equal(sampleContextTargets(all, T, ids, 1, 7, 3), 0);
  assert.deepEqual(all, before);
  assert.throws(() => sampleContextTargets(before.slice(), T, ids, 0, 7, 3), /keep must be in/);
});

test('the draw belongs to the example, not to its place in a micro-batch', () => {
  const T = 40;
  const row = () => new Uint8Array(T).fill(TYPE_CONTEXT);
  const together = new Uint8Array(3 * T).fill(TYPE_CONTEXT);
  sampleContextTargets(together, T, [5, 9, 11], 0.5, 1, 2);
  const alone = row();
  sampleContextTargets(alone, T, [9], 0.5, 1, 2);
  assert.deepEqual(alone, together.slice(T, 2 * T));
});

const T = 12;
const V = 64;
const config = { ...PRESETS.tiny, vocab_size: V, n_positions: 16, n_layer: 1, n_embd: 32, n_head: 2, embd_pdrop: 0, attn_pdrop: 0, resid_pdrop: 0 };
const rows = Array.from({ length: 8 }, (_, r) => ({
  tokens: Int32Array.from({ length: T }, (_, i) => (r * 7 + i * 3) % V),
  types: Uint8Array.from({ length: T }, (_, i) => (i < 7 ? TYPE_CONTEXT : i === 7 ? 3 : TYPE_ANSWER)),
}));
const source = new MemorySource(T, rows);

test('the sampled loss averages to the full loss over many draws (unbiased), and keep = 1 is the full loss', async () => {
  const model = GPT2.create(config, 2);
  const ix = [0, 1, 2, 3, 4, 5, 6, 7];
  const base = { dropoutSeed: () => 1, minimalSupervision: false };
  const full = await stepGradients(model, [source.batch(ix)], { ...base, step: 1 });
  tf.dispose([...full.grads.values()]);
  const one = await stepGradients(model, [source.batch(ix)], { ...base, step: 1, contextSample: { keep: 1, seed: 0, examples: [ix] } });
  tf.dispose([...one.grads.values()]);
  assert.equal(one.loss, full.loss);
  let sum = 0;
  const draws = 200;
  let fewerRows = 0;
  for (let s = 1; s <= draws; s++) {
    const r = await stepGradients(model, [source.batch(ix)], { ...base, step: s, contextSample: { keep: 0.3, seed: 0, examples: [ix] } });
    tf.dispose([...r.grads.values()]);
    sum += r.loss;
    if (r.trainedTokens < full.trainedTokens) fewerRows++;
  }
  assert.equal(fewerRows, draws);
  // the infill mean is exact in every draw; only the context mean varies (its spread over 200 draws is small)
  assert.ok(Math.abs(sum / draws - full.loss) < 0.01 * full.loss, `mean sampled loss ${sum / draws} vs full ${full.loss}`);
  model.dispose();
});

test('train refuses a context share outside (0, 1]', async () => {
  await assert.rejects(
    train('/nonexistent-exp', { train: source, eval: null }, { model: 'tiny', config, seed: 0, batchSize: 4, accum: 1, weightDecay: 0, clip: 1, evalMaxExamples: 0, minimalSupervision: false, contextSample: 1.5, log: () => {} }),
    (e: unknown) => e instanceof UserError && /--context-sample must be in \(0, 1\]/.test((e as Error).message),
  );
});
