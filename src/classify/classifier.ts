/**
 * CEFR level classification from a frozen encoder (Schmalz & Brutti 2021): each text becomes one vector
 * (src/classify/spec.ts; cached on disk, ./cache.ts), the vectors are standardised with the training rows' means
 * and standard deviations, and a head (./heads.ts) predicts the level. This module trains, saves, loads,
 * evaluates, cross-validates and draws learning curves; the command line (`cefrlab classify`) and notebook 06
 * call these functions.
 *
 * Inputs (the paper's Figure 1): `text` (a), `concat` (b: text and correction in one encoder pass, joined by a
 * blank line), `two-stream` (c: the two vectors averaged). Corrections come from a CSV column or are made
 * automatically (`spelling`, ./corrections.ts).
 *
 * Determinism: the development split, weight initialisation, batch order and dropout all come from `Rng`
 * streams derived from the seed; the heads are plain float64 code. The same data, options and seed give the
 * same `weights.bin` and `manifest.json`, byte for byte (the manifest has no timestamp for that reason).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../runtime/rng';
import { UserError } from '../runtime/errors';
import { stratifiedFolds, stratifiedHoldout, foldSplits } from '../model-selection/folds';
import { learningCurve as runCurve } from '../model-selection/learning-curve';
import { mean, sampleSd } from '../metrics/descriptive';
import { packTensors, unpackTensors } from '../estimator/estimator';
import { buildDirAtomic, writeFileAtomic, writeJsonAtomic } from '../runtime/atomic';
import { sha256 } from '../runtime/hash';
import { versions } from '../runtime/versions';
import { progress } from '../runtime/progress';
import { CEFR_LEVELS, type CefrLevel } from '../corpus/cefr';
import { findDuplicates } from '../corpus/duplicates';
import { classificationReport, type ClassificationReport, HEADLINE_METRICS } from '../metrics/report';
import { trainHead, predictProba, argmax, resolveHeadOptions, type HeadKind, type TrainedHead, type EpochLog } from './heads';
import { createEncoder } from './spec';
import { encodeCached, defaultCacheDir } from './cache';
import { spellingCorrections } from './corrections';
import type { Encoder } from './encoder';
import type { LabelledText } from './data';
import { refuseTrainingOverlap } from './leakage';

/**
 * Refuse rows to be evaluated when a model behind the encoder trained on any of their texts (./leakage.ts):
 * the error names how many, which models and the fix.
 */
export function refuseSeenTexts(encoder: Encoder, rows: readonly LabelledText[], where: { file?: string; what: string }): void {
  const trained = encoder.trainedOn?.() ?? [];
  if (trained.length) refuseTrainingOverlap(encoder.spec, trained, rows.map((r) => r.text), { ...where, lines: rows.map((r) => r.line) });
}

export type InputMode = 'text' | 'concat' | 'two-stream';
export const INPUT_MODES: readonly InputMode[] = ['text', 'concat', 'two-stream'];

export interface ClassifierOptions {
  /** Encoder spec (default `features`). */
  encoder?: string;
  input?: InputMode;
  /** Take corrections from this CSV column (rows' `correction`). */
  correctionColumn?: string;
  /** Make corrections automatically. */
  corrections?: 'spelling' | null;
  head?: HeadKind;
  seed?: number;
  /** Share of the training rows held out for early stopping (default 0.2, the paper's). */
  dev?: number;
  epochs?: number;
  lr?: number;
  batchSize?: number;
  patience?: number;
  /** Encoder tokens per text (bert, ilm). */
  maxTokens?: number;
  /** Embedding cache directory; null: no cache. */
  cacheDir?: string | null;
  /** Show progress lines (default true). */
  showProgress?: boolean;
}

export interface ResolvedOptions {
  encoder: string;
  input: InputMode;
  correctionColumn: string | null;
  corrections: 'spelling' | null;
  head: HeadKind;
  seed: number;
  dev: number;
  epochs: number;
  lr: number;
  batchSize: number;
  patience: number;
  maxTokens: number | null;
}

