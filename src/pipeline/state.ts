/**
 * Which jobs are up to date. Decided from content, never from file times:
 *  - when a job succeeds, a stamp (`.pipeline/done/<job>.json` in the workdir) records its key (a hash of its
 *    command line and of its inputs' digests) and the SHA-256 of the output's manifest.json (or result files);
 *  - a job is up to date when its stamp's key equals the key computed now, its output still has the recorded
 *    manifest, and the manifest itself agrees: prepare's `input.sha256` is the CSV's hash, an example set's
 *    `inputs` hash is its split file's hash in prepare's manifest, a model's `data.train.files` hashes are the
 *    example stores' hashes and its `result` says training finished.
 * Upstream jobs that run again change their digest, so everything after them runs again too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256, sha256File } from '../runtime/hash';
import { writeJsonAtomic } from '../runtime/atomic';
import type { Graph, Job } from './graph';

export interface Stamp {
  job: string;
  key: string;
  argv: string[];
  finished: string;
  /** SHA-256 of the output's manifest.json (directories) or null (result files). */
  manifestSha256: string | null;
  /** Hashes of output files worth naming (example store, result files), relative to the output. */
  files: Record<string, string>;
  /** What downstream keys include. */
  digest: string;
}

export type JobState = 'done' | 'run' | 'resume' | 'after';

export interface JobPlan {
  job: Job;
  state: JobState;
  /** Why it runs (empty when done). */
  reason: string;
}

export const stateDir = (workdir: string) => path.join(workdir, '.pipeline');
export const stampFile = (workdir: string, id: string) => path.join(stateDir(workdir), 'done', `${id}.json`);
export const exitFile = (workdir: string, id: string) => path.join(stateDir(workdir), 'exit', `${id}.json`);
export const logFile = (workdir: string, id: string) => path.join(stateDir(workdir), 'logs', `${id}.log`);

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

export function readStamp(workdir: string, id: string): Stamp | null {
  return readJson<Stamp>(stampFile(workdir, id));
}

const csvHashes = new Map<string, Promise<string | null>>();
/** SHA-256 of an external input (the CSV), once per process. */
export function externalHash(file: string): Promise<string | null> {
  let h = csvHashes.get(file);
  if (!h) {
    h = fs.existsSync(file) ? sha256File(file) : Promise.resolve(null);
    csvHashes.set(file, h);
  }
  return h;
}
/** Forget cached CSV hashes (the CSV may change between plans in one process). */
export function clearHashCache(): void {
  csvHashes.clear();
}

/** The key of a job: its command line and the digests of what it reads. Null if an upstream stamp is missing. */
export async function jobKey(g: Graph, job: Job, stamps: (id: string) => Stamp | null): Promise<string | null> {
  const inputs: Record<string, string> = {};
  for (const d of job.deps) {
    const s = stamps(d);
    if (!s) return null;
    inputs[d] = s.digest;
  }
  if (job.step === 'prepare') {
    const h = await externalHash(g.pipeline.csv);
    if (!h) return null;
    inputs.csv = h;
  }
  return sha256(JSON.stringify({ argv: job.argv, inputs }));
}

function manifestOf(workdir: string, job: Job): { text: string; json: Record<string, unknown> } | null {
  if (job.outputKind === 'file') return null;
  try {
    const text = fs.readFileSync(path.join(workdir, job.output, 'manifest.json'), 'utf8');
    return { text, json: JSON.parse(text) as Record<string, unknown> };
  } catch {
    return null;
  }
}

/**
 * What the output's own manifest says against its inputs; null when it agrees, else the reason it does not.
 * `stamps` gives upstream stamps (their recorded store hashes).
 */
export async function manifestDisagreement(g: Graph, job: Job, stamps: (id: string) => Stamp | null): Promise<string | null> {
  const wd = g.pipeline.workdir;
  if (job.outputKind === 'file') {
    for (const f of job.files) if (!fs.existsSync(path.join(wd, f))) return `${f} is missing`;
    return null;
  }
  const m = manifestOf(wd, job);
  if (!m) return `${job.output}/manifest.json is missing`;
  const j = m.json as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (job.outputKind === 'prepare') {
    const h = await externalHash(g.pipeline.csv);
    if (j.kind !== 'cefrlab.prepare') return `${job.output} is not a prepare output`;
    if (j.input?.sha256 !== h) return `the CSV changed (manifest input sha256 ${String(j.input?.sha256).slice(0, 12)}, now ${String(h).slice(0, 12)})`;
    return null;
  }
  if (job.outputKind === 'examples') {
    if (!fs.existsSync(path.join(wd, job.output, 'examples.bin'))) return `${job.output}/examples.bin is missing`;
    const split = job.argv[1];
    const prep = manifestOf(wd, g.byId.get(`prepare.${job.dataset}`)!);
    const want = (prep?.json as any)?.splits?.[split]?.sha256; // eslint-disable-line @typescript-eslint/no-explicit-any
    const got = Object.values((j.inputs ?? {}) as Record<string, string>)[0];
    if (!want || got !== want) return `built from another ${split}.txt (manifest input ${String(got).slice(0, 12)}, prepare's ${String(want).slice(0, 12)})`;
    return null;
  }
  // train
  if (!j.result) return 'training did not finish';
  const files = ((j.data?.train?.files ?? []) as Array<{ sha256: string }>).map((f) => f.sha256);
  const want = job.deps.map((d) => stamps(d)?.files['examples.bin']).filter(Boolean);
  const trainDep = job.deps.find((d) => d.endsWith(`.${String(optionValue(job, 'train-tag') ?? 'train')}`));
  const trainHash = trainDep ? stamps(trainDep)?.files['examples.bin'] : undefined;
  if (trainHash && !files.includes(trainHash)) return 'trained on other examples than the current store';
  if (want.length === 0) return 'no example store recorded';
  return null;
}

