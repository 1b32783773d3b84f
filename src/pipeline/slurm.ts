/**
 * The Slurm executor. Each step's jobs that are not up to date are one `sbatch` submission: a job array over
 * the datasets (and example sets) for the per-dataset steps, a single job for compare and ilm-eval; each array
 * depends on the arrays it reads from with `--dependency=afterok:...` (and `--kill-on-invalid-dep=yes`, so a
 * failure cancels its dependants instead of leaving them pending forever). Resources come from the pipeline
 * file per step. Every batch task runs `cefrlab pipeline exec PIPELINE --job ID`, which runs the job's cefrlab
 * command exactly as the local executor does, and writes its stamp and exit file.
 *
 * Status comes from `sacct` when the cluster keeps accounting; without it (`AccountingStorageType=none`) from
 * `squeue` (which lists finished jobs for MinJobAge seconds) and, for jobs squeue no longer shows, from the
 * job's exit file.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../runtime/errors';
import { writeFileAtomic, writeJsonAtomic } from '../runtime/atomic';
import { shellQuote, type Graph, type Job } from './graph';
import { cefrlabBin, type ExitRecord } from './exec';
import { exitFile, logFile, planGraph, stateDir, type JobPlan } from './state';
import { STEP_NAMES, type Resources, type StepName } from './schema';

export interface SubmittedGroup {
  step: StepName;
  slurmJobId: string;
  array: boolean;
  /** array index (or 0) -> pipeline job id */
  tasks: Record<string, string>;
  script: string;
  sbatch: string[];
  log: string;
}

export interface SlurmRun {
  runId: string;
  pipeline: string;
  submitted: string;
  groups: SubmittedGroup[];
}

const ACTIVE = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'SIGNALING', 'STAGE_OUT', 'STOPPED']);

const slurmDir = (wd: string) => path.join(stateDir(wd), 'slurm');
const lastRunFile = (wd: string) => path.join(slurmDir(wd), 'last-run.json');