export function resolveOptions(o: ClassifierOptions): ResolvedOptions {
  const head = o.head ?? 'mlp';
  const h = resolveHeadOptions({ kind: head, epochs: o.epochs, lr: o.lr, batchSize: o.batchSize, patience: o.patience });
  const input = o.input ?? 'text';
  if (!INPUT_MODES.includes(input)) throw new UserError(`--input ${input} is not an input. Fix: use one of ${INPUT_MODES.join(', ')}`);
  if (o.correctionColumn && o.corrections) throw new UserError('both --correction-column and --corrections were given. Fix: use one source of corrections');
  if (input !== 'text' && !o.correctionColumn && !o.corrections) throw new UserError(`--input ${input} joins each text with its correction, but no corrections were given. Fix: add --correction-column NAME (a CSV column) or --corrections spelling (automatic)`);
  const dev = o.dev ?? 0.2;
  if (!(dev >= 0 && dev < 1)) throw new UserError(`--dev ${dev} must be in [0, 1). Fix: e.g. --dev 0.2`);
  if (!(h.lr > 0)) throw new UserError(`--lr ${h.lr} must be positive. Fix: e.g. --lr 1e-5`);
  return {
    encoder: o.encoder ?? 'features',
    input,
    correctionColumn: o.correctionColumn ?? null,
    corrections: o.corrections ?? null,
    head,
    seed: o.seed ?? 0,
    dev,
    epochs: h.epochs,
    lr: h.lr,
    batchSize: h.batchSize,
    patience: h.patience,
    maxTokens: o.maxTokens ?? null,
  };
}

// ---------------------------------------------------------------- vectors

/** The corrections of rows for a non-text input (from the column, or automatic). */
export function correctionsOf(rows: readonly LabelledText[], o: ResolvedOptions, cacheDir: string | null, file = 'the CSV'): string[] {
  if (o.correctionColumn) {
    return rows.map((r) => {
      if (r.correction == null) throw new UserError(`${file}:${r.line}: no correction for this row. Fix: read the CSV with the correction column ${o.correctionColumn}`);
      return r.correction;
    });
  }
  return spellingCorrections(rows.map((r) => r.text), cacheDir);
}

/** The input vector of each row (float64), through the encoder and the cache. */
export async function inputVectors(encoder: Encoder, rows: readonly LabelledText[], o: ResolvedOptions, opts: { cacheDir?: string | null; showProgress?: boolean; file?: string } = {}): Promise<Float64Array[]> {
  const cacheDir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  const texts = rows.map((r) => r.text);
  const encode = async (items: string[], label: string) => {
    const bar = opts.showProgress === false ? null : progress(`encode ${label} (${encoder.spec})`, items.length);
    const r = await encodeCached(encoder, items, { cacheDir, onProgress: (d) => bar?.update(d) });
    bar?.stop();
    return r.vectors;
  };
  const to64 = (v: Float32Array) => Float64Array.from(v);
  if (o.input === 'text') return (await encode(texts, 'texts')).map(to64);
  const corrections = correctionsOf(rows, o, cacheDir, opts.file);
  if (o.input === 'concat') return (await encode(texts.map((t, i) => `${t}\n\n${corrections[i]}`), 'text + correction')).map(to64);
  const a = await encode(texts, 'texts');
  const b = await encode(corrections, 'corrections');
  return a.map((v, i) => {
    const out = new Float64Array(v.length);
    for (let j = 0; j < v.length; j++) out[j] = (v[j] + b[i][j]) / 2;
    return out;
  });
}

export interface Standardizer {
  mean: number[];
  std: number[];
}

/** Means and standard deviations (population) per dimension; a constant dimension gets std 1. */
export function fitStandardizer(X: readonly Float64Array[]): Standardizer {
  const d = X[0].length;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const x of X) for (let j = 0; j < d; j++) mean[j] += x[j];
  for (let j = 0; j < d; j++) mean[j] /= X.length;
  for (const x of X) for (let j = 0; j < d; j++) std[j] += (x[j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(std[j] / X.length);
    std[j] = s > 1e-12 ? s : 1;
  }
  return { mean, std };
}

