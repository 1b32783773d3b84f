/**
 * Resume equals uninterrupted: a training run killed with SIGKILL (after a checkpoint, and in the middle of
 * writing one) and started again ends with the same weights, byte for byte, as a run never interrupted.
 * Training runs in child processes, as a user's would.
 */
import { test, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMetrics } from '../src/train/metrics';

const ROOT = path.resolve(__dirname, '..');

// The child trains a 1-layer model on learner text from the embedded corpus: each example is 24 byte values of
// a real answer, first half context (type 1), second half answer (type 4). Small enough for seconds per run.
const CHILD = `
const fs = require('node:fs');
const { train } = require(${JSON.stringify(path.join(ROOT, 'src/train/loop.ts'))});
const { MemorySource } = require(${JSON.stringify(path.join(ROOT, 'src/train/data.ts'))});
const { PRESETS } = require(${JSON.stringify(path.join(ROOT, 'src/model/config.ts'))});
const [expDir, maxSteps] = process.argv.slice(1);
const csv = ${JSON.stringify(path.join(ROOT, 'data/cefr-asag/cefr_asag_4col.csv'))};
const bytes = fs.readFileSync(csv);
const T = 24;
const rows = [];
for (let r = 0; r < 48; r++) {
  const tokens = new Int32Array(T), types = new Uint8Array(T);
  for (let i = 0; i < T; i++) { tokens[i] = bytes[2000 + r * 97 + i] % 128; types[i] = i < T / 2 ? 1 : 4; }
  rows.push({ tokens, types });
}
const config = { ...PRESETS.tiny, vocab_size: 128, n_positions: 32, n_layer: 1, n_embd: 64, n_head: 2 };
const { initBackend } = require(${JSON.stringify(path.join(ROOT, 'src/runtime/backend.ts'))});
initBackend().then(() => train(expDir, { train: new MemorySource(T, rows.slice(0, 40)), eval: new MemorySource(T, rows.slice(40)) }, {
  model: 'tiny', config, seed: 3, batchSize: 4, accum: 2, lr: 3e-3, warmupSteps: 2, weightDecay: 0.01, clip: 1,
  maxSteps: Number(maxSteps), evalEverySteps: 3, checkpointEverySteps: 2, evalMaxExamples: 8, minimalSupervision: false,
  log: () => {},
})).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
`;

const childErrors: string[] = [];

function run(expDir: string, maxSteps: number): { child: ChildProcess; done: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', CHILD, expDir, String(maxSteps)], {
    cwd: ROOT,
    env: { ...process.env, CEFRLAB_QUIET: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<number>((resolve) => child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL') childErrors.push(`${expDir} (max ${maxSteps}): ${err}`);
    resolve(code ?? -1);
  }));
  return { child, done };
}

/** Kill the child with SIGKILL as soon as `when` holds (polled every few milliseconds). */
async function killWhen(expDir: string, maxSteps: number, when: () => boolean): Promise<void> {
  const { child, done } = run(expDir, maxSteps);
  let exited = false;
  done.then(() => (exited = true));
  while (!exited && !when()) await new Promise((r) => setTimeout(r, 2));
  assert.ok(!exited, 'the child finished before it could be killed');
  child.kill('SIGKILL');
  await done;
}

const weights = (expDir: string) => fs.readFileSync(path.join(expDir, 'checkpoints/last/model.safetensors'));
const lastStep = (expDir: string) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(expDir, 'checkpoints/last/state.json'), 'utf8')).step as number;
  } catch {
    return -1;
  }
};

const STEPS = 10;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'resume-'));
const reference = path.join(tmp, 'uninterrupted');

// The scenarios run side by side (most of a child's time is start-up, not computation).
describe('resume after SIGKILL', { concurrency: true }, () => {
  const referenceDone = run(reference, STEPS).done;

  test('an uninterrupted run', async () => {
    assert.equal(await referenceDone, 0, childErrors.join('\n'));
    assert.equal(lastStep(reference), STEPS);
  });

  test('killed after a checkpoint, even between the two renames of the next one: identical weights and losses', async () => {
    const exp = path.join(tmp, 'killed-after-checkpoint');
    await killWhen(exp, STEPS, () => lastStep(exp) >= 4);
    const at = lastStep(exp);
    assert.ok(at >= 4 && at < STEPS, `killed at checkpoint step ${at}`);
    // Make it the worst case: "last" already moved aside and a partial new one in the temporary directory.
    const ck = path.join(exp, 'checkpoints');
    fs.renameSync(path.join(ck, 'last'), path.join(ck, '.last.tmp-1-abc-old'));
    fs.mkdirSync(path.join(ck, '.last.tmp-1-abc'), { recursive: true });
    fs.writeFileSync(path.join(ck, '.last.tmp-1-abc', 'model.safetensors'), 'partial');
    assert.equal(await run(exp, STEPS).done, 0, childErrors.join('\n'));
    assert.equal(await referenceDone, 0, childErrors.join('\n'));
    assert.ok(weights(exp).equals(weights(reference)), 'final weights differ from the uninterrupted run');
    const opt = (dir: string) => fs.readFileSync(path.join(dir, 'checkpoints/last/optimizer.safetensors'));
    assert.ok(opt(exp).equals(opt(reference)), 'optimizer state differs');
    const losses = (dir: string) => readMetrics(path.join(dir, 'metrics.jsonl')).map((r) => `${r.kind}:${r.step}:${r.loss ?? r.infill_loss}`);
    assert.deepEqual(losses(exp), losses(reference));
    const best = (dir: string) => fs.readFileSync(path.join(dir, 'checkpoints/best/model.safetensors'));
    assert.ok(best(exp).equals(best(reference)));
    assert.deepEqual(fs.readdirSync(ck).sort(), ['best', 'last'], 'temporary checkpoint directories were left behind');
  });

  test('killed while writing a checkpoint, finished at 6 steps, then extended to 10: identical weights', async () => {
    const exp = path.join(tmp, 'killed-mid-write');
    const ck = path.join(exp, 'checkpoints');
    // the kill lands while a later checkpoint's temporary directory exists, i.e. inside the write
    await killWhen(exp, 6, () => lastStep(exp) >= 2 && fs.existsSync(ck) && fs.readdirSync(ck).some((n) => n.startsWith('.last.tmp-')));
    assert.equal(await run(exp, 6).done, 0, childErrors.join('\n'));
    assert.equal(lastStep(exp), 6);
    assert.equal(await run(exp, STEPS).done, 0, childErrors.join('\n'));
    assert.equal(await referenceDone, 0, childErrors.join('\n'));
    assert.ok(weights(exp).equals(weights(reference)), 'final weights differ from the uninterrupted run');
    assert.deepEqual(fs.readdirSync(ck).sort(), ['best', 'last']);
  });
});
