/**
 * The job graph of a pipeline: one job per `cefrlab` command line, with its dependencies, its output and its
 * Slurm resources. Paths in the command lines are relative to the pipeline's workdir (jobs run there), so the
 * same pipeline in another workdir makes byte-identical outputs.
 */
import type { OptionMap, Pipeline, Resources, StepName } from './schema';

export type OutputKind = 'prepare' | 'examples' | 'train' | 'file';

export interface Job {
  /** e.g. prepare.A1, examples.A1.test-word, train.all, eval.B1, compare, ilm-eval */
  id: string;
  step: StepName;
  dataset: string | null;
  /** Arguments of `cefrlab` (the command first). */
  argv: string[];
  /** Ids of the jobs whose outputs this one reads. */
  deps: string[];
  /** The output, relative to the workdir: a directory with manifest.json, or result files. */
  output: string;
  outputKind: OutputKind;
  /** Result files (relative to the workdir) for outputKind 'file'. */
  files: string[];
  /** Slurm resources: step resources over slurm.defaults. */
  resources: Resources;
}

export interface Graph {
  pipeline: Pipeline;
  jobs: Job[];
  byId: Map<string, Job>;
}

/** Options as command-line arguments, keys sorted so the same options always give the same command. */
export function optionArgs(options: OptionMap): string[] {
  const out: string[] = [];
  for (const key of Object.keys(options).sort()) {
    const v = options[key];
    if (v === true) out.push(`--${key}`);
    else if (v === false) continue;
    else if (Array.isArray(v)) out.push(`--${key}`, ...v.map(String));
    else out.push(`--${key}`, String(v));
  }
  return out;
}

function merge(...maps: Array<OptionMap | undefined>): OptionMap {
  return Object.assign({}, ...maps.filter(Boolean));
}

function resources(p: Pipeline, step: Resources): Resources {
  return { ...p.slurm.defaults, ...step, sbatch: [...(p.slurm.defaults.sbatch ?? []), ...(step.sbatch ?? [])] };
}

export const dataDir = (ds: string) => `data/${ds}`;
export const examplesDir = (ds: string) => `examples/${ds}`;
export const modelDir = (ds: string) => `models/${ds}`;

/** Expand a pipeline into its jobs, in an order where every job comes after its dependencies. */
export function buildGraph(p: Pipeline): Graph {
  const jobs: Job[] = [];
  const s = p.steps;
  for (const ds of p.datasets) {
    const opts = merge(s.prepare.options, s.prepare.datasets[ds]);
    jobs.push({
      id: `prepare.${ds}`, step: 'prepare', dataset: ds,
      argv: ['prepare', '--csv', p.csv, '--out', dataDir(ds), ...(ds === 'all' ? [] : ['--cefr-level', ds]), ...optionArgs(opts)],
      deps: [], output: dataDir(ds), outputKind: 'prepare', files: [], resources: resources(p, s.prepare.resources),
    });
  }
  for (const ds of p.datasets) {
    for (const [name, set] of Object.entries(s.examples.sets)) {
      const opts = merge(s.examples.options, set.options);
      jobs.push({
        id: `examples.${ds}.${name}`, step: 'examples', dataset: ds,
        argv: ['examples', set.split, dataDir(ds), examplesDir(ds), ...(name === set.split ? [] : ['--name', name]), ...optionArgs(opts)],
        deps: [`prepare.${ds}`], output: `${examplesDir(ds)}/${name}`, outputKind: 'examples', files: [], resources: resources(p, s.examples.resources),
      });
    }
  }
  const trainOpts = (ds: string) => merge(s.train.options, s.train.datasets[ds]);
  for (const ds of p.datasets) {
    const o = trainOpts(ds);
    const tags = [String(o['train-tag'] ?? 'train'), ...(o.eval === false || o['no-eval'] === true ? [] : [String(o['eval-tag'] ?? 'valid')])];
    jobs.push({
      id: `train.${ds}`, step: 'train', dataset: ds,
      argv: ['train', modelDir(ds), examplesDir(ds), ...optionArgs(o)],
      deps: [...new Set(tags)].filter((t) => s.examples.sets[t]).map((t) => `examples.${ds}.${t}`),
      output: modelDir(ds), outputKind: 'train', files: [], resources: resources(p, s.train.resources),
    });
  }
  /** The example sets read when evaluating on `tag`: that set and the single-type sets of the same split. */
  const setsOfSplitOf = (tag: string) => {
    const split = s.examples.sets[tag]?.split ?? 'test';
    return Object.entries(s.examples.sets).filter(([, v]) => v.split === split).map(([k]) => k);
  };
  if (s.eval) {
    for (const ds of p.datasets) {
      const o = merge(s.eval.options, s.eval.datasets[ds]);
      const file = `results/eval/${ds}.json`;
      jobs.push({
        id: `eval.${ds}`, step: 'eval', dataset: ds,
        argv: ['eval', modelDir(ds), examplesDir(ds), '--out', file, ...optionArgs(o)],
        deps: [`train.${ds}`, ...setsOfSplitOf(String(o.tag ?? 'test')).map((t) => `examples.${ds}.${t}`)],
        output: file, outputKind: 'file', files: [file], resources: resources(p, s.eval.resources),
      });
    }
  }
  if (s.compare) {
    const tag = String(s.compare.options.tag ?? 'test');
    const file = 'results/compare.json';
    jobs.push({
      id: 'compare', step: 'compare', dataset: null,
      argv: ['compare', '--models', ...p.datasets.map(modelDir), '--tests', ...p.datasets.map(examplesDir), '--out', file, ...optionArgs(s.compare.options)],
      deps: [...p.datasets.map((ds) => `train.${ds}`), ...p.datasets.filter(() => s.examples.sets[tag]).map((ds) => `examples.${ds}.${tag}`)],
      output: file, outputKind: 'file', files: [file, 'results/compare.html'], resources: resources(p, s.compare.resources),
    });
  }
  if (s.ilmEval) {
    const file = 'results/ilm-eval.json';
    jobs.push({
      id: 'ilm-eval', step: 'ilm-eval', dataset: null,
      argv: ['ilm-eval', '--input', dataDir(s.ilmEval.dataset), '--split', s.ilmEval.split, '--models', ...p.datasets.map((ds) => `ilm:${modelDir(ds)}`), '--output', file, ...optionArgs(s.ilmEval.options)],
      deps: [`prepare.${s.ilmEval.dataset}`, ...p.datasets.map((ds) => `train.${ds}`)],
      output: file, outputKind: 'file', files: [file], resources: resources(p, s.ilmEval.resources),
    });
  }
  return { pipeline: p, jobs, byId: new Map(jobs.map((j) => [j.id, j])) };
}

/** Every job that (transitively) depends on one of `ids`. */
export function dependantsOf(g: Graph, ids: Iterable<string>): string[] {
  const bad = new Set(ids);
  const out: string[] = [];
  for (const j of g.jobs) {
    if (bad.has(j.id)) continue;
    if (j.deps.some((d) => bad.has(d))) {
      bad.add(j.id);
      out.push(j.id);
    }
  }
  return out;
}

/** A command line as a shell would show it (for plans, logs and Slurm scripts). */
export function shellQuote(args: string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
