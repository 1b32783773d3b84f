/**
 * Classifiers trained on several corpora at once, and a saved model's cut points fitted to a new corpus.
 *
 * Each row belongs to a corpus: the value of its CSV's corpus column when the CSV has one, else the CSV's file
 * name without extension (`classify train --csv A.csv --csv B.csv`). The corpus names and row counts are kept
 * in the model's manifest. With the `ordinal` head the model is the cumulative-logit model with one direction
 * shared by all corpora and cut points of each one's own (./ordinal-corpus.ts, McCullagh 1980); the head's own
 * cut points, used for a corpus the model never saw, are fitted on all training rows pooled, with the direction
 * fixed. Other heads are trained on the pooled rows.
 *
 * Calibration (`--calibrate-with FILE`): the cut points of an ordinal model are refitted on the labelled texts
 * of FILE (all of them, or `k` per level), the direction and the standardiser kept, shrunk towards the model's
 * cut points (zero texts give them back unchanged).
 */
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Rng } from '../runtime/rng';
import { UserError, locate } from '../runtime/errors';
import { progress } from '../runtime/progress';
import { scanCsv, CsvSyntaxError } from '../corpus/csv';
import { CEFR_LEVELS, type CefrLevel } from '../corpus/cefr';
import { resolveHeadOptions, type TrainedHead } from './heads';
import { createEncoder } from './spec';
import { inputVectors, resolveOptions, fitStandardizer, standardize, assemble, modelEncoder, trainClassifier, type ClassifierModel, type ClassifierOptions, type TrainResult, type CorporaRecord } from './classifier';
import { fitSharedOrdinal, calibrateCuts, cutsFromRaw, rawFromCuts, latent, ORDINAL_DEFAULTS } from './ordinal-corpus';
import { perClassSample } from '../model-selection/folds';
import type { Encoder } from './encoder';
import type { LabelledText } from './data';

export const DEFAULT_CORPUS_COLUMN = 'corpus';
export const FILE_NAME_CORPUS = '(file name)';

/** The values of `column` for each record of a CSV, by physical line; null when the CSV has no such column. */
export function readColumnByLine(file: string, column: string): Map<number, string> | null {
  let index = -2;
  const out = new Map<number, string>();
  try {
    scanCsv(file, (rec) => {
      if (index === -2) {
        const header = Array.from({ length: rec.fieldCount }, (_, i) => rec.field(i).trim());
        index = header.indexOf(column);
        return;
      }
      if (index >= 0) out.set(rec.line, index < rec.fieldCount ? rec.field(index).trim() : '');
    });
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new UserError(locate(file, err.line, err.problem, err.fix));
    throw err;
  }
  return index >= 0 ? out : null;
}

/** A row's corpus (its column's value, or the file name); an empty cell is an error naming the line. */
export function corpusOfRows(file: string, rows: readonly LabelledText[], column = DEFAULT_CORPUS_COLUMN): { names: string[]; column: string } {
  const byLine = readColumnByLine(file, column);
  if (!byLine) return { names: rows.map(() => path.basename(file).replace(/\.[^.]*$/, '')), column: FILE_NAME_CORPUS };
  return {
    column,
    names: rows.map((r) => {
      const v = byLine.get(r.line) ?? '';
      if (!v) throw new UserError(locate(file, r.line, `the ${column} column is empty`, `give every row its corpus name, or remove the ${column} column to name the corpus after the file`));
      return v;
    }),
  };
}

