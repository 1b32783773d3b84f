/**
 * Decoding speed of infilling. Model work: the key/value cache (one position per row per step, the prompt fed
 * once and branched) against the reference's way, which runs the whole sequence through the model again for
 * every new token (here projecting only the last position onto the vocabulary, so the difference is the cache
 * alone); both decode the same fixed tokens. Then the sampler alone per token, and the library's
 * `generateAnswers` end to end. Untrained weights: speed does not depend on them, and an untrained model
 * almost never emits the end token, so every row decodes the full --tokens.
 *
 *   nice node --import tsx bench/infill-decode.ts [--preset tiny|small|gpt2] [--n 5] [--tokens 32] [--prompt 60]
 */
import * as tf from '@tensorflow/tfjs';
import { performance } from 'node:perf_hooks';
import { initBackend, describeBackend } from '../src/runtime/backend';
import { Rng } from '../src/runtime/rng';
import { GPT2 } from '../src/model/gpt2';
import { presetConfig } from '../src/model/config';
import { generateAnswers } from '../src/infill/infill';
import { resolveSampling, sampleToken } from '../src/infill/sample';
import { branchCache, decodeStep, prefill } from '../src/infill/forward';
import { allowedInAnswer, encodeText, SEP_ID, blankTokenId } from '../src/infill/vocab';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** The cache path: feed the prompt once, branch it into n rows, then one position per row per step. */
async function cachedDecode(model: GPT2, prompt: number[], n: number, next: number[][]): Promise<void> {
  const single = model.newCache(1);
  await prefill(model, single, [prompt]);
  const cache = branchCache(model, single, n);
  single.dispose();
  for (const tokens of next) await decodeStep(model, cache, tokens);
  cache.dispose();
}

/** The reference's path: the whole [n, T] sequence through the model for every new token. */
async function recomputeDecode(model: GPT2, prompt: number[], n: number, next: number[][]): Promise<void> {
  const C = model.config.n_embd;
  const rows = Array.from({ length: n }, () => [...prompt]);
  for (const tokens of next) {
    const T = rows[0].length;
    const out = tf.tidy(() => {
      const h = model.hidden(tf.tensor2d(Int32Array.from(rows.flat()), [n, T], 'int32'));
      return model.project(tf.reshape(tf.slice(h, [0, T - 1, 0], [n, 1, C]), [n, C]) as tf.Tensor2D);
    });
    await out.data();
    out.dispose();
    tokens.forEach((id, b) => rows[b].push(id));
  }
}

async function time(f: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await f();
  return performance.now() - start;
}

async function main(): Promise<void> {
  const backend = await initBackend();
  const preset = arg('preset', 'tiny');
  const n = Number(arg('n', '5'));
  const tokens = Number(arg('tokens', '32'));
  const promptLength = Number(arg('prompt', '60'));
  const model = GPT2.create(presetConfig(preset), 0);
  const V = model.config.vocab_size;
  const words = encodeText(' My family is very small and I have a big brother who lives in Lyon with his wife and two children.'.repeat(8));
  const prompt = [...words.slice(0, promptLength - 3), blankTokenId('word'), ...words.slice(0, 1), SEP_ID];
  // The "sampled" tokens are fixed in advance, so both paths do the same model work and nothing else.
  const rng = new Rng(1);
  const next = Array.from({ length: tokens }, () => Array.from({ length: n }, () => rng.int(50000)));
  await cachedDecode(model, prompt, n, next.slice(0, 2)); // warm-up
  await recomputeDecode(model, prompt, n, next.slice(0, 2));
  const cachedMs = await time(() => cachedDecode(model, prompt, n, next));
  const recomputeMs = await time(() => recomputeDecode(model, prompt, n, next));

  // The sampler alone, per token: an untrained model's nearly flat row (the slow case: nothing can be set
  // aside before sorting) and a peaked row like a trained model's.
  const flat = new Float32Array(V);
  const peaked = new Float32Array(V);
  for (let i = 0; i < V; i++) {
    flat[i] = rng.normal() * 0.1;
    peaked[i] = rng.normal() * 3;
  }
  const s = resolveSampling({});
  const reps = 50;
  const flatMs = (await time(async () => { for (let i = 0; i < reps; i++) sampleToken(flat, 0, V, s, rng, allowedInAnswer); })) / reps;
  const peakedMs = (await time(async () => { for (let i = 0; i < reps; i++) sampleToken(peaked, 0, V, s, rng, allowedInAnswer); })) / reps;

  // End to end: the library's sampler with the cache.
  const e2eMs = await time(async () => { await generateAnswers(model, prompt, 1, new Rng(2), { n, maxNewTokens: tokens }); });

  const report = {
    date: new Date().toISOString(),
    backend: describeBackend(backend),
    preset,
    parameters: model.parameterCount(),
    batch: n,
    promptTokens: prompt.length,
    newTokensPerRow: tokens,
    modelOnly: {
      cachedMs: Math.round(cachedMs),
      cachedTokensPerSecond: +((n * tokens) / (cachedMs / 1000)).toFixed(1),
      recomputeMs: Math.round(recomputeMs),
      recomputeTokensPerSecond: +((n * tokens) / (recomputeMs / 1000)).toFixed(1),
      speedup: +(recomputeMs / cachedMs).toFixed(2),
    },
    samplerMsPerToken: { flatRow: +flatMs.toFixed(2), peakedRow: +peakedMs.toFixed(2) },
    generateAnswers: { ms: Math.round(e2eMs), tokensPerSecond: +((n * tokens) / (e2eMs / 1000)).toFixed(1) },
  };
  console.log(JSON.stringify(report, null, 2));
  model.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
