/**
 * The BERT encoder on a tiny random BERT written in the Hugging Face layout (src/model/bert-random.ts):
 * pooling with padding, shapes, determinism, the published name variants, truncation and missing files.
 * Parity with an independent PyTorch implementation is checked in bench/bert/parity.ts.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { UserError } from '../src/runtime/errors';
import { BertConfig, padBatch } from '../src/model/bert';
import { loadBert } from '../src/model/bert-load';
import { writeRandomBert } from '../src/model/bert-random';
import { readSafetensors, writeSafetensors, TensorToWrite } from '../src/model/safetensors';
import { createBertEncoder } from '../src/classify/encoder-bert';
import { lengthSortedBatches } from '../src/classify/encoder-batches';
import { maxAbsDiff } from './array-helpers';

const TINY: BertConfig = {
  vocab_size: 0, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64,
  hidden_act: 'gelu', max_position_embeddings: 64, type_vocab_size: 2, layer_norm_eps: 1e-12,
};

const TEXTS = [
  'My name is Anna and I live in a small town.',
  'Hi!',
  'I think that people can work very good with their family, because it is the time of the year.',
  'the school',
  '',
  'Caf\u00E9 \u00E0 la cr\u00E8me, 42 $!',
];

let root: string;
let dir: string;

before(async () => {
  await initBackend();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-bert-'));
  dir = path.join(root, 'tiny');
  writeRandomBert(dir, { config: TINY, seed: 1, std: 0.2, noise: 0.1 });
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

test('shapes: one vector of hidden_size per text, in order; hidden states [B, T, H]', async () => {
  const enc = createBertEncoder(dir);
  try {
    assert.equal(enc.dim, 32);
    assert.equal(enc.spec, `bert:${dir}`);
    assert.match(enc.id, /^[0-9a-f]{64}$/);
    const vecs = await enc.encode(TEXTS);
    assert.equal(vecs.length, TEXTS.length);
    for (const v of vecs) {
      assert.equal(v.length, 32);
      assert.ok(v.every(Number.isFinite));
    }
    // Different texts, different vectors.
    assert.ok(maxAbsDiff(vecs[0], vecs[1]) > 1e-3);
  } finally {
    enc.dispose?.();
  }
  const { model, tokenizer } = loadBert(dir);
  const batch = padBatch([tokenizer.encode('hello world', 450).ids, tokenizer.encode('a', 450).ids], tokenizer.padId);
  const h = model.hidden(batch);
  assert.deepEqual(h.shape, [2, batch.seqLen, 32]);
  h.dispose();
  model.dispose();
});

test('a padded batch gives the same vectors (and real-token hidden states) as each text alone', async () => {
  const batched = createBertEncoder(dir, { batchSize: 8 });
  const single = createBertEncoder(dir, { batchSize: 1 });
  try {
    assert.equal(batched.id, single.id, 'the batch size does not change the id');
    const a = await batched.encode(TEXTS);
    const b = await single.encode(TEXTS);
    for (let i = 0; i < TEXTS.length; i++) assert.ok(maxAbsDiff(a[i], b[i]) < 1e-5, `text ${i}: ${maxAbsDiff(a[i], b[i])}`);
  } finally {
    batched.dispose?.();
    single.dispose?.();
  }
  const { model, tokenizer } = loadBert(dir);
  try {
    const long = tokenizer.encode(TEXTS[2], 450).ids;
    const short = tokenizer.encode(TEXTS[0], 450).ids;
    const both = model.hidden(padBatch([long, short], tokenizer.padId));
    const alone = model.hidden(padBatch([short], tokenizer.padId));
    const H = 32;
    const paddedRows = both.slice([1, 0, 0], [1, short.length, H]);
    assert.ok(maxAbsDiff(paddedRows.dataSync(), alone.dataSync()) < 1e-5);
    // The pooled vector is the plain mean of the real tokens' hidden states.
    const pooled = model.pooled(padBatch([long, short], tokenizer.padId));
    const mean = tf.mean(paddedRows, 1);
    assert.ok(maxAbsDiff(pooled.slice([1, 0], [1, H]).dataSync(), mean.dataSync()) < 1e-6);
    tf.dispose([both, alone, paddedRows, pooled, mean]);
  } finally {
    model.dispose();
  }
});

test('deterministic; the id changes with the weights and with max tokens', async () => {
  const e1 = createBertEncoder(dir);
  const e2 = createBertEncoder(dir);
  const e3 = createBertEncoder(dir, { maxTokens: 8 });
  const other = path.join(root, 'other');
  writeRandomBert(other, { config: TINY, seed: 2, std: 0.2, noise: 0.1 });
  const e4 = createBertEncoder(other);
  try {
    const v1 = await e1.encode(TEXTS);
    const v2 = await e2.encode(TEXTS);
    for (let i = 0; i < TEXTS.length; i++) assert.deepEqual(Buffer.from(v1[i].buffer), Buffer.from(v2[i].buffer));
    assert.equal(e1.id, e2.id);
    assert.notEqual(e1.id, e3.id);
    assert.notEqual(e1.id, e4.id);
  } finally {
    for (const e of [e1, e2, e3, e4]) e.dispose?.();
  }
});

test('truncation: a text longer than max tokens is encoded as its first max-2 pieces', async () => {
  const enc = createBertEncoder(dir, { maxTokens: 8 });
  const { tokenizer, model } = loadBert(dir);
  model.dispose();
  try {
    const text = 'my name is the school and i live in the family of my friend';
    const pieces = tokenizer.tokenize(text);
    assert.ok(pieces.length > 6 && pieces.every((p) => !p.startsWith('##')));
    const [full, cut] = await enc.encode([text, pieces.slice(0, 6).join(' ')]);
    assert.ok(maxAbsDiff(full, cut) < 1e-6);
  } finally {
    enc.dispose?.();
  }
  assert.throws(() => createBertEncoder(dir, { maxTokens: 65 }), (e: unknown) => e instanceof UserError && e.message.includes('64'));
});

test('names without "bert." and with LayerNorm gamma/beta load to the same vectors', async () => {
  const alt = path.join(root, 'renamed');
  fs.cpSync(dir, alt, { recursive: true });
  const tensors = readSafetensors(path.join(dir, 'model.safetensors'));
  const renamed = new Map<string, TensorToWrite>();
  for (const [name, t] of tensors) {
    renamed.set(name.replace(/^bert\./, '').replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta'), t);
  }
  renamed.set('cls.predictions.bias', { shape: [3], data: new Float32Array(3) });
  writeSafetensors(path.join(alt, 'model.safetensors'), renamed);
  const a = createBertEncoder(dir);
  const b = createBertEncoder(alt);
  try {
    const [va, vb] = [await a.encode(TEXTS), await b.encode(TEXTS)];
    for (let i = 0; i < TEXTS.length; i++) assert.ok(maxAbsDiff(va[i], vb[i]) === 0);
  } finally {
    a.dispose?.();
    b.dispose?.();
  }
});

test('no tensors leak across encode calls', async () => {
  const enc = createBertEncoder(dir);
  await enc.encode(TEXTS.slice(0, 2));
  const before = tf.memory().numTensors;
  await enc.encode(TEXTS);
  assert.equal(tf.memory().numTensors, before);
  enc.dispose?.();
});

test('a directory without vocab.txt (or another file) is a UserError naming the directory, the file and the fix', () => {
  for (const file of ['vocab.txt', 'config.json', 'model.safetensors', 'tokenizer_config.json']) {
    const broken = path.join(root, `no-${file}`);
    fs.cpSync(dir, broken, { recursive: true });
    fs.rmSync(path.join(broken, file));
    assert.throws(() => createBertEncoder(broken), (e: unknown) =>
      e instanceof UserError && e.message.includes(broken) && e.message.includes(file) && e.message.includes('Fix:'), file);
  }
  const bin = path.join(root, 'bin-only');
  fs.cpSync(dir, bin, { recursive: true });
  fs.renameSync(path.join(bin, 'model.safetensors'), path.join(bin, 'pytorch_model.bin'));
  assert.throws(() => createBertEncoder(bin), (e: unknown) => e instanceof UserError && e.message.includes('pytorch_model.bin') && e.message.includes('safe_serialization'));
  assert.throws(() => createBertEncoder(path.join(root, 'nowhere')), (e: unknown) => e instanceof UserError && e.message.includes('does not exist'));
  const wrongShape = path.join(root, 'wrong-shape');
  fs.cpSync(dir, wrongShape, { recursive: true });
  const cfg = JSON.parse(fs.readFileSync(path.join(wrongShape, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(wrongShape, 'config.json'), JSON.stringify({ ...cfg, intermediate_size: 48 }));
  assert.throws(() => createBertEncoder(wrongShape), (e: unknown) => e instanceof UserError && e.message.includes('intermediate.dense') && e.message.includes('[48]'));
  fs.writeFileSync(path.join(wrongShape, 'config.json'), JSON.stringify({ ...cfg, model_type: 'roberta' }));
  assert.throws(() => createBertEncoder(wrongShape), (e: unknown) => e instanceof UserError && e.message.includes('model_type') && e.message.includes('Fix:'));
  fs.writeFileSync(path.join(wrongShape, 'config.json'), JSON.stringify({ ...cfg, hidden_act: 'swish' }));
  assert.throws(() => createBertEncoder(wrongShape), (e: unknown) => e instanceof UserError && e.message.includes('swish'));
});

test('batches group texts by length, longest first, within the limits', () => {
  assert.deepEqual(lengthSortedBatches([3, 9, 1, 9, 5], 2), [[1, 3], [4, 0], [2]]);
  assert.deepEqual(lengthSortedBatches([4, 4, 4, 4], 10, 8), [[0, 1], [2, 3]]);
  assert.deepEqual(lengthSortedBatches([20, 1], 10, 8), [[0], [1]]);
});
