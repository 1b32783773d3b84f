/**
 * Evaluation and comparison of experiments on example sets: what `cefrlab eval` and `cefrlab compare` (and the
 * evaluation notebook) call. Models come from EXP_DIR/checkpoints/best (else last); test sets are
 * EXAMPLES_DIR/<tag> plus, for `eval`, the single-mask-type sets built from the same split.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../model/checkpoint';
import { UserError } from '../runtime/errors';
import { progress, type Progress } from '../runtime/progress';
import { textTable } from '../runtime/text-table';
import { resolveModelDir } from '../experiment/dir';
import { evalSample } from '../objective/batch';
import { openExamples, singleTypeSets } from '../ilm/store-open';
import { experimentLevel } from '../experiment/dir';
import { EvalMetrics, evaluateModel } from './eval';
import { Comparison, ModelEntry, TestEntry, compareModels } from './compare';

export interface EvalOptions {
  tag?: string;
  /** At most this many examples per set (a seeded sample); 0 for all. */
  maxExamples?: number;
  seed?: number;
  batchSize?: number;
  /** Show progress with an ETA over all the sets (src/runtime/progress.ts); the command line turns it on. */
  progress?: boolean;
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
  let bar: Progress | null = null;
  try {
    // Every set is opened first, so that the progress counts the examples of all of them.
    const sets = [{ name: tag, mask: null as string | null }, ...singleTypeSets(examplesDir, tag).map((s) => ({ name: s.name, mask: s.mask as string | null }))].map((s) => {
      const set = openExamples(examplesDir, s.name);
      return { ...s, set, indices: evalSample(seed, set.source.count, maxExamples) };
    });
    let before = 0;
    if (opts.progress) bar = progress('eval', sets.reduce((n, s) => n + s.indices.length, 0));
    const results = [];
    for (const s of sets) {
      const metrics = await evaluateModel(model, s.set.source, s.indices, { batchSize, onBatch: (done) => bar?.update(before + done, { set: s.name }) });
      before += s.indices.length;
      results.push({ mask: s.mask ?? s.set.header.masking.mask, set: s.name, metrics });
    }
    const [first, ...rest] = results;
    return { expDir, modelDir, examplesDir, tag, mask: first.mask, seed, maxExamples, overall: first.metrics, perMaskType: rest };
  } finally {
    bar?.stop();
    model.dispose();
  }
}

const num = (x: number | null, digits: number) => (x === null ? '-' : x.toFixed(digits));

/** The printed table of `cefrlab eval`. */
export function evalTable(r: ExperimentEval): string {
  const rows: Array<[string, EvalMetrics]> = [[`${r.tag} (${r.mask})`, r.overall], ...r.perMaskType.map((p) => [`${p.set} (${p.mask})`, p.metrics] as [string, EvalMetrics])];
  const head = ['set', 'examples', ...['context', 'infill', 'text'].flatMap((g) => [`${g} loss`, `${g} ppl`, `${g} tokens`])];
  const g = (x: EvalMetrics['context']) => [num(x.loss, 4), num(x.perplexity, 2), String(x.tokens)];
  const body = rows.map(([name, m]) => [name, String(m.examples), ...g(m.context), ...g(m.infill), ...g(m.infillTextOnly)]);
  return [
    `Model ${r.modelDir} on ${r.examplesDir}`,
    textTable(head, body),
    'infill: answers and end-of-answer tokens; text: the answers alone (infill text only)',
    `Headline: infill-text-only perplexity ${num(r.overall.infillTextOnly.perplexity, 2)}`,
  ].join('\n');
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
