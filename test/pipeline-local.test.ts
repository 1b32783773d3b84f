/**
 * The local executor on the tiny pipeline (embedded data): runs everything, then nothing; a changed option
 * reruns exactly the jobs it affects; a job made to fail stops its dependants and says which and why; an
 * output edited by hand is noticed; a run killed during training resumes from the checkpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initPipeline } from '../src/pipeline/init';
import { buildProgram } from '../src/cli/main';
import { loadPipeline } from '../src/pipeline/schema';
import { buildGraph } from '../src/pipeline/graph';
import { formatLocalResult, runLocal } from '../src/pipeline/local';
import { planGraph } from '../src/pipeline/state';
import { projectRoot } from '../src/runtime/paths';

/** The CLI's commands: the registry the pipeline checks step options against. */
const COMMANDS = buildProgram().commands;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-pipeline-local-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }));

const quiet = () => {};
const load = (file: string) => buildGraph(loadPipeline(file, COMMANDS));
async function states(file: string): Promise<Record<string, string>> {
  return Object.fromEntries((await planGraph(load(file))).map((p) => [p.job.id, p.state === 'done' ? 'done' : `${p.state}: ${p.reason}`]));
}
function edit(file: string, from: string, to: string): void {
  const text = fs.readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${from} not in ${file}`);
  fs.writeFileSync(file, text.replace(from, to));
}

const TRAIN_LINE = '    options: { model: tiny, seed: 0, max-steps: 2, batch-size: 2, accum: 1, eval-max-examples: 4 }\n';

test('local executor: runs what is missing, then nothing; a changed option reruns what it affects; a failure stops its dependants', { timeout: 900_000 }, async () => {
  const file = initPipeline({ preset: 'tiny', out: path.join(tmp, 'tiny.yaml'), workdir: path.join(tmp, 'run') }, COMMANDS);
  // smaller than the preset: no single-type test set, no harness (the Slurm test runs the whole preset)
  edit(file, '      test-word: { split: test, options: { mask: word } }\n', '');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/ {2}ilm-eval:\n(?: {4}.*\n)+/, '  ilm-eval: false\n'));
  const first = await runLocal(load(file), { jobs: 2, log: quiet });
  assert.deepEqual(first.failed, [], formatLocalResult(first));
  assert.equal(first.succeeded.length, 13);
  const wd = path.join(tmp, 'run');
  for (const f of ['data/B1/train.txt', 'examples/all/test/examples.bin', 'models/B1/checkpoints/best/model.safetensors', 'results/eval/all.json', 'results/compare.json', 'results/compare.html']) {
    assert.ok(fs.existsSync(path.join(wd, f)), f);
  }
  assert.match(fs.readFileSync(path.join(wd, '.pipeline/logs/train.B1.log'), 'utf8'), /^# .*\n# cefrlab train models\/B1 examples\/B1 --accum 1 --batch-size 2 --eval-max-examples 4 --max-steps 2 --model tiny --seed 0\n/);

  // nothing to do
  assert.ok(Object.values(await states(file)).every((s) => s === 'done'));
  const again = await runLocal(load(file), { log: quiet });
  assert.equal(again.ran.length, 0);
  assert.equal(again.upToDate.length, 13);

  // a changed eval option: only the evaluations run
  edit(file, '  eval:\n    options: { tag: test, max-examples: 8, batch-size: 4 }', '  eval:\n    options: { tag: test, max-examples: 6, batch-size: 4 }');
  const s1 = await states(file);
  assert.equal(s1['eval.all'], 'run: options changed (now --max-examples 6; was --max-examples 8)');
  assert.deepEqual(Object.entries(s1).filter(([, s]) => s !== 'done').map(([id]) => id), ['eval.all', 'eval.B1']);
  const r1 = await runLocal(load(file), { jobs: 2, log: quiet });
  assert.deepEqual(r1.ran.sort(), ['eval.B1', 'eval.all']);
  assert.equal(JSON.parse(fs.readFileSync(path.join(wd, 'results/eval/all.json'), 'utf8')).maxExamples, 6);

  // an output changed by hand is not up to date any more
  fs.appendFileSync(path.join(wd, 'results/compare.json'), ' ');
  assert.equal((await states(file)).compare, 'run: results/compare.json changed since the pipeline wrote it');
  await runLocal(load(file), { log: quiet });

  // a job made to fail: B1's model from weights that do not exist
  edit(file, TRAIN_LINE, TRAIN_LINE + '    datasets: { B1: { init: no-such-model-dir } }\n');
  const r2 = await runLocal(load(file), { jobs: 2, log: quiet });
  assert.deepEqual(r2.ran, ['train.B1']);
  assert.deepEqual(r2.failed.map((f) => f.job), ['train.B1']);
  assert.match(r2.failed[0].error, /exit code [1-9]/);
  assert.match(r2.failed[0].error, /cefrlab: /); // train's own error message, from the job's log
  assert.ok(fs.existsSync(r2.failed[0].log));
  assert.deepEqual(r2.blocked.map((b) => [b.job, b.because]).sort(), [['compare', ['train.B1']], ['eval.B1', ['train.B1']]]);
  const summary = formatLocalResult(r2);
  assert.match(summary, /failed: train\.B1: exit code/);
  assert.match(summary, /not run: eval\.B1 \(it needs train\.B1, which failed\)/);
  const s2 = await states(file);
  assert.equal(s2['train.all'], 'done');
  assert.equal(s2['eval.all'], 'done');
  assert.match(s2['train.B1'], /^run: not run yet|^run: /);
});

test('local executor: a run killed during training resumes from the checkpoint', { timeout: 900_000 }, async () => {
  const file = path.join(tmp, 'kill.yaml');
  fs.writeFileSync(
    file,
    `version: 1
csv: ${JSON.stringify(path.join(projectRoot, 'data/cefr-asag/cefr_asag_4col.csv'))}
workdir: kill
general: true
steps:
  prepare: { options: { sample-size: 40 } }
  examples:
    options: { examples-per-doc: 2, seq-len: 128, workers: 0 }
    sets: { train: { split: train }, valid: { split: valid } }
  train:
    options: { model: tiny, max-steps: 12, checkpoint-every-steps: 2, eval-every-steps: 12, batch-size: 2, accum: 1, eval-max-examples: 4 }
`,
  );
  const wd = path.join(tmp, 'kill');
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'cefrlab.js'), 'pipeline', 'run', file], { stdio: 'ignore', detached: true });
  const last = path.join(wd, 'models/all/checkpoints/last/state.json');
  const manifest = path.join(wd, 'models/all/manifest.json');
  const t0 = Date.now();
  while (!fs.existsSync(last) && Date.now() - t0 < 300_000) await new Promise((r) => setTimeout(r, 50));
  assert.ok(fs.existsSync(last), 'training never wrote a checkpoint');
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, 'SIGKILL'); // the run and the train command it started (its process group)
  await exited;
  assert.equal(JSON.parse(fs.readFileSync(manifest, 'utf8')).result, null, 'training finished before the kill');
  const s = await states(file);
  assert.match(s['train.all'], /^resume: resumes from models\/all\/checkpoints\/last/);
  const r = await runLocal(load(file), { log: quiet });
  assert.deepEqual(r.failed, [], formatLocalResult(r));
  assert.deepEqual(r.ran, ['train.all']);
  assert.match(fs.readFileSync(path.join(wd, '.pipeline/logs/train.all.log'), 'utf8'), /Resuming models\/all from step [1-9]/);
  assert.equal(JSON.parse(fs.readFileSync(manifest, 'utf8')).result.step, 12);
  assert.ok(Object.values(await states(file)).every((x) => x === 'done'));
});
