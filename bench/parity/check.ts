/**
 * Numerical parity of our GPT-2 with an independent PyTorch implementation of the same weights.
 *
 *   node --import tsx bench/parity/check.ts [--preset small] [--seed 0] [--init HF_DIR] [--batch 2]
 *        [--seq-len 64] [--backend wasm|cpu] [--native] [--tolerance 1e-4] [--no-perturb]
 *
 * Builds the model (a seeded preset, its weights perturbed away from the initial scale unless --no-perturb, or a
 * Hugging Face directory given by --init), saves it with our checkpoint writer, has
 * bench/parity/make_reference.py compute logits in float64 from that file, and prints the largest absolute
 * difference from our logits. Exits 1 when it exceeds the tolerance.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../../src/runtime/rng';
import { GPT2 } from '../../src/model/gpt2';
import { presetConfig } from '../../src/model/config';
import { loadModel, saveModel } from '../../src/model/checkpoint';
import { enableNativeKernels } from '../../src/runtime/kernels';
import { perturbWeights } from './perturb';
import { maxAbs, maxAbsDiff, referenceLogits } from './reference';

async function main(): Promise<void> {
  const program = new Command()
    .description('compare our GPT-2 logits with an independent PyTorch implementation of the same weights')
    .option('--preset <name>', 'model preset to initialise (ignored with --init)', 'small')
    .option('--seed <n>', 'seed for the weights and the token ids', '0')
    .option('--init <dir>', 'a Hugging Face GPT-2 directory (config.json + model.safetensors) to compare instead')
    .option('--batch <n>', 'sequences in the batch', '2')
    .option('--seq-len <n>', 'tokens per sequence', '64')
    .option('--backend <name>', 'TensorFlow.js backend: wasm or cpu', 'wasm')
    .option('--native', 'use the OpenBLAS matrix kernels (src/runtime/kernels) when they are built')
    .option('--tolerance <x>', 'largest allowed absolute logit difference', '1e-4')
    .option('--no-perturb', 'keep the freshly initialised weights (small activations: a weaker test)')
    .parse(process.argv);
  const o = program.opts();
  const seed = Number(o.seed);
  const B = Number(o.batch);
  const T = Number(o.seqLen);
  if (o.backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(o.backend))) throw new Error(`backend ${o.backend} did not initialise`);
  await tf.ready();
  if (o.native) {
    const status = enableNativeKernels();
    if (!status.active) throw new Error(`native kernels unavailable: ${status.reason}`);
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-parity-'));
  try {
    let model: GPT2;
    let modelDir: string;
    let what: string;
    if (o.init) {
      model = loadModel(o.init);
      modelDir = o.init;
      what = `weights from ${o.init}`;
    } else {
      model = GPT2.create(presetConfig(o.preset), seed);
      if (o.perturb) perturbWeights(model, seed);
      modelDir = path.join(work, 'model');
      saveModel(modelDir, model);
      what = `preset ${o.preset}, seed ${seed}${o.perturb ? ', perturbed weights' : ''}`;
    }
    const rng = new Rng(seed + 1);
    const tokens = Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(model.config.vocab_size)));
    // (Read the data outside tf.tidy: tidy walks a returned typed array element by element looking for tensors.)
    const forward = () => {
      const logits = tf.tidy(() => model.logits(tf.tensor2d(tokens, [B, T], 'int32')));
      const data = logits.dataSync() as Float32Array;
      logits.dispose();
      return data;
    };
    const tCold = Date.now();
    forward(); // the first pass compiles and allocates; time the second
    const coldMs = Date.now() - tCold;
    const t0 = Date.now();
    const ours = forward();
    const ourMs = Date.now() - t0;
    const t1 = Date.now();
    const ref = referenceLogits(modelDir, tokens, work);
    const refMs = Date.now() - t1;
    const diff = maxAbsDiff(ours, ref.data);
    const tol = Number(o.tolerance);
    console.log(`model: ${what}; ${model.parameterCount().toLocaleString('en-US')} parameters; backend ${tf.getBackend()}${o.native ? ' + OpenBLAS kernels' : ''}`);
    console.log(`tokens: ${B} x ${T}; logits [${ref.shape}]; largest |logit| ${maxAbs(ref.data).toFixed(3)}`);
    console.log(`ours ${ourMs} ms (first pass ${coldMs} ms), PyTorch float64 reference ${refMs} ms (including start-up)`);
    console.log(`max abs diff ${diff.toExponential(3)} (tolerance ${tol}; relative to the largest |logit|: ${(diff / maxAbs(ref.data)).toExponential(2)}): ${diff <= tol ? 'OK' : 'FAIL'}`);
    model.dispose();
    if (!(diff <= tol)) process.exitCode = 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
