/**
 * Peak tensor memory of one AdamW update of GPT-2 124M (the `gpt2` preset's parameter shapes), measured with
 * tf.profile (bytes of live tensors). Compares the update as it was (every temporary of every parameter inside
 * one tf.tidy, written out below for the comparison) with src/train/optimizer.ts (one scope per parameter and
 * per intermediate). Weights and gradients are constant-filled
 * (the memory and the arithmetic do not depend on the values).
 *
 *   nice node --import tsx bench/train-memory/adamw-peak.ts --backend cpu --variant new|old [--preset gpt2]
 */
import * as tf from '@tensorflow/tfjs';
import { parameterSpecs, presetConfig } from '../../src/model/config';
import { AdamW } from '../../src/train/optimizer';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};

/** The single-scope update the optimizer had before (for the comparison only). */
function singleScopeApply(params: Map<string, tf.Variable>, m: Map<string, tf.Variable>, v: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number, step: number): void {
  const beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  const stepSize = lr / (1 - beta1 ** step);
  const sqrtBc2 = Math.sqrt(1 - beta2 ** step);
  tf.tidy(() => {
    for (const [name, p] of params) {
      const g = grads.get(name)!;
      const m1 = tf.add(tf.mul(m.get(name)!, beta1), tf.mul(g, 1 - beta1));
      const v1 = tf.add(tf.mul(v.get(name)!, beta2), tf.mul(tf.square(g), 1 - beta2));
      m.get(name)!.assign(m1);
      v.get(name)!.assign(v1);
      const denom = tf.add(tf.div(tf.sqrt(v1), sqrtBc2), eps);
      p.assign(tf.sub(p, tf.mul(tf.div(m1, denom), stepSize)));
    }
  });
}

async function main(): Promise<void> {
  const backend = arg('backend', 'cpu');
  if (backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend(backend);
  const variant = arg('variant', 'new');
  const config = presetConfig(arg('preset', 'gpt2'));
  const params = new Map<string, tf.Variable>();
  const grads = new Map<string, tf.Tensor>();
  for (const s of parameterSpecs(config)) {
    params.set(s.name, tf.variable(tf.fill(s.shape, 0.02, 'float32'), true, `p.${s.name}`));
    grads.set(s.name, tf.fill(s.shape, 1e-3, 'float32'));
  }
  const opt = new AdamW(params, { weightDecay: 0 });
  const mb = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const before = tf.memory().numBytes;
  const t0 = Date.now();
  const info = await tf.profile(() => {
    if (variant === 'old') {
      const mm = (opt as unknown as { m: Map<string, tf.Variable> }).m;
      const vv = (opt as unknown as { v: Map<string, tf.Variable> }).v;
      singleScopeApply(params, mm, vv, grads, 1e-4, 1);
    } else {
      opt.apply(grads, 1e-4);
    }
  });
  const parameters = [...params.values()].reduce((a, p) => a + p.size, 0);
  console.log(JSON.stringify({
    variant, backend, parameters, weightsBytes: 4 * parameters, liveBefore: mb(before), peakDuringApply: mb(info.peakBytes), extraOverLive: mb(info.peakBytes - before), newBytes: info.newBytes, seconds: (Date.now() - t0) / 1000, rssGiB: +(process.memoryUsage().rss / 2 ** 30).toFixed(2),
  }));
}
main();
