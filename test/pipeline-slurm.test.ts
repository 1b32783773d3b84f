/**
 * The Slurm executor against a real single-node Slurm (munged, slurmctld, slurmd started by the test in a
 * temporary directory, stopped by their pid files at the end, also when the test fails). The tiny pipeline on
 * the embedded data runs once locally and once through Slurm: the outputs are byte-identical, a second Slurm
 * run submits nothing, and a job made to fail cancels its dependants. Skipped only without root or without
 * the Slurm and munge binaries (CI installs slurm-wlm and munge and runs as root).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initPipeline } from '../src/pipeline/init';
import { buildProgram } from '../src/cli/main';
import { loadPipeline } from '../src/pipeline/schema';
import { buildGraph } from '../src/pipeline/graph';
import { runLocal } from '../src/pipeline/local';
import { cancelSlurm, slurmStatus, submitSlurm, waitSlurm } from '../src/pipeline/slurm';
import { planGraph } from '../src/pipeline/state';
import { slurmSkipReason, startCluster } from './pipeline-slurm-cluster';

/** The CLI's commands: the registry the pipeline checks step options against. */
const COMMANDS = buildProgram().commands;

const skip = slurmSkipReason();

/** Files under a workdir, except the pipeline's state (.pipeline) and what records times: manifests, TensorBoard events. */
export function outputFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.pipeline') walk(f);
      } else if (e.name !== 'manifest.json' && !e.name.startsWith('events.out.tfevents.')) out.push(path.relative(dir, f));
    }
  };
  walk(dir);
  return out;
}

/** Wall-clock measurements, the only thing allowed to differ: ilm-eval's time per text, the times and speeds in metrics.jsonl. */
const TIMING_KEYS = /^(time|timeMs|msPerText|examples_per_sec|tokens_per_sec)$|seconds/i;

/** ilm-eval results and training metrics carry timings; everything else must be byte-identical. */
function comparable(file: string, bytes: Buffer): Buffer | string {
  if (!file.endsWith('ilm-eval.json') && !file.endsWith('metrics.jsonl')) return bytes;
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !TIMING_KEYS.test(k)).map(([k, x]) => [k, strip(x)]));
    return v;
  };
  const text = bytes.toString('utf8');
  if (file.endsWith('.jsonl')) return text.trim().split('\n').map((l) => JSON.stringify(strip(JSON.parse(l)))).join('\n');
  return JSON.stringify(strip(JSON.parse(text)));
}

