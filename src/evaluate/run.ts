/**
 * Evaluation and comparison of experiments on example sets: what `cefrlab eval` and `cefrlab compare` (and the
 * evaluation notebook) call. Models come from EXP_DIR/checkpoints/best (else last); test sets are
 * EXAMPLES_DIR/<tag> plus, for `eval`, the single-mask-type sets built from the same split.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../model/checkpoint';
import { UserError } from '../runtime/errors';
import { resolveModelDir } from '../objective/experiment-dir';
import { evalSample } from '../objective/batch';
import { openExamples, singleTypeSets } from '../ilm/store-open';
import { experimentLevel } from '../objective/experiment-dir';
import { EvalMetrics, evaluateModel } from './eval';
import { Comparison, ModelEntry, TestEntry, compareModels } from './compare';

export interface EvalOptions {
  tag?: string;
  /** At most this many examples per set (a seeded sample); 0 for all. */
  maxExamples?: number;
  seed?: number;
  batchSize?: number;
}

export interface ExperimentEval {
  expDir: string;
  modelDir: string;
  examplesDir: string;
  tag: string;
  /** The mask kind the `tag` set was built with (its store header). */
  mask: string;
  seed: number;
  maxExamples: number;
  overall: EvalMetrics;
  /** Per mask type, from the single-type sets present (empty when none were built). */
  perMaskType: Array<{ mask: string; set: string; metrics: EvalMetrics }>;
}

export async function evaluateExperiment(expDir: string, examplesDir: string, opts: EvalOptions = {}): Promise<ExperimentEval> {
  const tag = opts.tag ?? 'test';
  const seed = opts.seed ?? 0;
  const maxExamples = opts.maxExamples ?? 1000;
  const batchSize = opts.batchSize ?? 8;
  const modelDir = resolveModelDir(expDir);
  const model = loadModel(modelDir);
  try {
    const run = async (name: string) => {
      const set = openExamples(examplesDir, name);
      return { mask: set.header.masking.mask, metrics: await evaluateModel(model, set.source, evalSample(seed, set.source.count, maxExamples), { batchSize }) };
    };
    const { mask, metrics: overall } = await run(tag);
    const perMaskType = [];
    for (const s of singleTypeSets(examplesDir, tag)) perMaskType.push({ mask: s.mask, set: s.name, metrics: (await run(s.name)).metrics });
    return { expDir, modelDir, examplesDir, tag, mask, seed, maxExamples, overall, perMaskType };
  } finally {
    model.dispose();
  }
}

const num = (x: number | null, digits: number) => (x === null ? '-' : x.toFixed(digits));

/** The printed table of `cefrlab eval`. */
export function evalTable(r: ExperimentEval): string {
  const rows: Array<[string, EvalMetrics]> = [[`${r.tag} (${r.mask})`, r.overall], ...r.perMaskType.map((p) => [`${p.set} (${p.mask})`, p.metrics] as [string, EvalMetrics])];
  const w = Math.max(22, ...rows.map(([n]) => n.length));
  const head = `${'set'.padEnd(w)}  examples  ${['context', 'infill', 'infill text'].map((g) => `${g} loss / ppl / tokens`.padStart(34)).join('')}`;
  const lines = [`Model ${r.modelDir} on ${r.examplesDir}`, head];
  for (const [name, m] of rows) {
    const g = (x: EvalMetrics['context']) => `${num(x.loss, 4)} / ${num(x.perplexity, 2)} / ${x.tokens}`.padStart(34);
    lines.push(`${name.padEnd(w)}  ${String(m.examples).padStart(8)}  ${g(m.context)}${g(m.infill)}${g(m.infillTextOnly)}`);
  }
  lines.push(`Headline: infill-text-only perplexity ${num(r.overall.infillTextOnly.perplexity, 2)}`);
  return lines.join('\n');
}

const LEVEL_IN_NAME = /(?:^|[^a-z0-9])(a1|a2|b1|b2|c1|c2)(?:[^a-z0-9]|$)/i;