export function standardize(s: Standardizer, X: readonly Float64Array[]): Float64Array[] {
  return X.map((x) => {
    const out = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) out[j] = (x[j] - s.mean[j]) / s.std[j];
    return out;
  });
}

// ---------------------------------------------------------------- models

/** The corpora of a model trained on several (./multi-corpus.ts): the column they came from, names, rows, cut points. */
export interface CorporaRecord {
  /** The CSV column the names came from, or `(file name)`. */
  column: string;
  names: string[];
  rows: Record<string, number>;
  /** Each corpus's cut points (increasing), ordinal head only; null for other heads. */
  cuts: Record<string, number[]> | null;
}

export interface ClassifierManifest {
  kind: 'cefrlab-classifier';
  formatVersion: 1;
  labels: CefrLevel[];
  /**
   * `trainedOn`, for encoders built from trained models: per model, how many texts it trained on and the SHA-256
   * of their sorted content keys (./leakage.ts), so the model records what it must never be evaluated on.
   */
  encoder: { spec: string; id: string; dim: number; names: string[] | null; trainedOn?: Array<{ model: string; texts: number; sha256: string }> };
  options: ResolvedOptions;
  standardizer: Standardizer;
  head: { kind: HeadKind; inputDim: number; classes: number; options: TrainedHead['options']; tensors: Array<{ name: string; shape: number[]; offset: number; length: number }> };
  training: { rows: number; trainRows: number; devRows: number; perLevel: Record<string, number>; bestEpoch: number; epochs: number; history: EpochLog[] };
  inputs: Record<string, string>;
  weights: { file: 'weights.bin'; dtype: 'float64-le'; sha256: string };
  versions: ReturnType<typeof versions>;
  /** The corpora of a model trained on several (./multi-corpus.ts): names, rows and, for the ordinal head, each one's cut points. */
  corpora?: CorporaRecord;
}

export interface ClassifierModel {
  manifest: ClassifierManifest;
  head: TrainedHead;
}

function labelIndex(labels: readonly CefrLevel[]): Map<CefrLevel, number> {
  return new Map(labels.map((l, i) => [l, i]));
}

/** Fit standardiser and head on vectors with class indices into `labels`. */
export function fitOnVectors(X: readonly Float64Array[], y: readonly number[], labels: readonly string[], o: Pick<ResolvedOptions, 'head' | 'seed' | 'dev' | 'epochs' | 'lr' | 'batchSize' | 'patience'>, onEpoch?: (e: EpochLog) => void): { head: TrainedHead; standardizer: Standardizer; trainRows: number; devRows: number } {
  const split = o.dev > 0 ? stratifiedHoldout(y, o.dev, Rng.derive(o.seed, 'dev')) : { train: y.map((_, i) => i), dev: [] };
  const trainX = split.train.map((i) => X[i]);
  const standardizer = fitStandardizer(trainX);
  const sx = standardize(standardizer, trainX);
  const dev = split.dev.length ? { X: standardize(standardizer, split.dev.map((i) => X[i])), y: split.dev.map((i) => y[i]) } : undefined;
  const head = trainHead(sx, split.train.map((i) => y[i]), labels.length, { kind: o.head, seed: o.seed, epochs: o.epochs, lr: o.lr, batchSize: o.batchSize, patience: o.patience, onEpoch }, dev);
  return { head, standardizer, trainRows: split.train.length, devRows: split.dev.length };
}

function requireLevels(rows: readonly LabelledText[], file: string): CefrLevel[] {
  const missing = rows.find((r) => r.level == null);
  if (missing) throw new UserError(`${file}:${missing.line}: the row has no level. Fix: give a level column (--level-column) with A1..C2`);
  const levels = CEFR_LEVELS.filter((l) => rows.some((r) => r.level === l));
  if (levels.length < 2) throw new UserError(`${file}: all ${rows.length} rows are at level ${levels[0]}; a classifier needs at least two levels. Fix: use a CSV with texts at several levels`);
  return levels;
}

export interface TrainResult {
  model: ClassifierModel;
  encoder: Encoder;
}

