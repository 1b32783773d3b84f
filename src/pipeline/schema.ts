/**
 * The pipeline file (YAML or JSON; docs/pipeline.md): the input CSV, the levels, and the options and resources
 * of each step. `loadPipeline` reads and validates it; every error names the file, the line, the path inside
 * the file and the fix. Step options are the options of the `cefrlab` command the step runs, checked against
 * that command's own option list (so the file can only say what the command documents).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { Command, Option } from 'commander';
import { CEFR_LEVELS, type CefrLevel } from '../corpus/cefr';
import { UserError } from '../runtime/errors';

export type OptionValue = string | number | boolean | Array<string | number>;
export type OptionMap = Record<string, OptionValue>;
export type SplitName = 'train' | 'valid' | 'test';

/** Slurm resources of a step (all optional; missing ones fall back to `slurm.defaults`, then to the cluster's). */
export interface Resources {
  gpus?: number;
  cpus?: number;
  mem?: string;
  time?: string;
  partition?: string;
  account?: string;
  /** Further sbatch arguments, e.g. ["--constraint=v100"]. */
  sbatch?: string[];
}

export interface ExampleSet {
  split: SplitName;
  options: OptionMap;
}

export interface StepBase {
  options: OptionMap;
  resources: Resources;
}

export interface PerDatasetStep extends StepBase {
  /** Options for one dataset only, over `options` (e.g. `max-steps` per level). */
  datasets: Record<string, OptionMap>;
}

export interface Pipeline {
  /** Absolute path of the pipeline file. */
  file: string;
  version: 1;
  /** Absolute path of the learner CSV. */
  csv: string;
  /** Absolute path of the folder every output goes to. */
  workdir: string;
  general: boolean;
  levels: CefrLevel[];
  /** `all` (when general) then the levels: the datasets, one prepare, examples and model each. */
  datasets: string[];
  steps: {
    prepare: PerDatasetStep;
    examples: StepBase & { sets: Record<string, ExampleSet> };
    train: PerDatasetStep;
    eval: PerDatasetStep | null;
    compare: StepBase | null;
    ilmEval: (StepBase & { dataset: string; split: SplitName }) | null;
  };
  slurm: {
    defaults: Resources;
    /** Shell lines run at the start of every job (e.g. `module load nodejs`). */
    setup: string[];
    /** The node binary on the compute nodes (default: the one running `cefrlab pipeline run`). */
    node: string | null;
    /** Prefix of the Slurm job names. */
    name: string;
  };
}

/** The `cefrlab` command each step runs, and the options the pipeline sets itself (not allowed in the file). */
export const STEP_COMMANDS = {
  prepare: { command: 'prepare', reserved: ['csv', 'out', 'cefr-level'] },
  examples: { command: 'examples', reserved: ['name'] },
  train: { command: 'train', reserved: ['json'] },
  eval: { command: 'eval', reserved: ['out', 'json'] },
  compare: { command: 'compare', reserved: ['models', 'tests', 'out', 'json'] },
  'ilm-eval': { command: 'ilm-eval', reserved: ['input', 'split', 'models', 'output', 'json'] },
} as const;
export type StepName = keyof typeof STEP_COMMANDS;
export const STEP_NAMES = Object.keys(STEP_COMMANDS) as StepName[];

const TOP_KEYS = ['version', 'csv', 'workdir', 'general', 'levels', 'steps', 'slurm'];
const RESOURCE_KEYS = ['gpus', 'cpus', 'mem', 'time', 'partition', 'account', 'sbatch'];
const SPLITS: SplitName[] = ['train', 'valid', 'test'];
const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

type Path = Array<string | number>;

