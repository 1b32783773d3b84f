/**
 * Training with the native kernels computes the same numbers as without them: the fused cross-entropy equals
 * the TensorFlow.js formulation in src/objective/loss.ts (value and gradient), and every weight gradient of a small
 * GPT-2 (forward with dropout, ILM loss, backward) equals the pure TensorFlow.js cpu result. Also: the
 * CEFRLAB_NATIVE=0 switch.
 */
import { test, describe, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../src/runtime/rng';
import { disableNativeKernels, enableNativeKernels, tokenNllNative, weightedCrossEntropyNative } from '../src/runtime/kernels';
import { addonStatus } from '../src/runtime/kernels/native';
import { weightedCrossEntropy, ilmTrainingLoss, shiftTargets, lossWeights } from '../src/objective/loss';
import { GPT2 } from '../src/model/gpt2';
import { PRESETS } from '../src/model/config';

const addon = addonStatus();
// CI builds the addon and sets CEFRLAB_REQUIRE_NATIVE=1: there a missing addon fails instead of skipping.
if (!addon.loaded && process.env.CEFRLAB_REQUIRE_NATIVE === '1') throw new Error(`CEFRLAB_REQUIRE_NATIVE=1 but the OpenBLAS addon is not available: ${addon.reason}`);
const skip = addon.loaded ? false : `OpenBLAS addon not available: ${addon.reason}`;

function maxRelDiff(ref: Float32Array, got: Float32Array): number {
  assert.equal(got.length, ref.length);
  let scale = 1e-6;
  for (const x of ref) scale = Math.max(scale, Math.abs(x));
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i] - got[i]));
  return worst / scale;
}

after(() => disableNativeKernels());

describe('fused weighted cross-entropy', { skip }, () => {
  const N = 12;
  const V = 301;
  const rng = new Rng(5);
  const logits = new Float32Array(N * V).map(() => rng.normal() * 4);
  const targets = new Int32Array(N).map(() => rng.int(V));
  // Some rows untrained (weight 0, with a target the loss must ignore), the rest two groups of weights.
  const weights = new Float32Array(N).map((_, i) => (i % 4 === 0 ? 0 : i % 3 === 0 ? 0.5 : 0.125));
  targets[0] = 0;

  async function lossAndGrad(backend: string, native: boolean): Promise<{ loss: number; grad: Float32Array; grad3: Float32Array }> {
    assert.ok(await tf.setBackend(backend));
    if (native) assert.equal(enableNativeKernels().active, true);
    else disableNativeKernels();
    const x = tf.tensor2d(logits, [N, V]);
    const f = (t: tf.Tensor) => (native ? weightedCrossEntropyNative : weightedCrossEntropy)(t as tf.Tensor2D, targets, weights);
    const loss = f(x);
    const g = tf.grad(f)(x);
    // An upstream gradient other than 1 (the loss scaled by 3) must scale the result.
    const g3 = tf.grad((t: tf.Tensor) => tf.mul(f(t), 3))(x);
    const out = { loss: (loss.dataSync() as Float32Array)[0], grad: g.dataSync() as Float32Array, grad3: g3.dataSync() as Float32Array };
    tf.dispose([x, loss, g, g3]);
    return out;
  }

  for (const backend of ['cpu', 'wasm']) {
    test(`equals the TensorFlow.js loss and gradient on ${backend}`, async () => {
      const ref = await lossAndGrad('cpu', false);
      const nat = await lossAndGrad(backend, true);
      assert.ok(ref.loss > 0 && Number.isFinite(ref.loss));
      assert.ok(Math.abs(nat.loss - ref.loss) <= 1e-5 * Math.abs(ref.loss), `loss ${nat.loss} vs ${ref.loss}`);
      assert.ok(maxRelDiff(ref.grad, nat.grad) < 1e-5, `gradient differs by ${maxRelDiff(ref.grad, nat.grad)}`);
      assert.ok(maxRelDiff(ref.grad3, nat.grad3) < 1e-5, `gradient of 3 x loss differs by ${maxRelDiff(ref.grad3, nat.grad3)}`);
      assert.ok(maxRelDiff(ref.grad3, ref.grad.map((g) => 3 * g)) < 1e-5);
      // Untrained rows get exactly zero gradient.
      for (let j = 0; j < V; j++) assert.equal(nat.grad[j], 0);
    });
  }

  test('without a gradient tape: the same loss, and per-row NLL equal to log-sum-exp minus the target logit', async () => {
    const ref = await lossAndGrad('cpu', false);
    for (const backend of ['cpu', 'wasm']) {
      assert.ok(await tf.setBackend(backend));
      enableNativeKernels();
      const x = tf.tensor2d(logits, [N, V]);
      const loss = weightedCrossEntropyNative(x, targets, weights);
      assert.ok(Math.abs(loss.dataSync()[0] - ref.loss) <= 1e-5 * ref.loss);
      const nllTensor = tokenNllNative(x, targets);
      const nll = nllTensor.dataSync();
      for (let i = 0; i < N; i++) {
        const row = logits.subarray(i * V, (i + 1) * V);
        let m = -Infinity;
        for (const z of row) m = Math.max(m, z);
        let sum = 0;
        for (const z of row) sum += Math.exp(z - m);
        const expected = m + Math.log(sum) - row[targets[i]];
        assert.ok(Math.abs(nll[i] - expected) <= 1e-4 * Math.max(1, expected), `${backend} row ${i}: ${nll[i]} vs ${expected}`);
      }
      tf.dispose([x, loss, nllTensor]);
    }
  });

  test('a target outside the vocabulary is an error', async () => {
    assert.ok(await tf.setBackend('cpu'));
    enableNativeKernels();
    const x = tf.zeros([2, 5]) as tf.Tensor2D;
    assert.throws(() => weightedCrossEntropyNative(x, new Int32Array([1, 5]), new Float32Array([1, 1])), /outside the vocabulary/);
    x.dispose();
  });
});

