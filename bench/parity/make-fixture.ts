/**
 * Regenerate test/fixtures/model/tiny/: a tiny seeded GPT-2 (weights perturbed away from the initial scale, see
 * perturb.ts) saved by our checkpoint writer, and the logits that the independent PyTorch implementation
 * (make_reference.py, float64) computes for fixed token ids. test/model-forward.test.ts compares our forward
 * pass with these logits.
 *
 *   node --import tsx bench/parity/make-fixture.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/runtime/rng';
import { writeJsonAtomic } from '../../src/runtime/atomic';
import { GPT2 } from '../../src/model/gpt2';
import { GPT2Config } from '../../src/model/config';
import { saveModel } from '../../src/model/checkpoint';
import { perturbWeights } from './perturb';
import { referenceLogits } from './reference';

export const FIXTURE_CONFIG: GPT2Config = {
  vocab_size: 64, n_positions: 16, n_embd: 16, n_layer: 2, n_head: 2,
  layer_norm_epsilon: 1e-5, resid_pdrop: 0.1, embd_pdrop: 0.1, attn_pdrop: 0.1, initializer_range: 0.02,
};
const SEED = 7;

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const dir = path.join(__dirname, '..', '..', 'test', 'fixtures', 'model', 'tiny');
  const model = GPT2.create(FIXTURE_CONFIG, SEED);
  // Weights of std 0.5 make logits of order 1-10 and peaked attention in this 16-wide model.
  perturbWeights(model, SEED, 25);
  saveModel(dir, model);
  const rng = new Rng(SEED);
  const tokens = Array.from({ length: 2 }, () => Array.from({ length: 12 }, () => rng.int(FIXTURE_CONFIG.vocab_size)));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-fixture-'));
  try {
    const ref = referenceLogits(dir, tokens, work);
    writeJsonAtomic(path.join(dir, 'reference_logits.json'), {
      produced_by: 'bench/parity/make_reference.py (PyTorch, float64) from model.safetensors in this folder',
      tokens,
      shape: ref.shape,
      logits: Array.from(ref.data, (x) => Number(x.toPrecision(9))),
    });
    console.log(`wrote ${dir}: ${model.parameterCount()} parameters, logits [${ref.shape}]`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    model.dispose();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
