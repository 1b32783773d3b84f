/**
 * Our side of the training-speed benchmark: tokens per second of full training steps (forward, ILM loss,
 * gradients of every weight, AdamW update) of the project's GPT-2 on random tokens.
 *
 *   node --import tsx bench/train-speed/tfjs-train.ts [--backend wasm|cpu] [--native 1|0] [--layers 4]
 *     [--embd 256] [--heads 4] [--seq 128] [--batch 8] [--vocab 50264] [--steps 5] [--warmup 1] [--profile]
 *     [--fused-ce 1|0]
 *
 * --fused-ce 1 (the default with --native 1) computes the loss with the native fused cross-entropy
 * (src/runtime/kernels/crossentropy.ts) instead of src/objective/loss.ts's TensorFlow.js formulation; both give
 * the same loss and gradients (test/kernels-grad.test.ts).
 *
 * Prints one JSON line: {impl, backend, native, config, stepSeconds[], tokensPerSecond, ...}. With
 * --profile, also a table of the kernels that took the most time in one step (tf.profile).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { GPT2 } from '../../src/model/gpt2';
import { PRESETS } from '../../src/model/config';
import { ilmTrainingLoss, lossWeights, shiftTargets } from '../../src/objective/loss';
import { AdamW } from '../../src/train/optimizer';
import { Rng } from '../../src/runtime/rng';
import { enableNativeKernels, disableNativeKernels, nativeKernelsStatus, weightedCrossEntropyNative } from '../../src/runtime/kernels';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length && !process.argv[i + 1].startsWith('--') ? process.argv[i + 1] : process.argv.includes(`--${name}`) ? '1' : def;
}

async function main(): Promise<void> {
  const backend = arg('backend', 'wasm');
  const native = arg('native', '1') !== '0';
  const B = Number(arg('batch', '8'));
  const T = Number(arg('seq', '128'));
  const steps = Number(arg('steps', '5'));
  const warmup = Number(arg('warmup', '1'));
  const profile = process.argv.includes('--profile');
  const fusedCe = native && arg('fused-ce', '1') !== '0';
  const config = {
    ...PRESETS.small,
    n_layer: Number(arg('layers', '4')),
    n_embd: Number(arg('embd', '256')),
    n_head: Number(arg('heads', '4')),
    vocab_size: Number(arg('vocab', '50264')),
    n_positions: Math.max(256, T),
  };
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} does not initialise`);
  await tf.ready();
  const status = native ? enableNativeKernels() : (disableNativeKernels(), nativeKernelsStatus());
  if (native && !status.active) throw new Error(`native kernels requested but not active: ${status.reason}`);

  const model = GPT2.create(config, 0);
  const opt = new AdamW(model.weights, { weightDecay: 0.01 });
  const rng = new Rng(1);
  const tokens = new Int32Array(B * T);
  for (let i = 0; i < tokens.length; i++) tokens[i] = rng.int(config.vocab_size);
  // A realistic mix of target types: mostly context, some answer tokens.
  const types = new Uint8Array(B * T).map((_, i) => (i % T === 0 ? 0 : i % 5 === 0 ? 4 : 1));
  const tokenTensor = tf.tensor2d(tokens, [B, T], 'int32');
  const shifted = shiftTargets(tokens, types, B, T);
  const { weights } = lossWeights(shifted.types, false);

  let lossValue = NaN;
  const step = async (s: number) => {
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.logits(tokenTensor, { training: true, dropoutSeed: s });
      if (!fusedCe) return ilmTrainingLoss(logits, tokens, types).loss;
      return weightedCrossEntropyNative(tf.reshape(logits, [B * T, config.vocab_size]) as tf.Tensor2D, shifted.targets, weights);
    });
    const named = new Map<string, tf.Tensor>();
    for (const [name, v] of model.weights) named.set(name, grads[v.name]);
    opt.apply(named, 1e-4);
    lossValue = (await value.data())[0];
    tf.dispose([value, ...Object.values(grads)]);
  };

  for (let s = 0; s < warmup; s++) await step(s);
  const times: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    await step(warmup + s);
    times.push((performance.now() - t0) / 1000);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const result = {
    impl: 'tfjs',
    backend,
    native,
    fusedCrossEntropy: fusedCe,
    nativeStatus: status,
    config: { layers: config.n_layer, embd: config.n_embd, heads: config.n_head, seq: T, batch: B, vocab: config.vocab_size },
    parameters: model.parameterCount(),
    stepSeconds: times.map((t) => Number(t.toFixed(3))),
    medianStepSeconds: Number(median.toFixed(3)),
    tokensPerSecond: Math.round((B * T) / median),
    finalLoss: lossValue,
  };

  if (profile) {
    const info = await tf.profile(() => step(warmup + steps));
    const byName = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      const ms = Number(await k.kernelTimeMs);
      const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += ms;
      e.calls++;
      byName.set(k.name, e);
    }
    const total = [...byName.values()].reduce((a, e) => a + e.ms, 0);
    const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
    process.stderr.write(`kernel time in one step (${backend}, native ${native}): ${total.toFixed(0)} ms\n`);
    for (const [name, e] of rows) process.stderr.write(`  ${name.padEnd(28)} ${e.ms.toFixed(1).padStart(9)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  ${e.calls} calls\n`);
  }
  process.stdout.write(JSON.stringify(result) + '\n');
  model.dispose();
  opt.dispose();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