describe('gradients of a small GPT-2 with and without native kernels', { skip }, () => {
  const config = { ...PRESETS.tiny, n_layer: 2, n_embd: 32, n_head: 4, n_positions: 16, vocab_size: 97 };
  const B = 2;
  const T = 16;
  const rng = new Rng(9);
  const tokens = new Int32Array(B * T).map(() => rng.int(config.vocab_size));
  const types = new Uint8Array(B * T).map((_, i) => (i % T === 0 ? 0 : i % 3 === 0 ? 4 : 1));

  async function grads(backend: string, native: boolean): Promise<Map<string, Float32Array>> {
    assert.ok(await tf.setBackend(backend));
    if (native) assert.equal(enableNativeKernels().active, true);
    else disableNativeKernels();
    const model = GPT2.create(config, 3);
    const tok = tf.tensor2d(tokens, [B, T], 'int32');
    const { value, grads: g } = tf.variableGrads(() => {
      const logits = model.logits(tok, { training: true, dropoutSeed: 17 });
      if (!native) return ilmTrainingLoss(logits, tokens, types).loss;
      // The same loss through the fused kernel: weights and targets as loss.ts defines them.
      const { weights, targets } = lossInputs();
      return weightedCrossEntropyNative(tf.reshape(logits, [B * T, config.vocab_size]) as tf.Tensor2D, targets, weights);
    });
    const out = new Map<string, Float32Array>();
    out.set('loss', value.dataSync() as Float32Array);
    for (const [name, v] of model.weights) out.set(name, g[v.name].dataSync() as Float32Array);
    tf.dispose([value, tok, ...Object.values(g)]);
    model.dispose();
    return out;
  }

  /** Targets and weights exactly as loss.ts derives them for ilmTrainingLoss. */
  function lossInputs(): { weights: Float32Array; targets: Int32Array } {
    const shifted = shiftTargets(tokens, types, B, T);
    return { weights: lossWeights(shifted.types, false).weights, targets: shifted.targets };
  }

  test('every weight gradient matches (wasm and cpu with native kernels vs cpu TensorFlow.js)', async () => {
    const ref = await grads('cpu', false);
    for (const backend of ['cpu', 'wasm']) {
      const nat = await grads(backend, true);
      assert.equal(nat.size, ref.size);
      for (const [name, r] of ref) {
        const d = maxRelDiff(r, nat.get(name)!);
        assert.ok(d < 2e-4, `${backend}: ${name} differs by ${d} (relative to its largest entry)`);
      }
    }
  });
});

test('CEFRLAB_NATIVE=0 turns the kernels off and says so', () => {
  const script = `const k = require(${JSON.stringify(path.join(__dirname, '..', 'src', 'runtime', 'kernels'))});
    const s = k.enableNativeKernels('cpu'); console.log(JSON.stringify(s));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, CEFRLAB_NATIVE: '0' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const status = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(status.loaded, false);
  assert.equal(status.active, false);
  assert.match(status.reason, /CEFRLAB_NATIVE=0/);
});
