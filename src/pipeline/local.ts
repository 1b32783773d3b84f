/**
 * The local executor: runs the jobs that are not up to date, N at a time, each after its dependencies. A failed
 * job stops the jobs that depend on it (they are reported with the failure that stopped them); independent
 * jobs go on. Killed and run again, it starts over from the plan: finished jobs are up to date, an interrupted
 * training resumes from its checkpoint.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../runtime/errors';
import { writeFileAtomic } from '../runtime/atomic';
import { dependantsOf, type Graph } from './graph';
import { execJob, type ExitRecord } from './exec';
import { planGraph, stateDir } from './state';

export interface LocalRunResult {
  ran: string[];
  succeeded: string[];
  failed: Array<{ job: string; error: string; log: string }>;
  /** Jobs not run because a job they depend on failed, and which. */
  blocked: Array<{ job: string; because: string[] }>;
  upToDate: string[];
}

export interface LocalRunOptions {
  jobs?: number;
  log?: (line: string) => void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // a killed run its parent has not reaped yet is a zombie: not running
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** One local run per workdir at a time. */
function lock(wd: string): () => void {
  const file = path.join(stateDir(wd), 'local.lock');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    const pid = Number(fs.readFileSync(file, 'utf8'));
    if (pid && pid !== process.pid && alive(pid)) throw new UserError(`${file}: another \`pipeline run\` (pid ${pid}) is running in this workdir. Fix: wait for it, or stop it (kill ${pid}) and run again`);
  } catch (err) {
    if (err instanceof UserError) throw err;
  }
  writeFileAtomic(file, String(process.pid));
  return () => fs.rmSync(file, { force: true });
}

export async function runLocal(g: Graph, opts: LocalRunOptions = {}): Promise<LocalRunResult> {
  const n = Math.max(1, opts.jobs ?? 1);
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const wd = g.pipeline.workdir;
  const unlock = lock(wd);
  const children = new Set<ChildProcess>();
  const onSignal = (sig: NodeJS.Signals) => {
    for (const c of children) c.kill(sig);
    unlock();
    log(`pipeline: stopped by ${sig}; run the same command again to resume`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const plan = await planGraph(g);
    const result: LocalRunResult = { ran: [], succeeded: [], failed: [], blocked: [], upToDate: [] };
    const todo = new Set<string>();
    for (const p of plan) {
      if (p.state === 'done') result.upToDate.push(p.job.id);
      else todo.add(p.job.id);
    }
    log(`pipeline: ${todo.size} of ${plan.length} jobs to run, ${n} at a time (${result.upToDate.length} up to date)`);
    const finished = new Set<string>(result.upToDate);
    const failedIds = new Set<string>();
    const blockedBy = new Map<string, Set<string>>();
    const running = new Map<string, Promise<ExitRecord>>();
    const total = todo.size;
    let count = 0;
    const ready = () => g.jobs.filter((j) => todo.has(j.id) && !running.has(j.id) && j.deps.every((d) => finished.has(d)));
    while (todo.size > 0 || running.size > 0) {
      for (const job of ready()) {
        if (running.size >= n) break;
        const runArgs = job.argv.slice(0, 2).join(' ');
        log(`[${++count}/${total}] ${job.id}: cefrlab ${runArgs} ...`);
        result.ran.push(job.id);
        running.set(job.id, execJob(g, job, { onSpawn: (c) => { children.add(c); c.on('exit', () => children.delete(c)); } }));
      }
      if (running.size === 0) break; // nothing can start: the rest is blocked
      const done = await Promise.race([...running.entries()].map(([id, pr]) => pr.then((r) => [id, r] as const)));
      const [id, rec] = done;
      running.delete(id);
      todo.delete(id);
      if (rec.code === 0) {
        finished.add(id);
        result.succeeded.push(id);
        log(`  done ${id}`);
      } else {
        failedIds.add(id);
        result.failed.push({ job: id, error: rec.error ?? `exit code ${rec.code}`, log: path.join(wd, rec.log) });
        const stopped = dependantsOf(g, [id]).filter((d) => todo.has(d));
        for (const d of stopped) {
          todo.delete(d);
          if (!blockedBy.has(d)) blockedBy.set(d, new Set());
          blockedBy.get(d)!.add(id);
        }
        log(`  FAILED ${id}: ${rec.error}\n  log: ${path.join(wd, rec.log)}${stopped.length ? `\n  not run because of it: ${stopped.join(', ')}` : ''}`);
      }
    }
    // dependants of several failures: name every failed job they wait for
    for (const [job] of blockedBy) {
      const because = g.byId.get(job)!.deps.length ? [...failedIds].filter((f) => dependantsOf(g, [f]).includes(job)) : [];
      result.blocked.push({ job, because });
    }
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    unlock();
  }
}

export function formatLocalResult(r: LocalRunResult): string {
  const lines = [`ran ${r.ran.length} jobs: ${r.succeeded.length} succeeded, ${r.failed.length} failed, ${r.blocked.length} not run because of a failure; ${r.upToDate.length} were up to date`];
  for (const f of r.failed) lines.push(`failed: ${f.job}: ${f.error.split('\n').join('\n    ')}\n    log: ${f.log}`);
  for (const b of r.blocked) lines.push(`not run: ${b.job} (it needs ${b.because.join(', ')}, which failed)`);
  return lines.join('\n');
}
