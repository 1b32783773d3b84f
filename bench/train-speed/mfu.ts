/**
 * Model FLOPs utilisation of training: achieved model FLOPs per second over the sgemm throughput measured in
 * the same run. Model FLOPs per token = 6 x parameters (forward and backward of every weight, the tied output
 * layer counted once, as Hugging Face counts parameters) + 12 x layers x width x sequence length (attention
 * scores and their use, forward and backward: PaLM's appendix B formula). Steps are real training steps
 * (src/train/step.ts: loss and output layer at the trained rows only; AdamW update) on sequences shaped like the
 * embedded data's (about 60 % of the positions carry a loss). sgemm: [1024 x 1024] x [1024 x 1024] products
 * through the active backend's matMul (OpenBLAS when the native kernels are on).
 *
 * Because the output layer runs at the trained rows only, that count includes work the step no longer does, and
 * can exceed 1. `executedMfu` counts the work the step needs: 6 x the non-embedding parameters per token, the
 * tied output layer (6 x vocabulary x width) per trained row only, and the same attention term.
 *
 *   nice node --import tsx bench/train-speed/mfu.ts [--preset tiny] [--batch 8] [--seq 128] [--steps 5]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, describeBackend } from '../../src/runtime/backend';
import { GPT2 } from '../../src/model/gpt2';
import { presetConfig } from '../../src/model/config';
import { AdamW, clipByGlobalNorm } from '../../src/train/optimizer';
import { MemorySource } from '../../src/train/data';
import { stepGradients } from '../../src/train/step';
import { Rng } from '../../src/runtime/rng';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};

async function sgemmFlops(n = 1024, reps = 6): Promise<number> {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  tf.matMul(a, b).dispose(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  }
  const s = (performance.now() - t0) / 1000;
  tf.dispose([a, b]);
  return (2 * n * n * n * reps) / s;
}

async function main(): Promise<void> {
  const report = await initBackend();
  const config = { ...presetConfig(arg('preset', 'tiny')), embd_pdrop: 0.1, attn_pdrop: 0.1, resid_pdrop: 0.1 };
  const B = Number(arg('batch', '8'));
  const T = Number(arg('seq', '128'));
  const steps = Number(arg('steps', '5'));
  const rng = new Rng(0);
  // 60 % trained: context, separator, an answer and its end, then padding
  const ctx = Math.round(0.45 * T);
  const ans = Math.round(0.15 * T);
  const rows = Array.from({ length: B }, () => ({
    tokens: Int32Array.from({ length: T }, (_, i) => (i < ctx + ans + 2 ? Math.floor(rng.float() * 50257) : 0)),
    types: Uint8Array.from({ length: T }, (_, i) => (i < ctx ? 1 : i === ctx ? 3 : i <= ctx + ans ? 4 : i === ctx + ans + 1 ? 5 : 0)),
  }));
  const source = new MemorySource(T, rows);
  const model = GPT2.create(config, 0);
  const opt = new AdamW(model.weights, {});
  const params = model.parameterCount();
  const trainedShare = rows.reduce((a, r) => a + r.types.slice(1).filter((t) => t === 1 || t === 4 || t === 5).length, 0) / (B * T);
  const stepSeconds: number[] = [];
  const sgemmBefore = await sgemmFlops();
  for (let s = 0; s <= steps; s++) {
    const t0 = performance.now();
    const { grads } = await stepGradients(model, [source.batch(Array.from({ length: B }, (_, i) => i))], { step: s + 1, dropoutSeed: (k) => s * 7 + k, minimalSupervision: false });
    await clipByGlobalNorm(grads, 1);
    opt.apply(grads, 1e-4);
    tf.dispose([...grads.values()]);
    if (s > 0) stepSeconds.push((performance.now() - t0) / 1000); // step 0 is the warm-up
  }
  const sgemmAfter = await sgemmFlops();
  const sgemm = (sgemmBefore + sgemmAfter) / 2;
  const median = [...stepSeconds].sort((a, b) => a - b)[Math.floor(stepSeconds.length / 2)];
  const tokensPerSecond = (B * T) / median;
  const flopsPerToken = 6 * params + 12 * config.n_layer * config.n_embd * T;
  const mfu = (tokensPerSecond * flopsPerToken) / sgemm;
  const outputParams = config.vocab_size * config.n_embd;
  const embeddingParams = outputParams + config.n_positions * config.n_embd;
  const executedPerToken = 6 * (params - embeddingParams) + 6 * outputParams * trainedShare + 12 * config.n_layer * config.n_embd * T;
  const executedMfu = (tokensPerSecond * executedPerToken) / sgemm;
  console.log(JSON.stringify({
    backend: describeBackend(report), preset: arg('preset', 'tiny'), parameters: params, batch: B, seq: T, trainedShare: +trainedShare.toFixed(3),
    stepSeconds: stepSeconds.map((x) => +x.toFixed(3)), tokensPerSecond: Math.round(tokensPerSecond),
    sgemmGflops: +(sgemm / 1e9).toFixed(2), sgemmGflopsBeforeAfter: [+(sgemmBefore / 1e9).toFixed(2), +(sgemmAfter / 1e9).toFixed(2)],
    modelGflopsPerSecond: +((tokensPerSecond * flopsPerToken) / 1e9).toFixed(2), mfu: +mfu.toFixed(3),
    executedGflopsPerSecond: +((tokensPerSecond * executedPerToken) / 1e9).toFixed(2), executedMfu: +executedMfu.toFixed(3),
  }));
}
main();