/** Train a classifier on labelled rows. The encoder is returned for reuse (call `dispose` when done). */
export async function trainClassifier(rows: readonly LabelledText[], options: ClassifierOptions, info: { file?: string; inputs?: Record<string, string> } = {}): Promise<TrainResult> {
  const o = resolveOptions(options);
  const file = info.file ?? 'the training CSV';
  const labels = requireLevels(rows, file);
  const encoder = await createEncoder(o.encoder, { maxTokens: o.maxTokens ?? undefined });
  try {
    const X = await inputVectors(encoder, rows, o, { cacheDir: options.cacheDir, showProgress: options.showProgress, file });
    const index = labelIndex(labels);
    const y = rows.map((r) => index.get(r.level!)!);
    const bar = options.showProgress === false ? null : progress(`train ${o.head}`, o.epochs);
    const fit = fitOnVectors(X, y, labels, o, (e) => bar?.update(e.epoch, { loss: e.trainLoss, ...(e.devLoss != null ? { dev: e.devLoss } : {}) }));
    bar?.stop();
    const perLevel: Record<string, number> = {};
    for (const l of labels) perLevel[l] = rows.filter((r) => r.level === l).length;
    const model = assemble(fit.head, fit.standardizer, labels, encoder, o, { rows: rows.length, trainRows: fit.trainRows, devRows: fit.devRows, perLevel }, info.inputs ?? {});
    return { model, encoder };
  } catch (err) {
    encoder.dispose?.();
    throw err;
  }
}

function packWeights(head: TrainedHead): { bytes: Buffer; tensors: ClassifierManifest['head']['tensors'] } {
  const { bytes, entries } = packTensors(head.order, head.params, head.shapes);
  return { bytes, tensors: entries };
}

export function assemble(head: TrainedHead, standardizer: Standardizer, labels: CefrLevel[], encoder: Encoder, o: ResolvedOptions, t: { rows: number; trainRows: number; devRows: number; perLevel: Record<string, number> }, inputs: Record<string, string>): ClassifierModel {
  const { bytes, tensors } = packWeights(head);
  const manifest: ClassifierManifest = {
    kind: 'cefrlab-classifier',
    formatVersion: 1,
    labels,
    encoder: {
      spec: encoder.spec, id: encoder.id, dim: encoder.dim, names: encoder.names ? [...encoder.names] : null,
      ...(encoder.trainedOn ? { trainedOn: encoder.trainedOn().map((t) => ({ model: t.model, texts: t.keys.size, sha256: sha256([...t.keys].sort().join('\n')) })) } : {}),
    },
    options: o,
    standardizer,
    head: { kind: head.kind, inputDim: head.inputDim, classes: head.classes, options: head.options, tensors },
    training: { ...t, bestEpoch: head.bestEpoch, epochs: head.history.length, history: head.history },
    inputs,
    weights: { file: 'weights.bin', dtype: 'float64-le', sha256: sha256(bytes) },
    versions: versions(),
  };
  return { manifest, head };
}

/** Write a model directory (manifest.json, weights.bin) atomically. */
export async function saveClassifier(dir: string, model: ClassifierModel): Promise<void> {
  const { bytes } = packWeights(model.head);
  await buildDirAtomic(dir, (tmp) => {
    writeFileAtomic(path.join(tmp, 'weights.bin'), bytes);
    writeJsonAtomic(path.join(tmp, 'manifest.json'), model.manifest);
  });
}

/** Read a model directory written by `saveClassifier`; no retraining. */
export function loadClassifier(dir: string): ClassifierModel {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) throw new UserError(`${dir}: no manifest.json, so this is not a classifier directory. Fix: give the --out directory of \`cefrlab classify train\``);
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as ClassifierManifest;
  if (manifest.kind !== 'cefrlab-classifier') throw new UserError(`${file}: not a classifier manifest (kind ${manifest.kind}). Fix: give the --out directory of \`cefrlab classify train\``);
  const bytes = fs.readFileSync(path.join(dir, manifest.weights.file));
  if (sha256(bytes) !== manifest.weights.sha256) throw new UserError(`${path.join(dir, 'weights.bin')}: the weights do not match the manifest's hash (damaged or replaced). Fix: train the model again`);
  const { tensors: params, shapes } = unpackTensors(bytes, manifest.head.tensors);
  const head: TrainedHead = {
    kind: manifest.head.kind,
    inputDim: manifest.head.inputDim,
    classes: manifest.head.classes,
    params,
    shapes,
    order: manifest.head.tensors.map((t) => t.name),
    history: manifest.training.history,
    bestEpoch: manifest.training.bestEpoch,
    options: manifest.head.options,
  };
  return { manifest, head };
}