/** Collects problems with their place in the file; `fail()` throws them all as one UserError. */
class Problems {
  private readonly items: Array<{ line: number; text: string }> = [];
  get list(): string[] {
    return this.items.map((i) => i.text);
  }
  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}
  line(p: Path): number | null {
    for (let k = p.length; k >= 0; k--) {
      const node = this.doc.getIn(p.slice(0, k), true) as { range?: [number, number, number] } | undefined;
      if (node && node.range) return this.lines.linePos(node.range[0]).line;
      // a key without a usable node: find the pair to point at the key
      if (k > 0) {
        const parent = this.doc.getIn(p.slice(0, k - 1), true) as { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> } | undefined;
        const pair = parent?.items?.find((it) => it.key && it.key.value === p[k - 1]);
        if (pair?.key?.range) return this.lines.linePos(pair.key.range[0]).line;
      }
    }
    return null;
  }
  keyLine(p: Path): number | null {
    const parent = this.doc.getIn(p.slice(0, -1), true) as { items?: Array<{ key?: { value?: unknown; range?: [number, number, number] } }> } | undefined;
    const pair = parent?.items?.find((it) => it.key && it.key.value === p[p.length - 1]);
    if (pair?.key?.range) return this.lines.linePos(pair.key.range[0]).line;
    return this.line(p);
  }
  add(p: Path, problem: string, fix: string, atKey = false): void {
    const line = atKey ? this.keyLine(p) : this.line(p);
    const where = p.length ? p.map((s) => (typeof s === 'number' ? `[${s}]` : s)).join('.').replace(/\.\[/g, '[') : '(top level)';
    this.items.push({ line: line ?? 0, text: `${this.file}${line != null ? `:${line}` : ''}: ${where}: ${problem}. Fix: ${fix}` });
    this.items.sort((a, b) => a.line - b.line);
  }
  fail(): void {
    if (this.list.length) throw new UserError(this.list.length === 1 ? this.list[0] : `${this.list.length} problems in the pipeline file:\n  ${this.list.join('\n  ')}`);
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function closest(word: string, choices: readonly string[]): string | null {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
  };
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of choices) {
    const x = dist(word, c);
    if (x < bestD) {
      bestD = x;
      best = c;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function unknownKeys(pr: Problems, p: Path, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(value)) {
    if (allowed.includes(k)) continue;
    const near = closest(k, allowed);
    pr.add([...p, k], `unknown key "${k}"`, near ? `did you mean "${near}"? (allowed: ${allowed.join(', ')})` : `remove it; allowed here: ${allowed.join(', ')}`, true);
  }
}

/**
 * The commands of the cefrlab CLI, against which each step's options are checked: `buildProgram().commands`
 * (src/cli/main.ts), or `program.commands` inside an action. The caller hands them in, so that the pipeline reads
 * the one registry of commands without importing the CLI that runs it.
 */
export type CommandCatalog = readonly Command[];

/** The options that `cefrlab <command>` accepts (negations as `--no-x`). */
export function commandOptions(commands: CommandCatalog, command: string): Option[] {
  const c = commands.find((x) => x.name() === command);
  if (!c) throw new Error(`the cefrlab command "${command}" is missing`);
  return c.options as Option[];
}

function optionName(o: Option): string {
  return (o.long ?? '').replace(/^--/, '');
}

/** Check a step's `options` map against the command's documented options; returns the cleaned map. */
function checkOptions(pr: Problems, p: Path, value: unknown, step: StepName, cat: CommandCatalog): OptionMap {
  const out: OptionMap = {};
  if (value === undefined || value === null) return out;
  if (!isMap(value)) {
    pr.add(p, 'must be a map of option: value', `write e.g. "options: { seed: 0 }" (options of \`cefrlab ${STEP_COMMANDS[step].command}\`)`);
    return out;
  }
  const { command, reserved } = STEP_COMMANDS[step];
  const opts = commandOptions(cat, command);
  const names = opts.map(optionName).filter((n) => n !== 'help');
  for (const [rawKey, v] of Object.entries(value)) {
    const key = rawKey.replace(/^--?/, '');
    const at = [...p, rawKey];
    if ((reserved as readonly string[]).includes(key)) {
      pr.add(at, `--${key} is set by the pipeline itself`, `remove it (the pipeline chooses ${key === 'cefr-level' ? 'the level from `levels`' : 'paths and output formats'})`, true);
      continue;
    }
    let opt = opts.find((o) => optionName(o) === key);
    let negated = false;
    if (!opt && !key.startsWith('no-')) {
      opt = opts.find((o) => o.negate && optionName(o) === `no-${key}`);
      negated = opt !== undefined;
    }
    if (!opt) {
      const near = closest(key, names);
      pr.add(at, `\`cefrlab ${command}\` has no option --${key}`, near ? `did you mean "${near}"? See \`cefrlab ${command} --help\`` : `use one of: ${names.join(', ')} (see \`cefrlab ${command} --help\`)`, true);
      continue;
    }
    const takesValue = opt.required || opt.optional;
    if (!takesValue) {
      if (typeof v !== 'boolean') {
        pr.add(at, `--${optionName(opt)} is a flag, got ${JSON.stringify(v)}`, `write ${rawKey}: true (or false)`);
        continue;
      }
      if (opt.negate) {
        // eval: false -> --no-eval ; no-eval: true -> --no-eval
        out[optionName(opt)] = negated ? !v : v;
      } else out[key] = v;
      continue;
    }
    const values = Array.isArray(v) ? v : [v];
    if (Array.isArray(v) && !opt.variadic) {
      pr.add(at, `--${key} takes one value, got a list`, `give a single value`);
      continue;
    }
    let ok = true;
    for (const x of values) {
      if (typeof x !== 'string' && typeof x !== 'number') {
        pr.add(at, `--${key} takes a value (a number or a string), got ${JSON.stringify(x)}`, `write e.g. ${rawKey}: ${opt.defaultValue !== undefined ? JSON.stringify(opt.defaultValue) : '1'}`);
        ok = false;
        break;
      }
      const s = String(x);
      if (opt.argChoices && !opt.argChoices.includes(s)) {
        pr.add(at, `--${key} must be one of ${opt.argChoices.join(', ')}, got "${s}"`, `choose one of ${opt.argChoices.join(', ')}`);
        ok = false;
        break;
      }
      const parse = (opt as unknown as { parseArg?: (v: string, prev: unknown) => unknown }).parseArg;
      if (parse) {
        try {
          parse(s, undefined);
        } catch (err) {
          const msg = (err as Error).message.replace(/\. Fix: .*$/, '');
          const fix = /Fix: (.*)$/.exec((err as Error).message)?.[1] ?? `see \`cefrlab ${command} --help\``;
          pr.add(at, msg, fix);
          ok = false;
          break;
        }
      }
    }
    if (ok) out[key] = v as OptionValue;
  }
  return out;
}

function checkResources(pr: Problems, p: Path, value: unknown): Resources {
  const r: Resources = {};
  if (value === undefined || value === null) return r;
  if (!isMap(value)) {
    pr.add(p, 'must be a map', 'write e.g. "resources: { gpus: 1, cpus: 8, mem: 32G, time: \\"12:00:00\\" }"');
    return r;
  }
  unknownKeys(pr, p, value, RESOURCE_KEYS);
  for (const k of ['gpus', 'cpus'] as const) {
    const v = value[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) pr.add([...p, k], `must be a whole number, got ${JSON.stringify(v)}`, `write e.g. ${k}: ${k === 'gpus' ? 1 : 4}`);
    else r[k] = v;
  }
  if (value.mem !== undefined) {
    const m = String(value.mem);
    if (!/^\d+[KMGT]?$/i.test(m)) pr.add([...p, 'mem'], `must be a Slurm memory size like 16G or 500M, got ${JSON.stringify(value.mem)}`, 'write e.g. mem: 16G');
    else r.mem = m.toUpperCase();
  }
  if (value.time !== undefined) {
    const t = String(value.time);
    // minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS (sbatch --time)
    if (!/^(\d+|\d+:\d{2}|\d+:\d{2}:\d{2}|\d+-\d+(:\d{2}(:\d{2})?)?)$/.test(t)) pr.add([...p, 'time'], `must be a Slurm time limit (minutes, HH:MM:SS or D-HH:MM:SS), got ${JSON.stringify(value.time)}`, 'write e.g. time: "12:00:00"');
    else r.time = t;
  }
  for (const k of ['partition', 'account'] as const) {
    const v = value[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !/^[\w.+-]+$/.test(v)) pr.add([...p, k], `must be a name, got ${JSON.stringify(v)}`, `write e.g. ${k}: ${k === 'partition' ? 'gpu' : 'myproject'}`);
    else r[k] = v;
  }
  if (value.sbatch !== undefined) {
    if (!Array.isArray(value.sbatch) || value.sbatch.some((x) => typeof x !== 'string' || !x.startsWith('--'))) {
      pr.add([...p, 'sbatch'], 'must be a list of sbatch options starting with --', 'write e.g. sbatch: ["--constraint=v100"]');
    } else r.sbatch = value.sbatch as string[];
  }
  return r;
}

function checkPerDataset(pr: Problems, p: Path, value: unknown, step: StepName, datasets: string[], cat: CommandCatalog): Record<string, OptionMap> {
  const out: Record<string, OptionMap> = {};
  if (value === undefined || value === null) return out;
  if (!isMap(value)) {
    pr.add(p, 'must be a map of dataset: options', `write e.g. "datasets: { C1: { ... } }" with datasets among ${datasets.join(', ')}`);
    return out;
  }
  for (const [ds, opts] of Object.entries(value)) {
    if (!datasets.includes(ds)) {
      pr.add([...p, ds], `"${ds}" is not a dataset of this pipeline`, `use one of ${datasets.join(', ')} (the general "all" and the levels)`, true);
      continue;
    }
    out[ds] = checkOptions(pr, [...p, ds], opts, step, cat);
  }
  return out;
}

function checkStep(pr: Problems, steps: Record<string, unknown>, name: StepName, extra: string[], cat: CommandCatalog): { raw: Record<string, unknown>; options: OptionMap; resources: Resources } | null {
  const raw = steps[name];
  if (raw === undefined || raw === null || raw === false) return null;
  const p: Path = ['steps', name];
  if (raw === true) return { raw: {}, options: {}, resources: {} };
  if (!isMap(raw)) {
    pr.add(p, 'must be a map (options, resources, ...), true for the defaults, or false to leave the step out', `write e.g. "${name}: { options: {} }"`);
    return null;
  }
  unknownKeys(pr, p, raw, ['options', 'resources', ...extra]);
  return { raw, options: checkOptions(pr, [...p, 'options'], raw.options, name, cat), resources: checkResources(pr, [...p, 'resources'], raw.resources) };
}

/**
 * Parse and validate pipeline text; `file` is used in messages and to resolve relative paths, `cat` holds the
 * CLI's commands whose options the steps may set.
 */
export function parsePipeline(text: string, file: string, cat: CommandCatalog): Pipeline {
  const abs = path.resolve(file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.pos ? lines.linePos(e.pos[0]).line : null;
    throw new UserError(`${file}${line != null ? `:${line}` : ''}: not valid YAML/JSON: ${e.message.split('\n')[0]}. Fix: correct the syntax there (YAML needs consistent indentation; JSON needs quotes and commas)`);
  }
  const pr = new Problems(file, doc, lines);
  const top = doc.toJS() as unknown;
  if (!isMap(top)) {
    pr.add([], 'the file must be a map with version, csv, levels, steps', 'start from `cefrlab pipeline init --csv FILE`');
    pr.fail();
  }
  const t = top as Record<string, unknown>;
  unknownKeys(pr, [], t, TOP_KEYS);
  if (t.version !== 1) pr.add(['version'], `version must be 1, got ${JSON.stringify(t.version)}`, 'write version: 1', t.version === undefined);
  const dir = path.dirname(abs);
  let csv = '';
  if (typeof t.csv !== 'string' || !t.csv) pr.add(['csv'], 'csv is required: the learner CSV (writing_id,l1,cefr_level,text)', 'write csv: path/to/EFCAMDAT.csv (relative to this file)');
  else csv = path.resolve(dir, t.csv);
  let workdir = path.resolve(dir, 'pipeline-run');
  if (t.workdir !== undefined) {
    if (typeof t.workdir !== 'string' || !t.workdir) pr.add(['workdir'], 'workdir must be a folder path', 'write workdir: experiments/efcamdat (relative to this file)');
    else workdir = path.resolve(dir, t.workdir);
  }
  let general = true;
  if (t.general !== undefined) {
    if (typeof t.general !== 'boolean') pr.add(['general'], 'general must be true or false', 'write general: true to train the general model on all levels');
    else general = t.general;
  }
  const levels: CefrLevel[] = [];
  if (t.levels !== undefined) {
    if (!Array.isArray(t.levels)) pr.add(['levels'], 'levels must be a list', 'write levels: [A1, A2, B1, B2, C1]');
    else
      t.levels.forEach((l, i) => {
        const up = String(l).toUpperCase() as CefrLevel;
        if (!CEFR_LEVELS.includes(up)) pr.add(['levels', i], `"${String(l)}" is not a CEFR level`, `use ${CEFR_LEVELS.join(', ')}`);
        else if (levels.includes(up)) pr.add(['levels', i], `${up} is listed twice`, 'list each level once');
        else levels.push(up);
      });
  }
  const datasets = [...(general ? ['all'] : []), ...levels];
  if (datasets.length === 0) pr.add(['levels'], 'no datasets: general is false and levels is empty', 'set general: true or list levels');

  const steps = isMap(t.steps) ? t.steps : {};
  if (!isMap(t.steps)) pr.add(['steps'], 'steps is required (a map with prepare, examples, train, eval, compare, ilm-eval)', 'start from `cefrlab pipeline init --csv FILE`', t.steps === undefined);
  else unknownKeys(pr, ['steps'], steps, STEP_NAMES);

  const prepare = checkStep(pr, steps, 'prepare', ['datasets'], cat);
  const examples = checkStep(pr, steps, 'examples', ['sets'], cat);
  const train = checkStep(pr, steps, 'train', ['datasets'], cat);
  const evalS = checkStep(pr, steps, 'eval', ['datasets'], cat);
  const compare = checkStep(pr, steps, 'compare', [], cat);
  const ilm = checkStep(pr, steps, 'ilm-eval', ['dataset', 'split'], cat);
  for (const [name, s] of [['prepare', prepare], ['examples', examples], ['train', train]] as const) {
    if (!s && isMap(t.steps)) pr.add(['steps', name], `the ${name} step is required`, `add "${name}: {}" under steps`, true);
  }

  const sets: Record<string, ExampleSet> = {};
  if (examples) {
    const rawSets = examples.raw.sets;
    if (rawSets === undefined) {
      for (const s of SPLITS) sets[s] = { split: s, options: {} };
    } else if (!isMap(rawSets)) {
      pr.add(['steps', 'examples', 'sets'], 'sets must be a map of name: { split, options }', 'write e.g. "sets: { train: { split: train }, test-word: { split: test, options: { mask: word } } }"');
    } else {
      for (const [name, v] of Object.entries(rawSets)) {
        const p: Path = ['steps', 'examples', 'sets', name];
        if (!DATASET_NAME.test(name)) {
          pr.add(p, `"${name}" is not a usable folder name`, 'use letters, digits, - and _', true);
          continue;
        }
        const m = v === null || v === undefined ? {} : v;
        if (!isMap(m)) {
          pr.add(p, 'must be a map with split and options', `write e.g. "${name}: { split: test }"`);
          continue;
        }
        unknownKeys(pr, p, m, ['split', 'options']);
        const split = (m.split ?? (SPLITS.includes(name as SplitName) ? name : undefined)) as SplitName | undefined;
        if (!split || !SPLITS.includes(split)) {
          pr.add([...p, 'split'], `split must be train, valid or test${m.split === undefined ? ' (required when the set is not named after a split)' : `, got ${JSON.stringify(m.split)}`}`, 'write split: test', m.split === undefined);
          continue;
        }
        sets[name] = { split, options: checkOptions(pr, [...p, 'options'], m.options, 'examples', cat) };
      }
    }
    const evalTag = String(train?.options['eval-tag'] ?? 'valid');
    const trainTag = String(train?.options['train-tag'] ?? 'train');
    for (const tag of [trainTag, ...(train?.options.eval === false || train?.options['no-eval'] === true ? [] : [evalTag])]) {
      if (!sets[tag] && Object.keys(sets).length) pr.add(['steps', 'examples', 'sets'], `the train step reads the example set "${tag}", which is not built`, `add "${tag}: { split: ${SPLITS.includes(tag as SplitName) ? tag : 'train'} }" under sets`);
    }
  }
  const slurmRaw = t.slurm;
  const slurm: Pipeline['slurm'] = { defaults: {}, setup: [], node: null, name: 'cefrlab' };
  if (slurmRaw !== undefined && slurmRaw !== null) {
    if (!isMap(slurmRaw)) pr.add(['slurm'], 'slurm must be a map', 'write e.g. "slurm: { defaults: { partition: gpu } }"');
    else {
      unknownKeys(pr, ['slurm'], slurmRaw, ['defaults', 'setup', 'node', 'name']);
      slurm.defaults = checkResources(pr, ['slurm', 'defaults'], slurmRaw.defaults);
      if (slurmRaw.setup !== undefined) {
        if (!Array.isArray(slurmRaw.setup) || slurmRaw.setup.some((x) => typeof x !== 'string')) pr.add(['slurm', 'setup'], 'setup must be a list of shell lines', 'write e.g. setup: ["module load nodejs/20"]');
        else slurm.setup = slurmRaw.setup as string[];
      }
      if (slurmRaw.node !== undefined && slurmRaw.node !== null) {
        if (typeof slurmRaw.node !== 'string') pr.add(['slurm', 'node'], 'node must be the path of the node binary on the compute nodes', 'write e.g. node: /usr/bin/node');
        else slurm.node = slurmRaw.node;
      }
      if (slurmRaw.name !== undefined) {
        if (typeof slurmRaw.name !== 'string' || !DATASET_NAME.test(slurmRaw.name)) pr.add(['slurm', 'name'], 'name must be a short word', 'write e.g. name: efcamdat');
        else slurm.name = slurmRaw.name;
      }
    }
  }
  let ilmDataset = general ? 'all' : (levels[0] ?? 'all');
  let ilmSplit: SplitName = 'test';
  if (ilm) {
    if (ilm.raw.dataset !== undefined) {
      if (!datasets.includes(String(ilm.raw.dataset))) pr.add(['steps', 'ilm-eval', 'dataset'], `"${String(ilm.raw.dataset)}" is not a dataset of this pipeline`, `use one of ${datasets.join(', ')}`);
      else ilmDataset = String(ilm.raw.dataset);
    }
    if (ilm.raw.split !== undefined) {
      if (!SPLITS.includes(ilm.raw.split as SplitName)) pr.add(['steps', 'ilm-eval', 'split'], `split must be train, valid or test`, 'write split: test');
      else ilmSplit = ilm.raw.split as SplitName;
    }
  }
  const result: Pipeline = {
    file: abs,
    version: 1,
    csv,
    workdir,
    general,
    levels,
    datasets,
    steps: {
      prepare: { options: prepare?.options ?? {}, resources: prepare?.resources ?? {}, datasets: checkPerDataset(pr, ['steps', 'prepare', 'datasets'], prepare?.raw.datasets, 'prepare', datasets, cat) },
      examples: { options: examples?.options ?? {}, resources: examples?.resources ?? {}, sets },
      train: { options: train?.options ?? {}, resources: train?.resources ?? {}, datasets: checkPerDataset(pr, ['steps', 'train', 'datasets'], train?.raw.datasets, 'train', datasets, cat) },
      eval: evalS ? { options: evalS.options, resources: evalS.resources, datasets: checkPerDataset(pr, ['steps', 'eval', 'datasets'], evalS.raw.datasets, 'eval', datasets, cat) } : null,
      compare: compare ? { options: compare.options, resources: compare.resources } : null,
      ilmEval: ilm ? { options: ilm.options, resources: ilm.resources, dataset: ilmDataset, split: ilmSplit } : null,
    },
    slurm,
  };
  pr.fail();
  return result;
}

/** Read and validate a pipeline file. */
export function loadPipeline(file: string, cat: CommandCatalog): Pipeline {
  if (!fs.existsSync(file)) throw new UserError(`${file}: pipeline file not found. Fix: write one with \`cefrlab pipeline init --csv EFCAMDAT.csv --out ${file}\``);
  return parsePipeline(fs.readFileSync(file, 'utf8'), file, cat);
}
