/** `pipeline plan`: the jobs, their dependencies, what is up to date, and what Slurm would be given. */
import * as path from 'node:path';
import { shellQuote, type Graph } from './graph';
import { STEP_NAMES } from './schema';
import type { JobPlan } from './state';
import { resourceArgs } from './slurm';

/** Shorten id lists: train.all, train.A1, ... -> train.{all,A1,...}; examples.A1.x, examples.A1.y -> examples.A1.{x,y}. */
export function compactIds(ids: string[], datasets: string[]): string {
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const parts = id.split('.');
    let key: string;
    let member: string;
    if (parts.length === 2 && datasets.includes(parts[1])) {
      key = `${parts[0]}.{}`;
      member = parts[1];
    } else if (parts.length === 3) {
      key = `${parts[0]}.${parts[1]}.{}`;
      member = parts[2];
    } else {
      key = id;
      member = '';
    }
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(member);
  }
  // examples.X.{sets} with the same sets for every dataset -> examples.{datasets}.{sets}
  const out: string[] = [];
  const merged = new Map<string, string[]>();
  for (const [key, members] of groups) {
    const m = /^examples\.([^.]+)\.\{\}$/.exec(key);
    if (m) {
      const sig = members.join(',');
      if (!merged.has(sig)) merged.set(sig, []);
      merged.get(sig)!.push(m[1]);
    } else out.push(members[0] === '' ? key : key.replace('{}', members.length === 1 ? members[0] : `{${members.join(',')}}`));
  }
  for (const [sig, ds] of merged) {
    const sets = sig.split(',');
    out.push(`examples.${ds.length === 1 ? ds[0] : `{${ds.join(',')}}`}.${sets.length === 1 ? sets[0] : `{${sig}}`}`);
  }
  return out.join(' ');
}

function stateText(p: JobPlan): string {
  if (p.state === 'done') return 'up to date';
  if (p.state === 'after') return 'runs (after its inputs)';
  if (p.state === 'resume') return `resumes: ${p.reason}`;
  return `runs: ${p.reason}`;
}

export function formatPlan(g: Graph, plans: JobPlan[], opts: { commands?: boolean; cwd?: string } = {}): string {
  const p = g.pipeline;
  const cwd = opts.cwd ?? process.cwd();
  const show = (f: string) => {
    const r = path.relative(cwd, f);
    return r === '' ? '.' : r.startsWith('..') || path.isAbsolute(r) ? f : r;
  };
  const done = plans.filter((x) => x.state === 'done').length;
  const lines: string[] = [];
  lines.push(`pipeline ${show(p.file)}: ${plans.length} jobs, ${done} up to date, ${plans.length - done} to run`);
  lines.push(`csv ${show(p.csv)}; workdir ${show(p.workdir)}; datasets ${p.datasets.join(', ')}`);
  lines.push('');
  const rows = plans.map((x) => [x.job.id, x.job.deps.length ? compactIds(x.job.deps, p.datasets) : '-', stateText(x)]);
  const w0 = Math.max(3, ...rows.map((r) => r[0].length));
  const w1 = Math.min(60, Math.max(10, ...rows.map((r) => r[1].length)));
  lines.push(`${'job'.padEnd(w0)}  ${'depends on'.padEnd(w1)}  state`);
  plans.forEach((x, i) => {
    const r = rows[i];
    lines.push(`${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
    if (opts.commands) lines.push(`${' '.repeat(w0 + 2)}cefrlab ${shellQuote(x.job.argv)}`);
  });
  lines.push('');
  lines.push('with --executor slurm, one sbatch per step (jobs not up to date only):');
  const depsOfStep = new Map<string, Set<string>>();
  for (const j of g.jobs) {
    const s = depsOfStep.get(j.step) ?? new Set<string>();
    for (const d of j.deps) s.add(g.byId.get(d)!.step);
    depsOfStep.set(j.step, s);
  }
  for (const step of STEP_NAMES) {
    const jobs = g.jobs.filter((j) => j.step === step);
    if (!jobs.length) continue;
    const todo = plans.filter((x) => x.job.step === step && x.state !== 'done').length;
    const kind = step === 'compare' || step === 'ilm-eval' ? 'job' : `array of ${jobs.length}`;
    const deps = [...(depsOfStep.get(step) ?? [])];
    lines.push(`  ${step.padEnd(9)} ${kind.padEnd(12)} ${(deps.length ? `afterok:${deps.join(',')}` : '').padEnd(27)} ${resourceArgs(jobs[0].resources).join(' ')}${todo < jobs.length ? `  (${todo} to run)` : ''}`);
  }
  return lines.join('\n');
}