/** Build the encoder a saved model was trained with, checking that it still gives the same vectors. */
export async function modelEncoder(model: ClassifierModel): Promise<Encoder> {
  const m = model.manifest;
  const encoder = await createEncoder(m.encoder.spec, { maxTokens: m.options.maxTokens ?? undefined });
  if (encoder.id !== m.encoder.id) {
    encoder.dispose?.();
    throw new UserError(`the encoder ${m.encoder.spec} is not the one this model was trained with (its weights, files or options changed: id ${encoder.id.slice(0, 12)} vs ${m.encoder.id.slice(0, 12)}). Fix: train the model again with the current encoder`);
  }
  return encoder;
}

/** Class probabilities for input vectors (raw, before standardisation). */
export function predictVectors(model: ClassifierModel, X: readonly Float64Array[]): Float64Array[] {
  if (X.length && X[0].length !== model.head.inputDim) throw new Error(`vectors have ${X[0].length} values; the model takes ${model.head.inputDim}`);
  return predictProba(model.head, standardize(model.manifest.standardizer, X));
}

export interface Prediction {
  id: string;
  level: CefrLevel;
  probabilities: number[];
}

/** Predict the level of each row. */
export async function predictRows(model: ClassifierModel, rows: readonly LabelledText[], opts: { encoder?: Encoder; cacheDir?: string | null; showProgress?: boolean; file?: string } = {}): Promise<Prediction[]> {
  const encoder = opts.encoder ?? (await modelEncoder(model));
  try {
    const X = await inputVectors(encoder, rows, model.manifest.options, opts);
    const P = predictVectors(model, X);
    return rows.map((r, i) => ({ id: r.id, level: model.manifest.labels[argmax(P[i])], probabilities: Array.from(P[i]) }));
  } finally {
    if (!opts.encoder) encoder.dispose?.();
  }
}

export interface UnseenLevels {
  /** Rows whose level the model never saw in training: left out of the metrics. */
  count: number;
  levels: Record<string, number>;
  /** What the model predicted for them. */
  predicted: Record<string, number>;
}

export interface EvaluationResult extends ClassificationReport {
  unseen: UnseenLevels;
}

/** Metrics of predictions against the rows' levels, rows at levels outside `labels` counted apart. */
export function evaluatePredictions(rows: readonly LabelledText[], predictions: readonly Prediction[], labels: readonly CefrLevel[], opts: { resamples?: number; seed?: number } = {}): EvaluationResult {
  const index = labelIndex(labels);
  const yTrue: number[] = [];
  const yPred: number[] = [];
  const unseen: UnseenLevels = { count: 0, levels: {}, predicted: {} };
  rows.forEach((r, i) => {
    if (r.level == null) throw new UserError(`row ${r.id} (line ${r.line}) has no level. Fix: give a level column to evaluate`);
    const t = index.get(r.level);
    if (t == null) {
      unseen.count++;
      unseen.levels[r.level] = (unseen.levels[r.level] ?? 0) + 1;
      unseen.predicted[predictions[i].level] = (unseen.predicted[predictions[i].level] ?? 0) + 1;
      return;
    }
    yTrue.push(t);
    yPred.push(index.get(predictions[i].level)!);
  });
  return { ...classificationReport(yTrue, yPred, labels, opts), unseen };
}

/** Evaluate a model on labelled rows. */
export async function evaluateClassifier(model: ClassifierModel, rows: readonly LabelledText[], opts: { encoder?: Encoder; cacheDir?: string | null; showProgress?: boolean; file?: string; resamples?: number } = {}): Promise<EvaluationResult & { predictions: Prediction[] }> {
  const encoder = opts.encoder ?? (await modelEncoder(model));
  try {
    refuseSeenTexts(encoder, rows, { file: opts.file, what: 'to evaluate' });
    const predictions = await predictRows(model, rows, { ...opts, encoder });
    return { ...evaluatePredictions(rows, predictions, model.manifest.labels, { resamples: opts.resamples }), predictions };
  } finally {
    if (!opts.encoder) encoder.dispose?.();
  }
}