function countBy(names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

/**
 * Train on rows from several corpora (`corpus[i]` names row i's). One corpus: exactly `trainClassifier`. The
 * ordinal head fits the shared direction and per-corpus cut points; other heads train on the pooled rows.
 */
export async function trainMultiCorpus(rows: readonly LabelledText[], corpus: readonly string[], column: string, options: ClassifierOptions, info: { file?: string; inputs?: Record<string, string> } = {}): Promise<TrainResult> {
  if (corpus.length !== rows.length) throw new RangeError('trainMultiCorpus: one corpus name per row');
  const names = [...new Set(corpus)];
  const record = (cuts: CorporaRecord['cuts']): CorporaRecord => ({ column, names, rows: countBy(corpus), cuts });
  const o = resolveOptions(options);
  if (o.head !== 'ordinal' || names.length < 2) {
    const r = await trainClassifier(rows, options, info);
    if (names.length >= 2) r.model.manifest.corpora = record(null);
    return r;
  }
  const file = info.file ?? 'the training CSVs';
  const missing = rows.find((r) => r.level == null);
  if (missing) throw new UserError(`${file}:${missing.line}: the row has no level. Fix: give a level column (--level-column) with A1..C2`);
  const labels = CEFR_LEVELS.filter((l) => rows.some((r) => r.level === l));
  if (labels.length < 2) throw new UserError(`${file}: all ${rows.length} rows are at level ${labels[0]}; a classifier needs at least two levels. Fix: use texts at several levels`);
  const encoder = await createEncoder(o.encoder, { maxTokens: o.maxTokens ?? undefined });
  try {
    const X = await inputVectors(encoder, rows, o, { cacheDir: options.cacheDir, showProgress: options.showProgress, file });
    const standardizer = fitStandardizer(X);
    const sx = standardize(standardizer, X);
    const y = rows.map((r) => labels.indexOf(r.level!));
    const ci = corpus.map((c) => names.indexOf(c));
    const steps = options.epochs ?? ORDINAL_DEFAULTS.steps;
    const lr = options.lr ?? ORDINAL_DEFAULTS.lr;
    const bar = options.showProgress === false ? null : progress(`train ordinal (shared direction, ${names.length} corpora)`, 1);
    const fit = fitSharedOrdinal(sx, y, ci, names.map(() => labels.length), { steps, lr });
    bar?.update(1);
    bar?.stop();
    const pooled = calibrateCuts(sx.map((x) => latent(fit.w, x)), y, labels.length, { strength: 0 });
    const head: TrainedHead = {
      kind: 'ordinal',
      inputDim: X[0].length,
      classes: labels.length,
      params: { w: fit.w, thresholds: rawFromCuts(pooled) },
      shapes: { w: [X[0].length], thresholds: [labels.length - 1] },
      order: ['w', 'thresholds'],
      history: [],
      bestEpoch: 0,
      options: resolveHeadOptions({ kind: 'ordinal', seed: o.seed, epochs: steps, lr, l2: ORDINAL_DEFAULTS.l2 }),
    };
    const perLevel: Record<string, number> = {};
    for (const l of labels) perLevel[l] = rows.filter((r) => r.level === l).length;
    const model = assemble(head, standardizer, labels, encoder, { ...o, dev: 0, epochs: steps, lr }, { rows: rows.length, trainRows: rows.length, devRows: 0, perLevel }, info.inputs ?? {});
    model.manifest.corpora = record(Object.fromEntries(names.map((n, i) => [n, Array.from(fit.cuts[i])])));
    return { model, encoder };
  } catch (err) {
    encoder.dispose?.();
    throw err;
  }
}

/** The cut points an ordinal model uses now. */
export function modelCuts(model: ClassifierModel): Float64Array {
  if (model.head.kind !== 'ordinal') throw new UserError(`the model's head is ${model.head.kind}; cut points belong to the ordinal head. Fix: train with --head ordinal`);
  return cutsFromRaw(model.head.params.thresholds);
}

/** A copy of an ordinal model that uses `cuts`. */
export function withCuts(model: ClassifierModel, cuts: ArrayLike<number>): ClassifierModel {
  const head: TrainedHead = { ...model.head, params: { ...model.head.params, thresholds: rawFromCuts(cuts) } };
  return { manifest: model.manifest, head };
}

/** A copy of a multi-corpus ordinal model that uses one training corpus's cut points. */
export function withCorpusCuts(model: ClassifierModel, name: string): ClassifierModel {
  const rec = model.manifest.corpora;
  if (!rec?.cuts) throw new UserError(`--corpus ${name}: this model has no per-corpus cut points (it was trained on one corpus, or not with --head ordinal). Fix: leave out --corpus`);
  const cuts = rec.cuts[name];
  if (!cuts) throw new UserError(`--corpus ${name}: the model was trained on ${rec.names.join(', ')}. Fix: give one of these names, or leave out --corpus for a corpus the model never saw`);
  return withCuts(model, cuts);
}

const textHash = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex');

/** Refuse to evaluate on texts that also calibrated the model. */
export function refuseOverlap(calibration: readonly LabelledText[], evaluation: readonly LabelledText[], calFile: string, evalFile: string): void {
  const seen = new Set(calibration.map((r) => textHash(r.text)));
  const shared = evaluation.filter((r) => seen.has(textHash(r.text)));
  if (shared.length) {
    throw new UserError(`${evalFile}: ${shared.length} of its ${evaluation.length} texts are also in the calibration file ${calFile} (first at line ${shared[0].line}), so the figures would score the model on texts it was fitted to. Fix: remove those texts from one of the two files`);
  }
}

export interface CalibrationResult {
  model: ClassifierModel;
  /** Texts used per level. */
  perLevel: Record<string, number>;
  texts: number;
  before: number[];
  after: number[];
}

/**
 * Refit an ordinal model's cut points on labelled rows (`k` per level when given, drawn with `seed`), the
 * direction and standardiser kept; the prior is the model's current cut points.
 */
export async function calibrateClassifier(model: ClassifierModel, rows: readonly LabelledText[], opts: { k?: number | null; seed?: number; encoder?: Encoder; cacheDir?: string | null; showProgress?: boolean; file?: string } = {}): Promise<CalibrationResult> {
  const before = modelCuts(model);
  const file = opts.file ?? 'the calibration CSV';
  const labels = model.manifest.labels;
  for (const r of rows) {
    if (r.level == null) throw new UserError(`${file}:${r.line}: the row has no level. Fix: calibration needs labelled texts (a level column)`);
    if (!labels.includes(r.level)) throw new UserError(`${file}:${r.line}: level ${r.level} is not one of the model's levels (${labels.join(', ')}). Fix: remove the row, or train on texts at that level too`);
  }
  if (opts.k != null && !(Number.isInteger(opts.k) && opts.k >= 0)) throw new UserError(`--calibrate-k ${opts.k}: need a whole number of texts per level. Fix: e.g. --calibrate-k 10`);
  const y = rows.map((r) => labels.indexOf(r.level as CefrLevel));
  const pick = opts.k == null ? rows.map((_, i) => i) : perClassSample(y, opts.k, Rng.derive(opts.seed ?? 0, 'calibrate-with'));
  const used = pick.map((i) => rows[i]);
  let eta: number[] = [];
  if (used.length) {
    const encoder = opts.encoder ?? (await modelEncoder(model));
    try {
      const X = await inputVectors(encoder, used, model.manifest.options, { cacheDir: opts.cacheDir, showProgress: opts.showProgress, file });
      eta = standardize(model.manifest.standardizer, X).map((x) => latent(model.head.params.w, x));
    } finally {
      if (!opts.encoder) encoder.dispose?.();
    }
  }
  const after = calibrateCuts(eta, pick.map((i) => y[i]), labels.length, { prior: before });
  const perLevel: Record<string, number> = {};
  for (const l of labels) {
    const n = used.filter((r) => r.level === l).length;
    if (n) perLevel[l] = n;
  }
  return { model: withCuts(model, after), perLevel, texts: used.length, before: Array.from(before), after: Array.from(after) };
}