function run(cmd: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return { code: 127, stdout: '', stderr: `${cmd}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found on PATH' : r.error.message}` };
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function readLastRun(wd: string): SlurmRun | null {
  try {
    return JSON.parse(fs.readFileSync(lastRunFile(wd), 'utf8')) as SlurmRun;
  } catch {
    return null;
  }
}

/** sbatch resource arguments of a step. */
export function resourceArgs(r: Resources): string[] {
  const a: string[] = [];
  if (r.partition) a.push(`--partition=${r.partition}`);
  if (r.account) a.push(`--account=${r.account}`);
  if (r.gpus) a.push(`--gres=gpu:${r.gpus}`);
  if (r.cpus) a.push(`--cpus-per-task=${r.cpus}`);
  if (r.mem) a.push(`--mem=${r.mem}`);
  if (r.time) a.push(`--time=${r.time}`);
  a.push(...(r.sbatch ?? []));
  return a;
}

/** 0,1,2,5,7,8 -> 0-2,5,7-8 (sbatch --array). */
export function arraySpec(indices: number[]): string {
  const xs = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    parts.push(j > i ? `${xs[i]}-${xs[j]}` : `${xs[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function batchScript(g: Graph, step: StepName, tasks: Record<string, string>, runId: string): string {
  const p = g.pipeline;
  const node = p.slurm.node ?? process.execPath;
  const lines = [
    '#!/bin/bash',
    `# cefrlab pipeline ${p.file}: step ${step}, run ${runId}. Written by \`cefrlab pipeline run --executor slurm\`.`,
    '# Each task runs one job through `cefrlab pipeline exec`, which runs the command below and records the result:',
  ];
  for (const [i, id] of Object.entries(tasks)) lines.push(`#   task ${i}: ${id}: cefrlab ${shellQuote(g.byId.get(id)!.argv)}`);
  lines.push('set -eu', ...p.slurm.setup, `cd ${q(p.workdir)}`, 'declare -a JOBS');
  for (const [i, id] of Object.entries(tasks)) lines.push(`JOBS[${i}]=${q(id)}`);
  lines.push('JOB="${JOBS[${SLURM_ARRAY_TASK_ID:-0}]}"', `exec ${q(node)} ${q(cefrlabBin)} pipeline exec ${q(p.file)} --job "$JOB"`, '');
  return lines.join('\n');
}

export interface SubmitOptions {
  dryRun?: boolean;
  log?: (line: string) => void;
}

export interface SubmitResult {
  run: SlurmRun | null;
  plan: JobPlan[];
  /** sbatch command lines (with placeholders for the ids of earlier submissions in a dry run). */
  commands: string[];
}

/** Submit every job that is not up to date. Refuses while an earlier run still has jobs queued or running. */
export async function submitSlurm(g: Graph, opts: SubmitOptions = {}): Promise<SubmitResult> {
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const wd = g.pipeline.workdir;
  const plan = await planGraph(g);
  const todo = new Set(plan.filter((p) => p.state !== 'done').map((p) => p.job.id));
  if (todo.size === 0) {
    return { run: null, plan, commands: [] };
  }
  if (!opts.dryRun) {
    const last = readLastRun(wd);
    if (last) {
      const active = slurmStatus(g, last).jobs.filter((j) => ACTIVE.has(j.state));
      if (active.length) {
        throw new UserError(`run ${last.runId} still has ${active.length} jobs queued or running (${active.slice(0, 4).map((j) => j.job).join(', ')}${active.length > 4 ? ', ...' : ''}). Fix: wait (\`cefrlab pipeline status ${g.pipeline.file}\`) or cancel it (\`cefrlab pipeline cancel ${g.pipeline.file}\`), then run again`);
      }
    }
    const probe = run('sbatch', ['--version']);
    if (probe.code !== 0) throw new UserError(`sbatch: ${probe.stderr.trim() || 'does not run'}. Fix: run this on a Slurm login node (or use --executor local)`);
  }
  const now = new Date();
  const runId = `${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}-${process.pid}`;
  const runDir = path.join(slurmDir(wd), 'runs', runId);
  const groups: SubmittedGroup[] = [];
  const groupOf = new Map<string, SubmittedGroup>();
  const commands: string[] = [];
  for (const step of STEP_NAMES) {
    const all = g.jobs.filter((j) => j.step === step);
    const mine = all.filter((j) => todo.has(j.id));
    if (mine.length === 0) continue;
    const isArray = step !== 'compare' && step !== 'ilm-eval';
    const tasks: Record<string, string> = {};
    for (const j of mine) tasks[String(isArray ? all.indexOf(j) : 0)] = j.id;
    const deps = new Set<string>();
    for (const j of mine) for (const d of j.deps) if (todo.has(d)) deps.add(groupOf.get(d)!.slurmJobId);
    const script = path.join(runDir, `${step}.sh`);
    const logName = path.join(runDir, isArray ? `${step}-%A_%a.log` : `${step}-%j.log`);
    const args = [
      '--parsable', `--job-name=${g.pipeline.slurm.name}-${step}`, `--chdir=${wd}`, `--output=${logName}`,
      ...(isArray ? [`--array=${arraySpec(Object.keys(tasks).map(Number))}`] : []),
      ...(deps.size ? [`--dependency=afterok:${[...deps].join(':')}`, '--kill-on-invalid-dep=yes'] : []),
      ...resourceArgs(mine[0].resources),
      script,
    ];
    commands.push(`sbatch ${shellQuote(args)}`);
    let id = `<${step}>`;
    if (!opts.dryRun) {
      writeFileAtomic(script, batchScript(g, step, tasks, runId));
      fs.chmodSync(script, 0o755);
      const r = run('sbatch', args);
      if (r.code !== 0) {
        if (groups.length) cancelIds(groups.map((x) => x.slurmJobId));
        throw new UserError(`sbatch for step ${step} failed: ${r.stderr.trim() || r.stdout.trim()}${groups.length ? ' (the jobs submitted before it were cancelled)' : ''}. Fix: check the resources of steps.${step} (and slurm.defaults) in ${g.pipeline.file} against the cluster (sinfo)`);
      }
      id = r.stdout.trim().split(';')[0];
      log(`submitted ${step}: Slurm job ${id}${isArray ? ` (array ${arraySpec(Object.keys(tasks).map(Number))})` : ''}: ${mine.map((j) => j.id).join(', ')}`);
    }
    const group: SubmittedGroup = { step, slurmJobId: id, array: isArray, tasks, script, sbatch: args, log: logName };
    groups.push(group);
    for (const j of mine) groupOf.set(j.id, group);
  }
  if (opts.dryRun) return { run: null, plan, commands };
  const record: SlurmRun = { runId, pipeline: g.pipeline.file, submitted: now.toISOString(), groups };
  writeJsonAtomic(path.join(runDir, 'run.json'), record);
  writeJsonAtomic(lastRunFile(wd), record);
  return { run: record, plan, commands };
}

export interface SlurmJobStatus {
  job: string;
  slurmId: string;
  state: string;
  /** Slurm's reason, the exit code, or why it was cancelled. */
  detail: string;
  log: string;
}

export interface SlurmStatus {
  run: SlurmRun | null;
  /** Where the states came from. */
  source: 'sacct' | 'squeue+exit-files' | 'none';
  note: string | null;
  jobs: SlurmJobStatus[];
}

function readExit(wd: string, id: string): ExitRecord | null {
  try {
    return JSON.parse(fs.readFileSync(exitFile(wd, id), 'utf8')) as ExitRecord;
  } catch {
    return null;
  }
}

/** States of the last run's jobs. */
export function slurmStatus(g: Graph, runRecord?: SlurmRun | null): SlurmStatus {
  const wd = g.pipeline.workdir;
  const r = runRecord ?? readLastRun(wd);
  if (!r) return { run: null, source: 'none', note: 'no Slurm run recorded in this workdir', jobs: [] };
  const ids = r.groups.map((x) => x.slurmJobId);
  const states = new Map<string, { state: string; detail: string }>();
  let source: SlurmStatus['source'] = 'sacct';
  let note: string | null = null;
  const acct = run('sacct', ['-n', '-P', '-j', ids.join(','), '--format=JobID,State,ExitCode']);
  if (acct.code === 0 && acct.stdout.trim()) {
    for (const line of acct.stdout.trim().split('\n')) {
      const [jid, state, exit] = line.split('|');
      if (!jid || jid.includes('.')) continue;
      states.set(jid, { state: state.split(' ')[0], detail: exit && exit !== '0:0' ? `exit ${exit}` : '' });
    }
  } else {
    source = 'squeue+exit-files';
    note = `sacct gave no answer (${(acct.stderr || acct.stdout).trim().split('\n')[0] || 'no accounting'}); states are from squeue and, for jobs it no longer lists, from the jobs' exit files`;
    const sq = run('squeue', ['-a', '-h', '-r', '-t', 'all', '-o', '%i|%T|%r']);
    if (sq.code === 0) {
      for (const line of sq.stdout.trim().split('\n')) {
        const [jid, state, reason] = line.split('|');
        if (jid) states.set(jid, { state, detail: reason && reason !== 'None' ? reason : '' });
      }
    } else note += `; squeue failed too: ${sq.stderr.trim()}`;
  }
  const jobs: SlurmJobStatus[] = [];
  for (const grp of r.groups) {
    for (const [index, job] of Object.entries(grp.tasks)) {
      const sid = grp.array ? `${grp.slurmJobId}_${index}` : grp.slurmJobId;
      const logPath = grp.log.replace('%A', grp.slurmJobId).replace('%a', index).replace('%j', grp.slurmJobId);
      // a pending array is one line for all its tasks: 12_[0-5] (sacct; squeue -r expands it)
      let s = states.get(sid) ?? [...states].find(([k]) => grp.array && k.startsWith(`${grp.slurmJobId}_[`))?.[1];
      const exit = readExit(wd, job);
      const exitHere = exit && exit.slurmJobId === sid ? exit : null;
      if (!s && exitHere) s = { state: exitHere.code === 0 ? 'COMPLETED' : 'FAILED', detail: exitHere.code === 0 ? '' : `exit ${exitHere.code}` };
      if (!s) s = { state: 'UNKNOWN', detail: 'no longer listed by squeue and no exit file: cancelled before it started, or the node lost it' };
      if (s.state === 'FAILED' && exitHere?.error) s = { state: s.state, detail: `${s.detail ? s.detail + ': ' : ''}${exitHere.error.split('\n').slice(-2).join(' | ')}` };
      jobs.push({ job, slurmId: sid, state: s.state, detail: s.detail, log: fs.existsSync(logFile(wd, job)) ? logFile(wd, job) : logPath });
    }
  }
  // cancelled because of a failure upstream: name it
  const failed = jobs.filter((j) => j.state === 'FAILED' || j.state === 'TIMEOUT' || j.state === 'OUT_OF_MEMORY' || j.state === 'NODE_FAIL').map((j) => j.job);
  for (const j of jobs) {
    if (j.state !== 'CANCELLED' || failed.length === 0) continue;
    const up = upstreamOf(g, j.job).filter((u) => failed.includes(u));
    if (up.length) j.detail = `${j.detail ? j.detail + ': ' : ''}not run because ${up.join(', ')} failed`;
  }
  return { run: r, source, note, jobs };
}

function upstreamOf(g: Graph, id: string): string[] {
  const seen = new Set<string>();
  const stack = [...(g.byId.get(id)?.deps ?? [])];
  while (stack.length) {
    const d = stack.pop()!;
    if (seen.has(d)) continue;
    seen.add(d);
    stack.push(...(g.byId.get(d)?.deps ?? []));
  }
  return [...seen];
}

function cancelIds(ids: string[]): { code: number; stderr: string } {
  return run('scancel', ids);
}

/** Cancel the last run's jobs that are still queued or running. */
export function cancelSlurm(g: Graph): { cancelled: SlurmJobStatus[]; runId: string | null } {
  const st = slurmStatus(g);
  if (!st.run) return { cancelled: [], runId: null };
  const active = st.jobs.filter((j) => ACTIVE.has(j.state));
  if (active.length) {
    const r = cancelIds([...new Set(active.map((j) => j.slurmId))]);
    if (r.code !== 0) throw new UserError(`scancel failed: ${r.stderr.trim()}. Fix: check that you own the jobs (squeue --me)`);
  }
  return { cancelled: active, runId: st.run.runId };
}

/** Poll until no job of the last run is queued or running. */
export async function waitSlurm(g: Graph, opts: { intervalMs?: number; timeoutMs?: number } = {}): Promise<SlurmStatus> {
  const t0 = Date.now();
  for (;;) {
    const st = slurmStatus(g);
    if (!st.jobs.some((j) => ACTIVE.has(j.state))) return st;
    if (opts.timeoutMs && Date.now() - t0 > opts.timeoutMs) return st;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 2000));
  }
}

export function isActive(state: string): boolean {
  return ACTIVE.has(state);
}

export function formatStatus(st: SlurmStatus): string {
  if (!st.run) return st.note ?? 'no Slurm run';
  const w = Math.max(...st.jobs.map((j) => j.job.length), 3);
  const lines = [`run ${st.run.runId} (submitted ${st.run.submitted}); states from ${st.source}${st.note ? `\nnote: ${st.note}` : ''}`];
  for (const j of st.jobs) lines.push(`${j.job.padEnd(w)}  ${j.slurmId.padEnd(10)}  ${j.state.padEnd(10)}  ${j.detail}`);
  const counts = new Map<string, number>();
  for (const j of st.jobs) counts.set(j.state, (counts.get(j.state) ?? 0) + 1);
  lines.push([...counts].map(([k, v]) => `${v} ${k.toLowerCase()}`).join(', '));
  return lines.join('\n');
}

export type { Job };