// ---------------------------------------------------------------- cross-validation and learning curves

export interface CvResult extends EvaluationResult {
  folds: number;
  /** Accuracy of each fold's held-out rows. */
  foldAccuracy: number[];
  accuracyMean: number;
  accuracySd: number;
  options: ResolvedOptions;
  /** Out-of-fold predicted level per row, in input order. */
  predictions: CefrLevel[];
  /** Ids of rows with the same text (src/corpus/duplicates.ts): each group was kept in one fold. */
  duplicates: string[][];
}


/** Encode rows once (for cross-validation and curves). */
export async function vectorsFor(rows: readonly LabelledText[], options: ClassifierOptions, file?: string, evaluated?: string): Promise<{ X: Float64Array[]; encoder: Encoder; o: ResolvedOptions }> {
  const o = resolveOptions(options);
  const encoder = await createEncoder(o.encoder, { maxTokens: o.maxTokens ?? undefined });
  try {
    // rows that will be evaluated must be unseen by the encoder's models: checked before the costly encoding
    if (evaluated) refuseSeenTexts(encoder, rows, { file, what: evaluated });
    const X = await inputVectors(encoder, rows, o, { cacheDir: options.cacheDir, showProgress: options.showProgress, file });
    return { X, encoder, o };
  } catch (err) {
    encoder.dispose?.();
    throw err;
  }
}

/**
 * Stratified k-fold cross-validation (folds seeded by `seed`): every row is predicted once by a model that did
 * not see it; the metrics are computed on the pooled out-of-fold predictions, with the per-fold accuracies
 * beside them. All folds use the levels of the whole file as classes. Rows whose texts a model behind the
 * encoder trained on are refused (./leakage.ts); a caller passing `vectors` has encoded the rows itself and
 * checks them with `refuseSeenTexts`.
 */
export async function crossValidate(rows: readonly LabelledText[], folds: number, options: ClassifierOptions, info: { file?: string; resamples?: number; vectors?: Float64Array[] } = {}): Promise<CvResult> {
  const file = info.file ?? 'the CSV';
  if (!Number.isInteger(folds) || folds < 2) throw new UserError(`--folds ${folds}: need at least 2 folds. Fix: e.g. --folds 5`);
  if (folds > rows.length) throw new UserError(`--folds ${folds} is more than the ${rows.length} rows of ${file}. Fix: use fewer folds`);
  const labels = requireLevels(rows, file);
  const o = resolveOptions(options);
  let X = info.vectors;
  if (!X) {
    const v = await vectorsFor(rows, options, file, 'to cross-validate (every text is evaluated once)');
    v.encoder.dispose?.();
    X = v.X;
  }
  const index = labelIndex(labels);
  const y = rows.map((r) => index.get(r.level!)!);
  // Copies of a text stay in one fold: otherwise a model would be scored on a text it was trained on.
  const dup = findDuplicates(rows.map((r) => r.text));
  const fold = stratifiedFolds(y, folds, Rng.derive(o.seed, 'folds'), dup.groupOf);
  const pred = new Array<number>(rows.length).fill(0);
  const foldAccuracy: number[] = [];
  const bar = options.showProgress === false ? null : progress(`cross-validation (${o.head})`, folds);
  for (const [f, { train, test }] of foldSplits(fold, folds).entries()) {
    const fit = fitOnVectors(train.map((i) => X![i]), train.map((i) => y[i]), labels, { ...o, seed: o.seed + f });
    const P = predictProba(fit.head, standardize(fit.standardizer, test.map((i) => X![i])));
    let hit = 0;
    test.forEach((i, r) => {
      pred[i] = argmax(P[r]);
      if (pred[i] === y[i]) hit++;
    });
    foldAccuracy.push(hit / test.length);
    bar?.update(f + 1, { acc: hit / test.length });
  }
  bar?.stop();
  const report = classificationReport(y, pred, labels, { resamples: info.resamples });
  return {
    ...report,
    unseen: { count: 0, levels: {}, predicted: {} },
    folds,
    foldAccuracy,
    accuracyMean: mean(foldAccuracy),
    accuracySd: sampleSd(foldAccuracy),
    options: o,
    predictions: pred.map((p) => labels[p]),
    duplicates: dup.groups.map((g) => g.map((i) => rows[i].id)),
  };
}

