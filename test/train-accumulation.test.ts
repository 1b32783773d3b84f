/**
 * The step's loss and gradients (src/train/step.ts): computed at the trained rows only, they equal the loss of
 * the full logits; accumulated over micro-batches with unequal trained tokens, they equal one big batch; a
 * small model overfits one batch; `--batch-size auto` halves on out-of-memory, and a fatal wasm abort is a
 * clear error that keeps the last good checkpoint.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { GPT2 } from '../src/model/gpt2';
import { PRESETS } from '../src/model/config';
import { MemorySource } from '../src/train/data';
import { stepGradients } from '../src/train/step';
import { ilmTrainingLoss } from '../src/objective/loss';
import { train } from '../src/train/loop';
import { loadCheckpoint } from '../src/train/checkpoint';
import { readMetrics } from '../src/train/metrics';
import { UserError } from '../src/runtime/errors';
import { learningRate, defaultSchedule } from '../src/train/schedule';
import { isFatalMemoryError, isMemoryError } from '../src/train/memory';

before(async () => {
  await initBackend();
});

const T = 12;
const V = 64;
const config = { ...PRESETS.tiny, vocab_size: V, n_positions: 16, n_layer: 1, n_embd: 32, n_head: 2, embd_pdrop: 0, attn_pdrop: 0, resid_pdrop: 0 };
// Rows with very different numbers of trained tokens (padding at the end of some), so equal weighting of
// micro-batches would differ from one big batch.
const rows = Array.from({ length: 8 }, (_, r) => {
  const used = 4 + ((r * 5) % 9);
  return {
    tokens: Int32Array.from({ length: T }, (_, i) => (i < used ? (r * 7 + i * 3) % V : 0)),
    types: Uint8Array.from({ length: T }, (_, i) => (i >= used ? 0 : i < used / 2 ? 1 : i === Math.floor(used / 2) ? 3 : 4)),
  };
});
const source = new MemorySource(T, rows);
const opts = { step: 1, dropoutSeed: () => 1, minimalSupervision: false };

async function gradsOf(model: GPT2, micro: number[][]) {
  const r = await stepGradients(model, micro.map((ix) => source.batch(ix)), opts);
  const out = new Map<string, Float32Array>();
  for (const [k, g] of r.grads) out.set(k, g.dataSync() as Float32Array);
  tf.dispose([...r.grads.values()]);
  return { loss: r.loss, grads: out };
}

test('the loss at the trained rows equals the loss of the full logits', async () => {
  const model = GPT2.create(config, 3);
  const batch = source.batch([0, 1, 2, 3]);
  const full = tf.tidy(() => {
    const logits = model.logits(tf.tensor2d(batch.tokens, [4, T], 'int32'));
    return ilmTrainingLoss(logits, batch.tokens, batch.types).loss.dataSync()[0];
  });
  const { loss } = await gradsOf(model, [[0, 1, 2, 3]]);
  assert.ok(Math.abs(loss - full) < 1e-5 * full, `${loss} vs ${full}`);
  model.dispose();
});

test('gradient accumulation weighted by trained tokens equals one big batch', async () => {
  const model = GPT2.create(config, 4);
  const big = await gradsOf(model, [[0, 1, 2, 3, 4, 5, 6, 7]]);
  const small = await gradsOf(model, [[0], [1, 2], [3, 4, 5], [6, 7]]);
  assert.ok(Math.abs(big.loss - small.loss) < 1e-5 * big.loss, `loss ${big.loss} vs ${small.loss}`);
  let maxDiff = 0;
  let maxAbs = 0;
  for (const [k, g] of big.grads) {
    const h = small.grads.get(k)!;
    for (let i = 0; i < g.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(g[i] - h[i]));
      maxAbs = Math.max(maxAbs, Math.abs(g[i]));
    }
  }
  assert.ok(maxDiff < 1e-5 * maxAbs, `largest gradient difference ${maxDiff} (largest gradient ${maxAbs})`);
  model.dispose();
});

const base = {
  model: 'tiny', config, seed: 0, accum: 1, weightDecay: 0, clip: 1, evalMaxExamples: 4, minimalSupervision: false, log: () => {},
};

test('a small model overfits one batch: the loss falls close to zero', async () => {
  const exp = fs.mkdtempSync(path.join(os.tmpdir(), 'overfit-'));
  const one = new MemorySource(T, rows.slice(0, 4));
  const r = await train(exp, { train: one, eval: null }, { ...base, batchSize: 4, lr: 1e-2, warmupSteps: 5, maxSteps: 150, checkpointEverySteps: 150 });
  const losses = readMetrics(path.join(exp, 'metrics.jsonl')).filter((m) => m.kind === 'train').map((m) => m.loss as number);
  assert.equal(r.step, 150);
  assert.ok(losses[0] > 3, `starts near log(V): ${losses[0]}`);
  assert.ok(losses[losses.length - 1] < 0.05, `final loss ${losses[losses.length - 1]}`);
});

test('--batch-size auto halves the micro-batch on out-of-memory and keeps the examples per step', async () => {
  const exp = fs.mkdtempSync(path.join(os.tmpdir(), 'auto-'));
  const lines: string[] = [];
  const r = await train(exp, { train: source, eval: null }, {
    ...base, batchSize: 'auto', autoBatchStart: 8, accum: 1, lr: 1e-3, maxSteps: 2, log: (l) => lines.push(l),
    beforeMicroBatch: ({ batchSize }) => {
      if (batchSize > 2) throw new RangeError('Array buffer allocation failed');
    },
  });
  assert.equal(r.batchSize, 2);
  assert.equal(r.accum, 4);
  assert.ok(lines.some((l) => /Out of memory with micro-batch 8.*batch 4 x accumulation 2/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /Out of memory with micro-batch 4.*batch 2 x accumulation 4/.test(l)));
  const manifest = JSON.parse(fs.readFileSync(path.join(exp, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.schedule.batchSize, { requested: 'auto', microBatch: 2, accum: 4 });
  assert.equal(manifest.schedule.examplesPerStep, 8);
});

test('wasm Aborted() is a clear out-of-memory error (exit 1) and the last good checkpoint stays', async () => {
  const exp = fs.mkdtempSync(path.join(os.tmpdir(), 'abort-'));
  let error: unknown = null;
  try {
    await train(exp, { train: source, eval: null }, {
      ...base, batchSize: 'auto', autoBatchStart: 4, lr: 1e-3, maxSteps: 5, checkpointEverySteps: 1,
      beforeMicroBatch: ({ step }) => {
        if (step === 3) throw new (globalThis as unknown as { WebAssembly: { RuntimeError: ErrorConstructor } }).WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');
      },
    });
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof UserError, `got ${error}`);
  assert.equal((error as UserError).exitCode, 1);
  assert.match((error as Error).message, /out of memory at step 3 with micro-batch 4/);
  assert.match((error as Error).message, /last good checkpoint \(step 2\)/);
  const { model, state } = loadCheckpoint(path.join(exp, 'checkpoints', 'last'));
  assert.equal(state.step, 2);
  model.dispose();
  // every other form is recognised too
  for (const m of ['Aborted()', 'RuntimeError: memory access out of bounds']) assert.ok(isFatalMemoryError(new Error(m)));
  for (const m of ['Array buffer allocation failed', 'Invalid typed array length: 1e12', 'Failed to allocate 1234 bytes', 'Cannot enlarge memory arrays', 'out of memory']) {
    assert.ok(isMemoryError(new RangeError(m)) && !isFatalMemoryError(new RangeError(m)), m);
  }
  assert.ok(!isMemoryError(new UserError('out of memory')));
});

test('resuming with another evaluation set or --eval-max-examples is refused', async () => {
  const exp = fs.mkdtempSync(path.join(os.tmpdir(), 'fp-eval-'));
  const evalA = new MemorySource(T, rows.slice(0, 6));
  const evalB = new MemorySource(T, rows.slice(0, 5));
  const o = { ...base, batchSize: 4, lr: 1e-3 };
  await train(exp, { train: source, eval: evalA }, { ...o, maxSteps: 1 });
  await assert.rejects(train(exp, { train: source, eval: evalA }, { ...o, maxSteps: 2, evalMaxExamples: 3 }), /different settings: evalMaxExamples \(checkpoint 4, now 3\).*Fix/);
  await assert.rejects(train(exp, { train: source, eval: evalB }, { ...o, maxSteps: 2 }), /different settings: evalData \(checkpoint memory:6, now memory:5\)/);
  const r = await train(exp, { train: source, eval: evalA }, { ...o, maxSteps: 2 });
  assert.equal(r.resumedFromStep, 1);
});

test('schedules: fine-tuning with --init, warm-up and cosine decay from scratch', () => {
  const scratch = defaultSchedule(false, 1000);
  assert.equal(scratch.name, 'from-scratch');
  assert.equal(scratch.lr, 3e-4);
  assert.equal(scratch.warmupSteps, 50);
  assert.ok(Math.abs(learningRate(scratch, 0) - 3e-4 / 50) < 1e-15);
  assert.equal(learningRate(scratch, 49), 3e-4);
  assert.ok(Math.abs(learningRate(scratch, 525) - (3e-5 + 2.7e-4 * 0.5)) < 1e-12, 'half way down the cosine');
  assert.ok(Math.abs(learningRate(scratch, 1000) - 3e-5) < 1e-15);
  const fine = defaultSchedule(true, 1000);
  assert.deepEqual([fine.name, fine.lr, fine.warmupSteps, learningRate(fine, 999)], ['fine-tuning', 5e-5, 0, 5e-5]);
});