test('pipeline on a real Slurm: same bytes as local, nothing resubmitted, a failure cancels its dependants', { skip: skip ?? false, timeout: 600_000 }, async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-pipeline-slurm-'));
  const cluster = await startCluster();
  const savedConf = process.env.SLURM_CONF;
  process.env.SLURM_CONF = cluster.conf;
  t.after(async () => {
    await cluster.stop();
    for (const [name, pid] of Object.entries(cluster.pids())) {
      if (pid === null) continue;
      let running = true;
      try {
        process.kill(pid, 0);
      } catch {
        running = false;
      }
      assert.equal(running, false, `${name} (pid ${pid}) still runs after stop()`);
    }
    if (savedConf === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = savedConf;
    fs.rmSync(cluster.dir, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const localFile = initPipeline({ preset: 'tiny', out: path.join(tmp, 'local.yaml'), workdir: path.join(tmp, 'local') }, COMMANDS);
  const slurmFile = initPipeline({ preset: 'tiny', out: path.join(tmp, 'slurm.yaml'), workdir: path.join(tmp, 'slurm') }, COMMANDS);
  const gl = buildGraph(loadPipeline(localFile, COMMANDS));
  const gs = buildGraph(loadPipeline(slurmFile, COMMANDS));

  // both executors at once (the cluster has 2 CPUs, local runs 1 job at a time)
  const t0 = Date.now();
  const [local, submitted] = await Promise.all([
    runLocal(gl, { jobs: 1, log: () => {} }),
    (async () => {
      const r = await submitSlurm(gs, { log: () => {} });
      await waitSlurm(gs, { intervalMs: 1000, timeoutMs: 400_000 });
      return r;
    })(),
  ]);
  const seconds = (Date.now() - t0) / 1000;
  assert.deepEqual(local.failed, [], 'local run failed');
  assert.ok(submitted.run, 'nothing was submitted');
  const st = slurmStatus(gs);
  assert.equal(st.source, 'squeue+exit-files', 'the test cluster keeps no accounting, so sacct must be unusable');
  const notDone = st.jobs.filter((j) => j.state !== 'COMPLETED');
  assert.deepEqual(notDone, [], `Slurm jobs that did not complete:\n${notDone.map((j) => `${j.job} ${j.state} ${j.detail} (${j.log})`).join('\n')}`);
  assert.equal(st.jobs.length, gs.jobs.length);
  // one array per per-dataset step, with afterok dependencies
  const groups = submitted.run!.groups;
  assert.deepEqual(groups.map((x) => x.step), ['prepare', 'examples', 'train', 'eval', 'compare', 'ilm-eval']);
  const train = groups.find((x) => x.step === 'train')!;
  const examples = groups.find((x) => x.step === 'examples')!;
  assert.ok(train.sbatch.includes('--array=0-1'), train.sbatch.join(' '));
  assert.ok(train.sbatch.includes(`--dependency=afterok:${examples.slurmJobId}`), train.sbatch.join(' '));
  assert.ok(train.sbatch.includes('--mem=1G') && train.sbatch.includes('--cpus-per-task=1') && train.sbatch.includes('--time=00:10:00'));
  // a log per job
  for (const j of st.jobs) assert.ok(fs.existsSync(j.log), `no log for ${j.job}: ${j.log}`);
  const batchLogs = fs.readdirSync(path.dirname(train.script)).filter((f) => f.endsWith('.log'));
  assert.equal(batchLogs.length, gs.jobs.length, `one Slurm output file per task: ${batchLogs.join(', ')}`);

  // byte-identical outputs
  const files = outputFiles(gl.pipeline.workdir);
  assert.deepEqual(outputFiles(gs.pipeline.workdir), files);
  assert.ok(files.some((f) => f.endsWith('model.safetensors')) && files.some((f) => f.endsWith('examples.bin')) && files.includes('results/compare.json'), files.join(' '));
  for (const f of files) {
    const a = fs.readFileSync(path.join(gl.pipeline.workdir, f));
    const b = fs.readFileSync(path.join(gs.pipeline.workdir, f));
    assert.deepEqual(comparable(f, b), comparable(f, a), `${f} differs between the local and the Slurm run`);
  }

  // a second run submits nothing
  const again = await submitSlurm(gs, { log: () => {} });
  assert.equal(again.run, null);
  assert.deepEqual(again.commands, []);
  assert.ok((await planGraph(gs)).every((p) => p.state === 'done'));

  // a job made to fail (B1's model from weights that do not exist) cancels what depends on it
  fs.appendFileSync(slurmFile, '');
  const text = fs.readFileSync(slurmFile, 'utf8').replace(
    '    options: { model: tiny, seed: 0, max-steps: 2, batch-size: 2, accum: 1, eval-max-examples: 4 }\n',
    '    options: { model: tiny, seed: 0, max-steps: 2, batch-size: 2, accum: 1, eval-max-examples: 4 }\n    datasets: { B1: { init: no-such-model-dir } }\n',
  );
  assert.notEqual(text, fs.readFileSync(slurmFile, 'utf8'));
  fs.writeFileSync(slurmFile, text);
  const gf = buildGraph(loadPipeline(slurmFile, COMMANDS));
  const failing = await submitSlurm(gf, { log: () => {} });
  assert.deepEqual(failing.run!.groups.map((x) => [x.step, Object.values(x.tasks)]), [
    ['train', ['train.B1']],
    ['eval', ['eval.B1']],
    ['compare', ['compare']],
    ['ilm-eval', ['ilm-eval']],
  ]);
  // the failing train task is index 1 of the train array (datasets all, B1)
  assert.deepEqual(Object.keys(failing.run!.groups[0].tasks), ['1']);
  const fst = await waitSlurm(gf, { intervalMs: 1000, timeoutMs: 120_000 });
  const byJob = new Map(fst.jobs.map((j) => [j.job, j]));
  assert.equal(byJob.get('train.B1')!.state, 'FAILED', JSON.stringify(fst.jobs));
  assert.match(byJob.get('train.B1')!.detail, /exit (code )?[1-9]/);
  for (const id of ['eval.B1', 'compare', 'ilm-eval']) {
    assert.equal(byJob.get(id)!.state, 'CANCELLED', `${id}: ${JSON.stringify(byJob.get(id))}`);
    assert.match(byJob.get(id)!.detail, /train\.B1 failed/);
  }
  // what did not depend on it is untouched and still up to date
  const after = new Map((await planGraph(gf)).map((p) => [p.job.id, p.state]));
  assert.equal(after.get('train.all'), 'done');
  assert.equal(after.get('eval.all'), 'done');
  assert.notEqual(after.get('eval.B1'), 'done');

  // cancel: submit again (train.B1 fails again) and cancel at once
  const re = await submitSlurm(gf, { log: () => {} });
  assert.ok(re.run);
  const c = cancelSlurm(gf);
  assert.equal(c.runId, re.run!.runId);
  const cst = await waitSlurm(gf, { intervalMs: 500, timeoutMs: 60_000 });
  assert.ok(cst.jobs.every((j) => j.state !== 'PENDING' && j.state !== 'RUNNING'), JSON.stringify(cst.jobs));
  t.diagnostic(`local and Slurm runs of ${gl.jobs.length} jobs side by side: ${seconds.toFixed(0)} s`);
});