export interface CurvePoint {
  size: number;
  seeds: number;
  /** Mean and sample standard deviation over seeds of each headline metric on the test set. */
  metrics: Record<(typeof HEADLINE_METRICS)[number], { mean: number; sd: number; values: number[] }>;
  unseenTestRows: number;
}

export interface CurveResult {
  options: ResolvedOptions;
  trainRows: number;
  testRows: number;
  points: CurvePoint[];
}

/**
 * Learning curve: for each size, `seeds` stratified samples of the training rows (class proportions kept),
 * each trained with its own seed and scored on all of `test`. The vectors of both sets are computed once (and
 * cached on disk), so only the heads are trained per point.
 */
export async function learningCurve(trainRows: readonly LabelledText[], testRows: readonly LabelledText[], sizes: readonly number[], seeds: number, options: ClassifierOptions, info: { file?: string; testFile?: string } = {}): Promise<CurveResult> {
  const file = info.file ?? 'the training CSV';
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 2) throw new UserError(`--sizes: ${s} is not a training size. Fix: give whole numbers of at least 2, e.g. --sizes 100,300,500`);
    if (s > trainRows.length) throw new UserError(`--sizes: ${s} is more than the ${trainRows.length} rows of ${file}. Fix: use sizes up to ${trainRows.length}`);
  }
  if (!Number.isInteger(seeds) || seeds < 1) throw new UserError(`--seeds ${seeds}: need at least 1. Fix: e.g. --seeds 3`);
  const labels = requireLevels(trainRows, file);
  const o = resolveOptions(options);
  const encoder = await createEncoder(o.encoder, { maxTokens: o.maxTokens ?? undefined });
  let Xtrain: Float64Array[];
  let Xtest: Float64Array[];
  try {
    refuseSeenTexts(encoder, testRows, { file: info.testFile ?? 'the test CSV', what: 'to test the curve on' });
    Xtrain = await inputVectors(encoder, trainRows, o, { cacheDir: options.cacheDir, showProgress: options.showProgress, file });
    Xtest = await inputVectors(encoder, testRows, o, { cacheDir: options.cacheDir, showProgress: options.showProgress, file: info.testFile });
  } finally {
    encoder.dispose?.();
  }
  const index = labelIndex(labels);
  const y = trainRows.map((r) => index.get(r.level!)!);
  const bar = options.showProgress === false ? null : progress(`learning curve (${o.head})`, sizes.length * seeds);
  let done = 0;
  const unseen = new Map<number, number>();
  const curve = runCurve(y, sizes, seeds, o.seed, HEADLINE_METRICS, (sample, seed, size) => {
    const fit = fitOnVectors(sample.map((i) => Xtrain[i]), sample.map((i) => y[i]), labels, { ...o, seed });
    const P = predictProba(fit.head, standardize(fit.standardizer, Xtest));
    const preds: Prediction[] = testRows.map((r, i) => ({ id: r.id, level: labels[argmax(P[i])], probabilities: Array.from(P[i]) }));
    const ev = evaluatePredictions(testRows, preds, labels, { resamples: 1 });
    unseen.set(size, ev.unseen.count);
    bar?.update(++done, { size, acc: ev.accuracy.value });
    return Object.fromEntries(HEADLINE_METRICS.map((m) => [m, ev[m].value])) as Record<(typeof HEADLINE_METRICS)[number], number>;
  });
  const points: CurvePoint[] = curve.map((p) => ({ ...p, unseenTestRows: unseen.get(p.size) ?? 0 }));
  bar?.stop();
  return { options: o, trainRows: trainRows.length, testRows: testRows.length, points };
}
