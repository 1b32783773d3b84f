/**
 * Where a training step's time goes, per TensorFlow.js kernel (forward and backward), for a preset on a backend.
 *
 *   nice node --import tsx bench/parity/profile-step.ts [preset=tiny] [backend=wasm] [batch=8] [seqLen=128]  [native|plain] [full|hidden]
 *
 * `native` swaps in the OpenBLAS matrix kernels (src/runtime/kernels) when they are built.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { GPT2 } from '../../src/model/gpt2';
import { presetConfig } from '../../src/model/config';
import { Rng } from '../../src/runtime/rng';
import { enableNativeKernels } from '../../src/runtime/kernels';

async function main(): Promise<void> {
  const [preset = 'tiny', backend = 'wasm', batch = '8', seqLen = '128', kernels = 'native', part = 'full'] = process.argv.slice(2);
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
  if (kernels === 'native') console.log('native kernels:', JSON.stringify(enableNativeKernels()));
  const B = Number(batch);
  const T = Number(seqLen);
  const config = presetConfig(preset);
  const model = GPT2.create(config, 0);
  const rng = new Rng(1);
  const tokens = tf.tensor2d(Array.from({ length: B * (T + 1) }, () => rng.int(50257)), [B, T + 1], 'int32');
  const input = tf.slice(tokens, [0, 0], [B, T]) as tf.Tensor2D;
  const targets = tf.reshape(tf.slice(tokens, [0, 1], [B, T]), [B * T]);
  const step = (seed: number) => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      // `hidden`: the blocks alone, without the output layer and the loss.
      if (part === 'hidden') return tf.mean(tf.square(model.hidden(input, { training: true, dropoutSeed: seed }))) as tf.Scalar;
      const logits = tf.reshape(model.logits(input, { training: true, dropoutSeed: seed }), [B * T, config.vocab_size]) as tf.Tensor2D;
      // A naive loss (the training code's is leaner): at 8 x 256 with the 50k vocabulary its several [B*T, V]
      // tensors exceed the wasm heap, so profile the full step at 8 x 128.
      return lossFromLogits(logits, targets, config.vocab_size);
    });
    value.dataSync();
    Object.values(grads).forEach((g) => g.dataSync());
  });
  step(0); // warm-up
  const t0 = Date.now();
  const profile = await tf.profile(() => step(1));
  const wall = Date.now() - t0;
  const byKernel = new Map<string, number>();
  for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
  console.log(`${preset} on ${backend}, batch ${B} x ${T}: step ${wall} ms wall (profiled), kernels ${total.toFixed(0)} ms, ${(B * T / (wall / 1000)).toFixed(0)} tokens/s`);
  for (const [name, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${name.padEnd(22)} ${ms.toFixed(0).padStart(7)} ms  ${(100 * ms / total).toFixed(1)}%`);
  const t1 = Date.now();
  step(2);
  console.log(`unprofiled step: ${Date.now() - t1} ms`);
  model.dispose();
}

/** Mean cross-entropy with a one-hot target (the loss the training code computes; only for profiling). */
function lossFromLogits(logits: tf.Tensor2D, targets: tf.Tensor, V: number): tf.Scalar {
  const logp = tf.logSoftmax(logits);
  return tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.oneHot(targets as tf.Tensor1D, V)), -1))) as tf.Scalar;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
