/**
 * The `ilm` and `perplexity` encoders on tiny random GPT-2 models written with the project's checkpoint
 * writer. Known answers come from the model's plain forward pass (`GPT2.hidden`) and from `tokenLogProbs`
 * (src/infill/forward.ts), a different code path from the encoders' batched `logitsAt` + `rowNll`.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { UserError } from '../src/runtime/errors';
import { GPT2 } from '../src/model/gpt2';
import { GPT2Config, ILM_VOCAB_SIZE } from '../src/model/config';
import { saveModel } from '../src/model/checkpoint';
import { encodeText } from '../src/tokenize/gpt2-bpe';
import { tokenLogProbs } from '../src/infill/forward';
import { createIlmEncoder } from '../src/classify/encoder-ilm';
import { createPerplexityEncoder, scoringWindows } from '../src/classify/encoder-perplexity';
import { maxAbsDiff } from './array-helpers';

const CONFIG: GPT2Config = {
  vocab_size: ILM_VOCAB_SIZE, n_positions: 32, n_embd: 32, n_layer: 2, n_head: 4,
  layer_norm_epsilon: 1e-5, resid_pdrop: 0.1, embd_pdrop: 0.1, attn_pdrop: 0.1, initializer_range: 0.02,
};

const LONG = 'My name is Anna and I live in a small town near the sea. I like my school because my friends are there and the teachers are very kind to us.';
const TEXTS = ['I have a cat.', 'Hello', LONG, 'We went to the beach yesterday, it was great!', ''];

let root: string;
let expA: string; // an experiment directory (checkpoints/best)
let dirB: string; // a plain model directory
let modelA: GPT2;
let modelB: GPT2;

before(async () => {
  await initBackend();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-enc-gpt2-'));
  expA = path.join(root, 'exp-a');
  dirB = path.join(root, 'model-b');
  modelA = GPT2.create(CONFIG, 1);
  modelB = GPT2.create(CONFIG, 2);
  saveModel(path.join(expA, 'checkpoints', 'best'), modelA);
  saveModel(dirB, modelB);
});

after(() => {
  modelA.dispose();
  modelB.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Mean of the final hidden states over the tokens, straight from the model. */
function directMean(model: GPT2, tokens: number[]): Float32Array {
  return tf.tidy(() => tf.mean(model.hidden(tf.tensor2d([tokens], [1, tokens.length], 'int32')), 1).dataSync() as Float32Array);
}

test('ilm: the mean of the final hidden states over the text tokens, padded or not, cut at the positions', async () => {
  const batched = createIlmEncoder(expA, { batchSize: 8 });
  const single = createIlmEncoder(expA, { batchSize: 1 });
  try {
    assert.equal(batched.dim, 32);
    assert.equal(batched.spec, `ilm:${expA}`);
    assert.equal(batched.id, single.id);
    const a = await batched.encode(TEXTS);
    const b = await single.encode(TEXTS);
    for (let i = 0; i < TEXTS.length; i++) assert.ok(maxAbsDiff(a[i], b[i]) < 1e-5, `text ${i}`);
    for (const i of [0, 1, 3]) assert.ok(maxAbsDiff(a[i], directMean(modelA, encodeText(TEXTS[i]))) < 1e-5);
    const longTokens = encodeText(LONG);
    assert.ok(longTokens.length > 32);
    assert.ok(maxAbsDiff(a[2], directMean(modelA, longTokens.slice(0, 32))) < 1e-5);
    assert.deepEqual(Array.from(a[4]), new Array(32).fill(0), 'an empty text gives zeros');
  } finally {
    batched.dispose?.();
    single.dispose?.();
  }
});