/** "label=path" or "path"; the label defaults to the level (or the directory name). */
function splitLabel(arg: string): { label: string | null; dir: string } {
  const eq = arg.indexOf('=');
  return eq > 0 ? { label: arg.slice(0, eq), dir: arg.slice(eq + 1) } : { label: null, dir: arg };
}

const LEVEL_LABEL = /^(a1|a2|b1|b2|c1|c2)$/i;

/**
 * A model's level, never guessed: a label that is a CEFR level (B1=EXP_DIR) or "general"/"all" says it;
 * otherwise the training manifest (level "all" is the general model, trained on every level), else a level in
 * the directory name for a specialised model. A model whose level none of these tell is an error: the general
 * model of the comparison is the one trained on all levels or the one named with `--general`.
 */
export function modelEntry(arg: string): ModelEntry {
  const { label, dir } = splitLabel(arg);
  if (label && LEVEL_LABEL.test(label)) return { label, dir, level: label.toUpperCase() };
  if (label && /^(general|all)$/i.test(label)) return { label, dir, level: null };
  if (!fs.existsSync(dir)) throw new UserError(`${dir}: model directory not found. Fix: check the path, or train the model first with \`cefrlab train ${dir} EXAMPLES_DIR\``);
  const recorded = experimentLevel(dir);
  if (recorded === 'all') return { label: label ?? 'general', dir, level: null };
  const named = LEVEL_IN_NAME.exec(path.basename(path.resolve(dir)))?.[1]?.toUpperCase() ?? null;
  const level = recorded ?? named;
  if (!level) {
    throw new UserError(
      `${dir}: cannot tell which CEFR level this model was trained on (its manifest.json records none and the folder name holds none). ` +
        `Fix: name it, e.g. B1=${dir}, or pass it as the general model with --general ${dir}`,
    );
  }
  return { label: label ?? level, dir, level };
}

/** The model entries of a comparison: `--models` plus the `--general` one (first), exactly one general at most. */
export function modelEntries(models: string[], general?: string): ModelEntry[] {
  const entries: ModelEntry[] = [];
  if (general) entries.push({ ...splitGeneral(general) });
  for (const arg of models) {
    const { dir } = splitLabel(arg);
    if (general && path.resolve(dir) === path.resolve(splitLabel(general).dir)) continue; // named twice
    entries.push(modelEntry(arg));
  }
  const generals = entries.filter((e) => e.level === null);
  if (generals.length > 1) {
    throw new UserError(
      `more than one general model: ${generals.map((g) => g.dir).join(', ')} (trained on all levels or labelled general). ` +
        'Fix: keep one, or name the one to use with --general EXP_DIR and label the others with their level (B1=EXP_DIR)',
    );
  }
  return entries;
}

function splitGeneral(arg: string): ModelEntry {
  const { label, dir } = splitLabel(arg);
  return { label: label ?? 'general', dir, level: null };
}

/** A test set's level: a CEFR-level label, else its prepare manifest, else a level in the directory name. */
function testLevel(label: string | null, recorded: string | null | undefined, dir: string): string | null {
  if (label && LEVEL_LABEL.test(label)) return label.toUpperCase();
  if (recorded !== undefined) return recorded;
  return LEVEL_IN_NAME.exec(path.basename(path.resolve(dir)))?.[1]?.toUpperCase() ?? null;
}

export async function compareExperiments(
  models: string[],
  tests: string[],
  opts: EvalOptions & { general?: string; onCell?: (model: string, test: string, m: EvalMetrics) => void } = {},
): Promise<Comparison> {
  const tag = opts.tag ?? 'test';
  const entries = modelEntries(models, opts.general);
  const testEntries: TestEntry[] = tests.map((arg) => {
    const { label, dir } = splitLabel(arg);
    const set = openExamples(dir, tag);
    const level = testLevel(label, set.level, dir);
    return { label: label ?? level ?? 'all levels', level, source: set.source };
  });
  return compareModels(entries, testEntries, { maxExamples: opts.maxExamples ?? 1000, batchSize: opts.batchSize ?? 8, seed: opts.seed ?? 0, onCell: opts.onCell });
}
