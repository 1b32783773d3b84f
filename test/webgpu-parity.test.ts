/**
 * The webgpu backend against the cpu backend, on the same code path (test/webgpu-parity-run.ts runs each side in
 * its own process): GPT-2 logits of the committed fixture (test/fixtures/model/tiny) and of the shipped base to
 * 1e-4, the weights after three AdamW steps of a tiny model (read back from the checkpoint `train` wrote) within
 * 1e-4, a 20-step ILM run's losses to 1e-3, `rank` and a seeded `infill` decode (key/value cache) giving the same
 * answers, and the same seed giving the same fills twice on webgpu. Then the installed command line trains on
 * webgpu and writes its checkpoint.
 *
 * Runs on a software Vulkan driver (SwiftShader, see test/webgpu-env.ts); skips, saying why, only where no
 * Vulkan driver can be found. Shapes are small: SwiftShader is 10-40x slower than the cpu backend.
 *
 * Where GPU and CPU bytes differ: matrix products and reductions (softmax sums, layer-norm means, the loss) add
 * in a different order on the GPU (tiled, in parallel), so logits differ in the last bits of float32; the
 * differences measured are printed with each test.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { webgpuTestEnv } from './webgpu-env';
import { prepare } from '../src/corpus/prepare';
import { buildExamples } from '../src/ilm/examples';
import { readSafetensorsFile } from '../src/model/safetensors';
import { readMetrics } from '../src/train/metrics';
import { ILM_SEQ_LEN } from './webgpu-parity-run';

const ROOT = path.resolve(__dirname, '..');
const gpu = webgpuTestEnv();

interface Side {
  backend: string;
  adapter: { fallback: boolean; vendor: string; architecture: string } | null;
  timings: Record<string, number>;
  fixtureLogits: number[];
  baseLogits: number[];
  rank: Array<{ candidate: string; logProb: number }>;
  infillA: Array<{ fills: string[]; logProb: number }>;
  infillB: Array<{ fills: string[]; logProb: number }>;
  outOfMemory: { autoSteps: number; autoBatch: number; autoAccum: number; autoLog: string[]; fixedError: string } | null;
  dir: string;
}

let work = '';
let cpu: Side;
let webgpu: Side;

function runSide(backend: string, env: NodeJS.ProcessEnv, examples: string): Side {
  const dir = path.join(work, backend);
  fs.mkdirSync(dir, { recursive: true });
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'webgpu-parity-run.ts'), dir, examples], {
    cwd: ROOT, env: { ...env, CEFRLAB_BACKEND: backend, CEFRLAB_QUIET: '1' }, encoding: 'utf8', timeout: 1_200_000, maxBuffer: 64 * 2 ** 20,
  });
  assert.equal(run.status, 0, `${backend} side failed (${run.signal ?? `exit ${run.status}`}):\n${run.stderr}`);
  return { ...JSON.parse(run.stdout), dir };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

before(async () => {
  if (!gpu.env) return;
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'webgpu-parity-'));
  const data = path.join(work, 'data');
  const examples = path.join(work, 'examples');
  await prepare({ out: data, sampleSize: 40, seed: 0, showProgress: false });
  await buildExamples('train', data, examples, { seed: 0, seqLen: ILM_SEQ_LEN, examplesPerDoc: 2, workers: 0 });
  cpu = runSide('cpu', process.env, examples);
  webgpu = runSide('webgpu', gpu.env, examples);
  console.log(`webgpu parity on ${webgpu.adapter?.vendor} ${webgpu.adapter?.architecture}; seconds cpu ${JSON.stringify(cpu.timings)}, webgpu ${JSON.stringify(webgpu.timings)}`);
});

test('webgpu ran on a WebGPU adapter', (t) => {
  if (!gpu.env) return t.skip(gpu.reason);
  assert.equal(cpu.backend, 'cpu');
  assert.equal(webgpu.backend, 'webgpu');
  assert.ok(webgpu.adapter, 'the adapter is reported');
});

test('GPT-2 logits on webgpu equal the cpu backend\'s to 1e-4 (committed fixture and the shipped base)', (t) => {
  if (!gpu.env) return t.skip(gpu.reason);
  const fixture = maxAbsDiff(webgpu.fixtureLogits, cpu.fixtureLogits);
  const base = maxAbsDiff(webgpu.baseLogits, cpu.baseLogits);
  const scale = cpu.baseLogits.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  console.log(`logits max |webgpu - cpu|: fixture ${fixture.toExponential(2)} (${cpu.fixtureLogits.length} logits), base ${base.toExponential(2)} (${cpu.baseLogits.length} logits, largest |logit| ${scale.toFixed(1)})`);
  assert.equal(cpu.baseLogits.length, 16 * 50264);
  assert.ok(fixture <= 1e-4, `fixture logits differ by ${fixture}`);
  assert.ok(base <= 1e-4, `base logits differ by ${base}`);
  // Not trivially equal: the fixture's logits are far from zero.
  assert.ok(cpu.fixtureLogits.reduce((m, x) => Math.max(m, Math.abs(x)), 0) > 1);
});

test('the weights after 3 AdamW steps of a tiny model (from the checkpoints train wrote) agree within 1e-4', (t) => {
  if (!gpu.env) return t.skip(gpu.reason);
  const read = (side: Side) => readSafetensorsFile(path.join(side.dir, 'adamw/checkpoints/last/model.safetensors')).tensors;
  const a = read(cpu);
  const b = read(webgpu);
  const init = readMetrics(path.join(cpu.dir, 'adamw/metrics.jsonl')).filter((r) => r.kind === 'train');
  assert.equal(init.length, 3);
  let worst = 0;
  for (const [name, ta] of a) worst = Math.max(worst, maxAbsDiff(ta.data, b.get(name)!.data));
  console.log(`weights after 3 AdamW steps: max |webgpu - cpu| ${worst.toExponential(2)} over ${a.size} tensors`);
  assert.ok(worst <= 1e-4, `weights differ by ${worst}`);
  const opt = (side: Side) => fs.existsSync(path.join(side.dir, 'adamw/checkpoints/last/optimizer.safetensors'));
  assert.ok(opt(cpu) && opt(webgpu), 'both checkpoints hold the optimizer state');
});

test('a 20-step ILM training run has the cpu run\'s losses to 1e-3', (t) => {
  if (!gpu.env) return t.skip(gpu.reason);
  const losses = (side: Side, kind: string) => readMetrics(path.join(side.dir, 'ilm/metrics.jsonl')).filter((r) => r.kind === kind);
  const a = losses(cpu, 'train');
  const b = losses(webgpu, 'train');
  assert.equal(a.length, 20);
  assert.equal(b.length, 20);
  const d = maxAbsDiff(a.map((r) => r.loss as number), b.map((r) => r.loss as number));
  const ea = losses(cpu, 'eval');
  const eb = losses(webgpu, 'eval');
  assert.equal(ea.length, 1);
  const de = maxAbsDiff(ea.map((r) => r.infill_loss as number), eb.map((r) => r.infill_loss as number));
  console.log(`ILM run: train losses max |webgpu - cpu| ${d.toExponential(2)} (${(a[0].loss as number).toFixed(3)} -> ${(a[19].loss as number).toFixed(3)}), eval infill loss ${de.toExponential(2)}`);
  assert.ok((a[19].loss as number) < (a[0].loss as number) - 0.1, 'the run learns (the comparison is not of two flat lines)');
  assert.ok(d <= 1e-3, `losses differ by ${d}`);
  assert.ok(de <= 1e-3, `evaluation losses differ by ${de}`);
});

test('rank and a seeded infill decode give the cpu backend\'s answers, and the same seed the same fills twice', (t) => {
  if (!gpu.env) return t.skip(gpu.reason);
  assert.deepEqual(webgpu.rank.map((r) => r.candidate), cpu.rank.map((r) => r.candidate));
  const dr = maxAbsDiff(webgpu.rank.map((r) => r.logProb), cpu.rank.map((r) => r.logProb));
  assert.ok(dr <= 1e-4, `rank log-probabilities differ by ${dr}`);
  assert.deepEqual(webgpu.infillA.map((r) => r.fills), cpu.infillA.map((r) => r.fills));
  const di = maxAbsDiff(webgpu.infillA.map((r) => r.logProb), cpu.infillA.map((r) => r.logProb));
  assert.ok(di <= 1e-4, `infill log-probabilities differ by ${di}`);
  assert.deepEqual(webgpu.infillB, webgpu.infillA, 'the same seed gives the same fills and log-probabilities on webgpu');
  console.log(`rank log-prob max |webgpu - cpu| ${dr.toExponential(2)}; infill fills equal, log-prob ${di.toExponential(2)}; fills ${JSON.stringify(webgpu.infillA.map((r) => r.fills))}`);
});

test('a GPU error over the adapter\'s buffer limit mid-step: --batch-size auto halves and goes on; a fixed batch stops, keeping the last checkpoint', (t) => {
  if (!gpu.env) return t.skip(gpu.reason);
  const o = webgpu.outOfMemory!;
  assert.equal(o.autoSteps, 2);
  assert.equal(o.autoBatch, 2);
  assert.equal(o.autoAccum, 2);
  assert.match(o.autoLog[0], /^Out of memory with micro-batch 4 \(out of memory on the GPU \(WebGPU GPUValidationError: Buffer size .*: trying batch 2 x accumulation 2/);
  assert.match(o.fixedError, /^out of memory at step 3 with micro-batch 4 x 24 tokens on webgpu: Error: out of memory on the GPU .*; the last good checkpoint \(step 2\) is kept in .*oom-fixed.checkpoints.last\. Fix: use --batch-size auto/);
  const state = JSON.parse(fs.readFileSync(path.join(webgpu.dir, 'oom-fixed/checkpoints/last/state.json'), 'utf8'));
  assert.equal(state.step, 2);
});

test('CEFRLAB_BACKEND=webgpu cefrlab train trains on the adapter and writes its checkpoint', (t) => {
  if (!gpu.env) return t.skip(gpu.reason);
  const exp = path.join(work, 'cli-exp');
  const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/cefrlab.js'), 'train', exp, path.join(work, 'examples'), '--model', 'tiny',
    '--seq-len', String(ILM_SEQ_LEN), '--max-steps', '1', '--batch-size', '2', '--accum', '1', '--no-eval', '--json'], {
    cwd: ROOT, env: { ...gpu.env, CEFRLAB_BACKEND: 'webgpu', CEFRLAB_QUIET: '1' }, encoding: 'utf8', timeout: 600_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout.slice(run.stdout.indexOf('{')));
  assert.equal(result.step, 1);
  const manifest = JSON.parse(fs.readFileSync(path.join(exp, 'manifest.json'), 'utf8'));
  assert.equal(manifest.backend.tfBackend, 'webgpu');
  assert.ok(fs.statSync(path.join(exp, 'checkpoints/last/model.safetensors')).size > 4 * manifest.model.parameters);
  const metrics = readMetrics(path.join(exp, 'metrics.jsonl'));
  assert.ok(metrics.filter((r) => r.kind === 'train').every((r) => Number.isFinite(r.loss as number)));
});