function optionValue(job: Job, name: string): string | undefined {
  const i = job.argv.indexOf(`--${name}`);
  return i >= 0 ? job.argv[i + 1] : undefined;
}

/** Hash what a finished job made and write its stamp. */
export async function writeStamp(g: Graph, job: Job, key: string): Promise<Stamp> {
  const wd = g.pipeline.workdir;
  const files: Record<string, string> = {};
  let manifestSha256: string | null = null;
  if (job.outputKind === 'file') {
    for (const f of job.files) files[f] = await sha256File(path.join(wd, f));
  } else {
    manifestSha256 = sha256(fs.readFileSync(path.join(wd, job.output, 'manifest.json')));
    if (job.outputKind === 'examples') files['examples.bin'] = await sha256File(path.join(wd, job.output, 'examples.bin'));
  }
  const stamp: Stamp = {
    job: job.id, key, argv: job.argv, finished: new Date().toISOString(), manifestSha256, files,
    digest: sha256(JSON.stringify({ manifestSha256, files })),
  };
  writeJsonAtomic(stampFile(wd, job.id), stamp);
  return stamp;
}

/** Is the job's recorded output still what its stamp says? */
function outputMatchesStamp(wd: string, job: Job, stamp: Stamp): string | null {
  if (job.outputKind === 'file') {
    for (const f of job.files) {
      const file = path.join(wd, f);
      if (!fs.existsSync(file)) return `${f} is missing`;
      if (stamp.files[f] !== sha256(fs.readFileSync(file))) return `${f} changed since the pipeline wrote it`;
    }
    return null;
  }
  const m = path.join(wd, job.output, 'manifest.json');
  if (!fs.existsSync(m)) return `${job.output}/manifest.json is missing`;
  if (sha256(fs.readFileSync(m)) !== stamp.manifestSha256) return `${job.output} was rewritten outside the pipeline (its manifest changed)`;
  return null;
}

function optionPairs(argv: string[]): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  for (const a of argv) {
    if (a.startsWith('--')) {
      if (cur !== null) out.push(cur);
      cur = a;
    } else if (cur !== null) cur += ` ${a}`;
    else out.push(a);
  }
  if (cur !== null) out.push(cur);
  return out;
}

function describeArgvChange(before: string[], now: string[]): string {
  const b = optionPairs(before);
  const n = optionPairs(now);
  const added = n.filter((a) => !b.includes(a));
  const removed = b.filter((a) => !n.includes(a));
  const parts = [];
  if (added.length) parts.push(`now ${added.join(' ')}`);
  if (removed.length) parts.push(`was ${removed.join(' ')}`);
  return parts.length ? `options changed (${parts.join('; ')})` : 'options changed';
}

/** The plan: every job with its state and reason, in graph order. */
export async function planGraph(g: Graph): Promise<JobPlan[]> {
  const wd = g.pipeline.workdir;
  const current = new Map<string, Stamp>();
  const plans: JobPlan[] = [];
  const stateOf = new Map<string, JobState>();
  for (const job of g.jobs) {
    const waiting = job.deps.filter((d) => stateOf.get(d) !== 'done');
    const stamp = readStamp(wd, job.id);
    let state: JobState = 'run';
    let reason = '';
    if (waiting.length) {
      state = 'after';
      reason = `after ${waiting.join(', ')}`;
    } else if (!stamp) {
      reason = 'not run yet';
    } else {
      const key = await jobKey(g, job, (id) => current.get(id) ?? null);
      if (key !== stamp.key) {
        reason = JSON.stringify(stamp.argv) !== JSON.stringify(job.argv) ? describeArgvChange(stamp.argv, job.argv) : job.step === 'prepare' ? 'the CSV changed' : 'an input changed';
      } else {
        reason = outputMatchesStamp(wd, job, stamp) ?? (await manifestDisagreement(g, job, (id) => current.get(id) ?? null)) ?? '';
        if (!reason) state = 'done';
      }
    }
    if (state !== 'done' && job.outputKind === 'train') {
      const ck = path.join(wd, job.output, 'checkpoints', 'last');
      const m = manifestOf(wd, job)?.json as { result?: unknown } | undefined;
      if (fs.existsSync(ck) && m && !m.result && state !== 'after') {
        state = 'resume';
        reason = `resumes from ${job.output}/checkpoints/last (${reason || 'interrupted'})`;
      }
    }
    if (state === 'done') current.set(job.id, stamp!);
    stateOf.set(job.id, state);
    plans.push({ job, state, reason });
  }
  return plans;
}

/** Read all current stamps (for exec: upstream digests). */
export function stampsOf(wd: string): (id: string) => Stamp | null {
  return (id) => readStamp(wd, id);
}
