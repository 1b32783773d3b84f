/**
 * Run one job: the `cefrlab` command line of the job, in the workdir, its output in `.pipeline/logs/<job>.log`;
 * then, when it succeeded, its stamp; in every case its exit file (`.pipeline/exit/<job>.json`). Both executors
 * run jobs through here (Slurm batch scripts call `cefrlab pipeline exec`), so their outputs are the same.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeJsonAtomic } from '../runtime/atomic';
import { projectRoot } from '../runtime/paths';
import { shellQuote, type Graph, type Job } from './graph';
import { exitFile, jobKey, logFile, manifestDisagreement, readStamp, stampFile, writeStamp } from './state';

export interface ExitRecord {
  job: string;
  code: number | null;
  signal: string | null;
  started: string;
  finished: string;
  host: string;
  slurmJobId: string | null;
  log: string;
  /** Why it failed, when it did (the last lines of its log, or what the pipeline found). */
  error: string | null;
}

export const cefrlabBin = path.join(projectRoot, 'bin', 'cefrlab.js');

/** The arguments actually run: a finished but out-of-date model is trained again from scratch (`--restart`). */
export function runArgv(g: Graph, job: Job): string[] {
  if (job.outputKind !== 'train') return job.argv;
  try {
    const m = JSON.parse(fs.readFileSync(path.join(g.pipeline.workdir, job.output, 'manifest.json'), 'utf8')) as { result?: unknown };
    if (m.result) return [...job.argv, '--restart'];
  } catch {
    /* no manifest: a fresh run, or resume of an interrupted one */
  }
  return job.argv;
}

/** Why a command failed, from its log: its `cefrlab: ...` error line when it printed one, else the last lines. */
function failureText(file: string, lines = 6): string {
  try {
    const all = fs.readFileSync(file, 'utf8').replace(/\r/g, '\n').split('\n').map((l) => l.trimEnd()).filter((l) => l && !l.startsWith('# '));
    const err = all.findIndex((l) => l.startsWith('cefrlab: '));
    if (err >= 0) return all.slice(err, err + 3).join('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export interface ExecOptions {
  /** Called with the child process (the local executor kills children on Ctrl-C). */
  onSpawn?: (child: ChildProcess) => void;
  /** Extra environment of the command. */
  env?: NodeJS.ProcessEnv;
}

/** Run `job`; resolves to its exit record (code 0 = success and stamped). */
export async function execJob(g: Graph, job: Job, opts: ExecOptions = {}): Promise<ExitRecord> {
  const wd = g.pipeline.workdir;
  const started = new Date().toISOString();
  const log = logFile(wd, job.id);
  fs.mkdirSync(path.dirname(log), { recursive: true });
  fs.mkdirSync(wd, { recursive: true });
  fs.rmSync(stampFile(wd, job.id), { force: true }); // running again: not done until it succeeds
  fs.rmSync(exitFile(wd, job.id), { force: true });
  const stamps = (id: string) => readStamp(wd, id);
  const record = (code: number | null, signal: string | null, error: string | null): ExitRecord => {
    const r: ExitRecord = {
      job: job.id, code, signal, started, finished: new Date().toISOString(), host: os.hostname(),
      slurmJobId: process.env.SLURM_ARRAY_JOB_ID ? `${process.env.SLURM_ARRAY_JOB_ID}_${process.env.SLURM_ARRAY_TASK_ID}` : (process.env.SLURM_JOB_ID ?? null),
      log: path.relative(wd, log), error,
    };
    writeJsonAtomic(exitFile(wd, job.id), r);
    return r;
  };
  const key = await jobKey(g, job, stamps);
  if (key === null) {
    const missing = job.deps.filter((d) => !stamps(d));
    fs.writeFileSync(log, `not run: ${missing.length ? `${missing.join(', ')} not done` : 'the CSV is missing'}\n`);
    return record(1, null, missing.length ? `its inputs are not ready: ${missing.join(', ')} not done` : `${g.pipeline.csv} not found`);
  }
  const argv = runArgv(g, job);
  const fd = fs.openSync(log, 'w');
  fs.writeSync(fd, `# ${started} ${os.hostname()} in ${wd}\n# cefrlab ${shellQuote(argv)}\n`);
  const code = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    const child = spawn(process.execPath, [cefrlabBin, ...argv], {
      cwd: wd,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...opts.env},
    });
    opts.onSpawn?.(child);
    child.on('error', (err) => {
      fs.writeSync(fd, `cannot start: ${err.message}\n`);
      resolve({ code: 127, signal: null });
    });
    child.on('exit', (c, s) => resolve({ code: c, signal: s }));
  });
  fs.closeSync(fd);
  if (code.code !== 0) {
    return record(code.code, code.signal, code.signal ? `killed by ${code.signal}` : `exit code ${code.code}: ${failureText(log) || '(no output)'}`);
  }
  const wrong = await manifestDisagreement(g, job, stamps);
  if (wrong) {
    fs.appendFileSync(log, `pipeline: the command succeeded but ${wrong}\n`);
    return record(1, null, `the command succeeded but ${wrong}`);
  }
  await writeStamp(g, job, key);
  return record(0, null, null);
}