test('ilm: deterministic, the id follows the weights, a missing directory is a UserError', async () => {
  const a1 = createIlmEncoder(expA);
  const a2 = createIlmEncoder(expA);
  const b = createIlmEncoder(dirB);
  try {
    const [v1, v2] = [await a1.encode(TEXTS), await a2.encode(TEXTS)];
    for (let i = 0; i < TEXTS.length; i++) assert.deepEqual(Buffer.from(v1[i].buffer), Buffer.from(v2[i].buffer));
    assert.equal(a1.id, a2.id);
    assert.notEqual(a1.id, b.id);
    const cut = createIlmEncoder(expA, { maxTokens: 16 });
    assert.notEqual(a1.id, cut.id);
    cut.dispose?.();
  } finally {
    for (const e of [a1, a2, b]) e.dispose?.();
  }
  assert.throws(() => createIlmEncoder(path.join(root, 'nowhere')), (e: unknown) => e instanceof UserError && e.message.includes('nowhere'));
  const capped = createIlmEncoder(expA, { maxTokens: 450 });
  const full = createIlmEncoder(expA);
  assert.equal(capped.id, full.id, 'max tokens beyond the positions is capped at them');
  capped.dispose?.();
  full.dispose?.();
  assert.throws(() => createIlmEncoder(expA, { maxTokens: 0 }), (e: unknown) => e instanceof UserError && e.message.includes('--max-tokens'));
});

test('scoring windows score every token after the first exactly once, with context after the first window', () => {
  for (const L of [2, 5, 32, 33, 50, 100]) {
    const tokens = Array.from({ length: L }, (_, i) => 1000 + i);
    const windows = scoringWindows(0, tokens, 32);
    const scored: number[] = [];
    for (const w of windows) {
      assert.ok(w.tokens.length <= 32);
      for (const r of w.rows) scored.push(w.tokens[r + 1] - 1000);
    }
    assert.deepEqual(scored, Array.from({ length: L - 1 }, (_, i) => i + 1), `L = ${L}`);
  }
  assert.deepEqual(scoringWindows(0, [], 32), []);
  assert.deepEqual(scoringWindows(0, [7], 32), [{ text: 0, tokens: [198, 7], rows: [0] }]);
});

/** exp(mean NLL) with tokenLogProbs, windows as documented (width 32, stride 16). */
async function directPerplexity(model: GPT2, text: string): Promise<number> {
  let seq = encodeText(text);
  if (seq.length === 1) seq = [198, ...seq];
  const logps: number[] = [];
  let prevEnd = 1;
  for (let begin = 0; ; begin += 16) {
    const end = Math.min(begin + 32, seq.length);
    const from = Math.max(prevEnd, begin + 1);
    if (from < end) logps.push(...(await tokenLogProbs(model, seq.slice(begin, end), from - begin, end - begin)));
    prevEnd = end;
    if (end === seq.length) break;
  }
  return Math.exp(-logps.reduce((a, b) => a + b, 0) / logps.length);
}

test('perplexity: one dimension per model, named by its directory, equal to exp(mean NLL) from the forward code', async () => {
  const enc = createPerplexityEncoder([expA, dirB]);
  const logEnc = createPerplexityEncoder(`${expA},${dirB}`, { log: true, maxBatchTokens: 40 });
  try {
    assert.equal(enc.dim, 2);
    assert.deepEqual(enc.names, [expA, dirB]);
    assert.equal(enc.spec, `perplexity:${expA},${dirB}`);
    assert.notEqual(enc.id, logEnc.id);
    const progress: number[] = [];
    const vecs = await enc.encode(TEXTS, { onProgress: (done) => progress.push(done) });
    assert.equal(progress[progress.length - 1], TEXTS.length);
    assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]));
    const logs = await logEnc.encode(TEXTS);
    for (const [m, model] of [modelA, modelB].entries()) {
      for (const i of [0, 1, 2, 3]) {
        const expected = await directPerplexity(model, TEXTS[i]);
        assert.ok(Math.abs(vecs[i][m] - expected) / expected < 1e-4, `model ${m} text ${i}: ${vecs[i][m]} vs ${expected}`);
        assert.ok(Math.abs(logs[i][m] - Math.log(expected)) < 1e-4);
      }
      // An untrained model is close to uniform over the 50,264 tokens; the empty text gets exactly that.
      assert.equal(vecs[4][m], Math.fround(ILM_VOCAB_SIZE));
    }
  } finally {
    enc.dispose?.();
    logEnc.dispose?.();
  }
  assert.throws(() => createPerplexityEncoder(''), (e: unknown) => e instanceof UserError && e.message.includes('perplexity:EXP_DIR'));
  assert.throws(() => createPerplexityEncoder([expA, path.join(root, 'missing')]), (e: unknown) => e instanceof UserError && e.message.includes('missing'));
});
