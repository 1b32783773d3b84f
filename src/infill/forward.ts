/**
 * The few ways inference drives the model, written once: feed a prompt into a key/value cache, take one
 * decoding step, and score the tokens of a sequence with a plain forward pass. Each keeps the [B, T, V]
 * logits (50k columns) from ever being whole in memory: prompts are fed in chunks, and scoring projects only
 * the hidden states of the positions it needs onto the vocabulary.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPT2, KVCache } from '../model/gpt2';

/** Largest number of logits (B x t x V floats) one cached step may return at once (~64 MB). */
const MAX_STEP_LOGITS = 16 * 1024 * 1024;

/**
 * Feed `rows` (B sequences of equal length) into `cache` and return the logits of each row's last position
 * as one [B * V] array. The prompt goes in chunks so that B x chunk x V stays bounded.
 */
export async function prefill(model: GPT2, cache: KVCache, rows: number[][]): Promise<Float32Array> {
  const B = rows.length;
  const T = rows[0].length;
  if (rows.some((r) => r.length !== T)) throw new Error('prefill: rows must have equal lengths');
  const V = model.config.vocab_size;
  const chunk = Math.max(1, Math.floor(MAX_STEP_LOGITS / (B * V)));
  let last: Float32Array | null = null;
  for (let start = 0; start < T; start += chunk) {
    const end = Math.min(T, start + chunk);
    const ids = new Int32Array(B * (end - start));
    for (let b = 0; b < B; b++) ids.set(rows[b].slice(start, end), b * (end - start));
    const out = tf.tidy(() => {
      const logits = model.step(tf.tensor2d(ids, [B, end - start], 'int32'), cache);
      return tf.reshape(tf.slice(logits, [0, end - start - 1, 0], [B, 1, V]), [B * V]);
    });
    last = (await out.data()) as Float32Array;
    out.dispose();
  }
  return last!;
}

/** One decoding step: one new token per row; returns the next-token logits as [B * V]. */
export async function decodeStep(model: GPT2, cache: KVCache, tokens: number[]): Promise<Float32Array> {
  const B = tokens.length;
  const out = tf.tidy(() => tf.reshape(model.step(tf.tensor2d(Int32Array.from(tokens), [B, 1], 'int32'), cache), [B * model.config.vocab_size]));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

/**
 * Natural-log probability of each token `seq[i]`, i in [from, to), given `seq[0..i)`, from one plain forward
 * pass (no cache). Only the hidden states of positions from-1 .. to-2 are projected onto the vocabulary.
 */
export async function tokenLogProbs(model: GPT2, seq: number[], from: number, to = seq.length): Promise<number[]> {
  if (from < 1 || to > seq.length || from > to) throw new Error(`tokenLogProbs: bad range [${from}, ${to}) of ${seq.length}`);
  if (from === to) return [];
  const n = to - from;
  const C = model.config.n_embd;
  const out = tf.tidy(() => {
    const h = model.hidden(tf.tensor2d(Int32Array.from(seq.slice(0, to - 1)), [1, to - 1], 'int32'));
    const rows = tf.reshape(tf.slice(h, [0, from - 1, 0], [1, n, C]), [n, C]) as tf.Tensor2D;
    const logp = tf.logSoftmax(model.project(rows));
    const picks = tf.oneHot(tf.tensor1d(Int32Array.from(seq.slice(from, to)), 'int32'), model.config.vocab_size);
    return tf.sum(tf.mul(logp, picks), 1);
  });
  const data = Array.from(await out.data());
  out.dispose();
  return data;
}

/**
 * A cache for `copies` sequences that all continue the single sequence in `cache` (batch 1), made by tiling
 * its keys and values; `cache` itself is left as it was. Lets a shared prompt be fed once instead of once per
 * sample. Relies on the cache layout documented in src/model/gpt2.ts: per layer [B*H, length, head size],
 * batch-major, so tiling the batch-1 tensor `copies` times along the first axis gives rows b*H + h.
 */
export function branchCache(model: GPT2, cache: KVCache, copies: number): KVCache {
  if (cache.batchSize !== 1) throw new Error(`branchCache: needs a batch-1 cache, got batch ${cache.batchSize}`);
  const out = model.newCache(copies);
  for (let l = 0; l < cache.keys.length; l++) {
    out.keys[l] = tf.keep(tf.tile(cache.keys[l], [copies, 1, 1]));
    out.values[l] = tf.keep(tf.tile(cache.values[l], [copies, 1, 1]));
  }
  out.length = cache.length;
  return out;
}

/** Release a cache's tensors. */
export function disposeCache(cache: KVCache): void {
  cache.dispose();
}
