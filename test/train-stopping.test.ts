import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { train, TrainingDivergedError } from '../src/train/loop';
import { MemorySource } from '../src/train/data';
import { ILM_VOCAB_SIZE, PRESETS } from '../src/model/config';
import { loadCheckpoint } from '../src/train/checkpoint';
import { readMetrics } from '../src/train/metrics';
import { GPT2 } from '../src/model/gpt2';
import { saveModel } from '../src/model/checkpoint';

const T = 12;
const rows = Array.from({ length: 16 }, (_, r) => ({
  tokens: Int32Array.from({ length: T }, (_, i) => (r * 5 + i * 7) % 64),
  types: Uint8Array.from({ length: T }, (_, i) => (i < 6 ? 1 : 4)),
}));
const config = { ...PRESETS.tiny, vocab_size: 64, n_positions: 16, n_layer: 1, n_embd: 32, n_head: 2 };
const base = {
  model: 'tiny', config, seed: 0, batchSize: 4, accum: 1, warmupSteps: 0, weightDecay: 0, clip: 1,
  maxSteps: 20, evalMaxExamples: 4, minimalSupervision: false, log: () => {},
};

test('a loss that becomes NaN stops training with advice and keeps the last good checkpoint', async () => {
  const exp = fs.mkdtempSync(path.join(os.tmpdir(), 'nan-'));
  // An absurd learning rate: the first update is finite, the weights then overflow float32.
  let error: unknown = null;
  try {
    await train(exp, { train: new MemorySource(T, rows), eval: null }, { ...base, lr: 1e36, checkpointEverySteps: 1 });
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof TrainingDivergedError, `expected a TrainingDivergedError, got ${error}`);
  const message = (error as Error).message;
  assert.match(message, /is (NaN|Infinity)/);
  assert.match(message, /--lr, now 1e\+36/);
  assert.match(message, /--clip/);
  const last = path.join(exp, 'checkpoints', 'last');
  const { model, state } = loadCheckpoint(last);
  assert.ok(state.step >= 1);
  assert.match(message, new RegExp(`last good checkpoint \\(step ${state.step}\\)`));
  for (const v of model.weights.values()) assert.ok(v.dataSync().every(Number.isFinite), 'the kept checkpoint holds finite weights');
  model.dispose();
  const records = readMetrics(path.join(exp, 'metrics.jsonl'));
  assert.equal(records[records.length - 1].diverged, 1);
  assert.equal(records[records.length - 1].step, state.step + 1);
});

test('bad options are refused with the option named', async () => {
  const exp = fs.mkdtempSync(path.join(os.tmpdir(), 'opts-'));
  await assert.rejects(train(exp, { train: new MemorySource(T, rows), eval: null }, { ...base, lr: 1e-3, batchSize: 0 }), /--batch-size must be a positive integer/);
  await assert.rejects(train(exp, { train: new MemorySource(T, rows), eval: null }, { ...base, lr: -1 }), /--lr must be a positive number/);
});

test('resuming with different settings is refused, naming them', async () => {
  const exp = fs.mkdtempSync(path.join(os.tmpdir(), 'fp-'));
  await train(exp, { train: new MemorySource(T, rows), eval: null }, { ...base, lr: 1e-3, maxSteps: 1 });
  await assert.rejects(
    train(exp, { train: new MemorySource(T, rows), eval: null }, { ...base, lr: 2e-3, maxSteps: 2 }),
    /started with different settings: lr \(checkpoint 0\.001, now 0\.002\).*Fix/,
  );
});

test('a run started from --init resumes after its folders move, and refuses other start weights at the same path', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'moved-'));
  const initConfig = { ...config, vocab_size: ILM_VOCAB_SIZE }; // what --init accepts: the ILM vocabulary
  const saveInit = (dir: string, seed: number) => {
    const m = GPT2.create(initConfig, seed);
    saveModel(dir, m);
    m.dispose();
  };
  saveInit(path.join(root, 'a', 'init'), 1);
  const opts = (dir: string, maxSteps: number) => ({ ...base, lr: 1e-3, maxSteps, init: path.join(dir, 'init') });
  await train(path.join(root, 'a', 'exp'), { train: new MemorySource(T, rows), eval: null }, opts(path.join(root, 'a'), 1));
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'a', 'exp', 'manifest.json'), 'utf8'));
  assert.equal(manifest.options.init, '../init', 'the manifest names the start weights relative to the run');
  assert.equal(manifest.model.init, '../init');
  assert.match(manifest.model.initWeights, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(manifest).includes(root), 'no absolute path of the run in its manifest');

  fs.renameSync(path.join(root, 'a'), path.join(root, 'b'));
  const resumed = await train(path.join(root, 'b', 'exp'), { train: new MemorySource(T, rows), eval: null }, opts(path.join(root, 'b'), 2));
  assert.equal(resumed.resumedFromStep, 1);
  assert.equal(resumed.step, 2);

  saveInit(path.join(root, 'b', 'init'), 2); // other weights, same folder
  await assert.rejects(
    train(path.join(root, 'b', 'exp'), { train: new MemorySource(T, rows), eval: null }, opts(path.join(root, 'b'), 3)),
    /started with different settings: initWeights \(checkpoint [0-9a-f]+, now [0-9a-f]+\)/,
  );

  fs.rmSync(path.join(root, 'b', 'init'), { recursive: true }); // the start weights are gone
  await assert.rejects(
    train(path.join(root, 'b', 'exp'), { train: new MemorySource(T, rows), eval: null }, opts(path.join(root, 'b'), 3)),
    (err: Error) => /exp.*started from --init .*init, which cannot be read now/.test(err.message) && /--restart/.test(err.message),
  );
});

test('patience stops after that many evaluations without a lower infill loss', async () => {
  const exp = fs.mkdtempSync(path.join(os.tmpdir(), 'patience-'));
  // A learning rate too small to move the loss: the first evaluation is the best, the next ones tie.
  const r = await train(exp, { train: new MemorySource(T, rows), eval: new MemorySource(T, rows.slice(0, 4)) },
    { ...base, lr: 1e-30, maxSteps: 20, evalEverySteps: 2, patience: 2 });
  assert.equal(r.stopped, 'patience');
  assert.equal(r.step, 6); // evaluations at 2 (best), 4 and 6 (no improvement, twice)
  assert.equal(r.bestStep, 2);
  const { state } = loadCheckpoint(path.join(exp, 'checkpoints', 'last'));
  assert.equal(state.stopped, 'patience');
  // Running the same command again does not train further.
  const again = await train(exp, { train: new MemorySource(T, rows), eval: new MemorySource(T, rows.slice(0, 4)) },
    { ...base, lr: 1e-30, maxSteps: 20, evalEverySteps: 2, patience: 2 });
  assert.equal(again.step, 6);
});

test('running out of memory names the settings to lower', async () => {
  const exp = fs.mkdtempSync(path.join(os.tmpdir(), 'oom-'));
  const source = new MemorySource(T, rows);
  const failing = {
    count: source.count, seqLen: source.seqLen, files: [],
    batch: () => {
      throw new RangeError('Array buffer allocation failed');
    },
  };
  await assert.rejects(
    train(exp, { train: failing, eval: null }, { ...base, lr: 1e-3, batchSize: 4 }),
    /out of memory at step 1 .*lower --batch-size \(now 4\) and raise --accum.*--seq-len/,
  );
});
