/**
 * The vocabulary scale (Settles, LaFlair & Hagiwara 2020, section 3): a word's difficulty δ on the 100-point
 * CEFR scale predicted from its spelling alone, so it works for real words and pseudowords alike.
 *
 * Features of a word x (lower-cased): its character length, its log-likelihood log p(x) under the character
 * Kneser-Ney model (src/charlm/kn.ts, trained on the OpenSubtitles frequency list) and that model's sparse
 * Fisher score (one column per character n-gram found in at least two training words). Scaling, fitted on the
 * training words: length and log-likelihood to zero mean and unit variance; the whole Fisher block divided by
 * one number, its root mean squared row norm, so the score's own weighting (rare n-grams weigh more, like
 * tf-idf) is kept and rows stay sparse.
 *
 * Labels: the CEFR-J (A1-B2) and Octanove (C1-C2) profiles, a word at its lowest listed level (src/scale/data.ts),
 * δ(level) from Table 1. Two models: linear (ridge) regression on δ(level), and the six-way weighted softmax,
 * δ = sum_j δ(j) P(j | x). Evaluated by Pearson r on the training words (r_ALL) and 10-fold cross-validated
 * (r_XV), with the paper's Table 3 ablations.
 */
import { CharLm, type CharLmData, type TypeWeighting, typeWeight } from '../charlm/kn';
import { CEFR_LEVELS, cefrIndex } from '../corpus/cefr';
import { LEVEL_SCALE } from './cefr-scale';
import { WORD_RE, loadFrequencyList, loadVocabProfile, type ProfileWord } from './data';
import { fitRidge, fitSoftmax, softmaxProbs, sparseRow, type SparseRow } from './linear';
import { pearson } from '../metrics/correlation';
import { foldSplits, shuffledFolds } from '../model-selection/folds';
import { Rng } from '../runtime/rng';
import { progress } from '../runtime/progress';

export const LEVEL_DELTAS = CEFR_LEVELS.map((l) => LEVEL_SCALE[l]);

export type FeatureSet = { length: boolean; loglik: boolean; fisher: boolean };
export const ALL_FEATURES: FeatureSet = { length: true, loglik: true, fisher: true };
export type VocabModelKind = 'linear' | 'softmax';

export interface CharLmTrainOptions {
  order?: number;
  weighting?: TypeWeighting;
}

/** Train the character model on the frequency list's a-z word types, weighted as `weighting` says (default 'log'). */
export function trainWordCharLm(options: CharLmTrainOptions = {}, freq = loadFrequencyList()): CharLm {
  const words = freq.filter(([w]) => WORD_RE.test(w));
  const min = Math.min(...words.map(([, c]) => c));
  const weighting = options.weighting ?? 'log';
  return CharLm.train(
    words.map(([w, c]) => [w, typeWeight(weighting, c, min)]),
    { order: options.order ?? 5 },
  );
}

/** Raw (unscaled) features of a word: length, log-likelihood, Fisher score. */
export interface RawWordFeatures {
  length: number;
  loglik: number;
  fisher: Map<string, number>;
}

export function rawWordFeatures(lm: CharLm, word: string): RawWordFeatures {
  const w = word.toLowerCase();
  return { length: [...w].length, loglik: lm.logProb(w), fisher: lm.fisherScore(w) };
}

/** Column layout and scaling, fitted on training words. Column 0 length, 1 log-likelihood, 2.. Fisher n-grams. */
export interface FeatureSpace {
  grams: string[];
  mean: [number, number];
  sd: [number, number];
  /** One scale for the whole Fisher block: the root mean squared row norm on the training words. */
  fisherScale: number;
}

export function fitFeatureSpace(raws: RawWordFeatures[], minDf = 2): FeatureSpace {
  const n = raws.length;
  const ml = raws.reduce((s, r) => s + r.length, 0) / n;
  const mll = raws.reduce((s, r) => s + r.loglik, 0) / n;
  const sl = Math.sqrt(raws.reduce((s, r) => s + (r.length - ml) ** 2, 0) / n) || 1;
  const sll = Math.sqrt(raws.reduce((s, r) => s + (r.loglik - mll) ** 2, 0) / n) || 1;
  const df = new Map<string, number>();
  for (const r of raws) for (const g of r.fisher.keys()) df.set(g, (df.get(g) ?? 0) + 1);
  const grams = [...df.keys()].filter((g) => df.get(g)! >= minDf).sort();
  const keep = new Set(grams);
  let sq = 0;
  for (const r of raws) for (const [g, v] of r.fisher) if (keep.has(g)) sq += v * v;
  return { grams, mean: [ml, mll], sd: [sl, sll], fisherScale: Math.sqrt(sq / n) || 1 };
}

export class FeatureIndex {
  readonly dim: number;
  private readonly index: Map<string, number>;
  constructor(readonly space: FeatureSpace) {
    this.index = new Map(space.grams.map((g, i) => [g, i]));
    this.dim = 2 + space.grams.length;
  }
  row(raw: RawWordFeatures, features: FeatureSet = ALL_FEATURES): SparseRow {
    const e: Array<[number, number]> = [];
    if (features.length) e.push([0, (raw.length - this.space.mean[0]) / this.space.sd[0]]);
    if (features.loglik) e.push([1, (raw.loglik - this.space.mean[1]) / this.space.sd[1]]);
    if (features.fisher) {
      for (const [g, v] of raw.fisher) {
        const i = this.index.get(g);
        if (i != null) e.push([2 + i, v / this.space.fisherScale]);
      }
    }
    return sparseRow(e);
  }
}

export interface VocabFitOptions {
  kind?: VocabModelKind;
  features?: FeatureSet;
  /** L2 penalty (defaults: linear 1e-4, softmax 3e-3). */
  l2?: number;
  maxIter?: number;
}

export const DEFAULT_L2: Record<VocabModelKind, number> = { linear: 1e-4, softmax: 1e-3 };
/** L-BFGS iterations per fit (early stopping doubles as regularisation; the benchmark uses the same). */
export const DEFAULT_MAX_ITER = 25;

/** Fit one model on rows; returns a predictor of δ. */
export function fitVocabModel(rows: SparseRow[], levels: number[], dim: number, options: VocabFitOptions = {}): { weights: Float64Array; predict: (row: SparseRow) => number } {
  const kind = options.kind ?? 'softmax';
  const l2 = options.l2 ?? DEFAULT_L2[kind];
  if (kind === 'linear') {
    const w = fitRidge(rows, levels.map((l) => LEVEL_DELTAS[l]), dim, { l2, maxIter: options.maxIter });
    return { weights: w, predict: (row) => predictLinear(row, w, dim) };
  }
  const w = fitSoftmax(rows, levels, LEVEL_DELTAS.length, dim, { l2, maxIter: options.maxIter });
  return { weights: w, predict: (row) => predictSoftmax(row, w, dim) };
}

export function predictLinear(row: SparseRow, w: ArrayLike<number>, dim: number): number {
  let s = w[dim];
  for (let k = 0; k < row.idx.length; k++) s += row.val[k] * w[row.idx[k]];
  return s;
}

export function predictSoftmax(row: SparseRow, w: ArrayLike<number>, dim: number): number {
  const p = softmaxProbs(row, w, LEVEL_DELTAS.length, dim);
  return p.reduce((s, pj, j) => s + pj * LEVEL_DELTAS[j], 0);
}

/** A trained vocabulary scale: the character model, the feature space and the weighted-softmax (or linear) weights. */
export interface VocabScaleData {
  kind: 'vocab-scale';
  model: VocabModelKind;
  lmOptions: Required<CharLmTrainOptions>;
  l2: number;
  maxIter: number;
  space: FeatureSpace;
  weights: number[];
}

/**
 * Why `word` is not something the vocabulary scale can rate, or null when it can. The scale was trained on
 * single words of the letters a-z (the frequency list's and profiles' a-z types), so that is what it rates:
 * case does not matter (the word is lower-cased); a hyphenated compound ("ice-cream") is refused, because the
 * character model has never seen a hyphen and would score the hyphen as an unknown symbol: rate its parts; so
 * are spaces, apostrophes, digits, accented letters and the empty string.
 */
export function vocabWordProblem(word: string): string | null {
  if (word.trim() === '') return 'empty';
  const w = word.toLowerCase();
  if (WORD_RE.test(w)) return null;
  if (/^[a-z]+(-[a-z]+)+$/.test(w)) return `a hyphenated compound: the scale rates single words of the letters a-z; rate its parts (${w.split('-').join(', ')})`;
  if (/\s/.test(w)) return 'several words: give one word per argument';
  if (/^[0-9.,]+$/.test(w)) return 'a number, not a word';
  const bad = [...new Set([...w].filter((c) => !/[a-z]/.test(c)))].slice(0, 5).map((c) => JSON.stringify(c)).join(' ');
  return `contains ${bad}: the scale rates single words of the letters a-z`;
}

export class VocabScale {
  readonly index: FeatureIndex;
  constructor(
    readonly lm: CharLm,
    readonly data: VocabScaleData,
  ) {
    this.index = new FeatureIndex(data.space);
  }
  /** δ of any string (lower-cased; characters outside a-z count as <unk>), not clamped. */
  predict(word: string): number {
    const row = this.index.row(rawWordFeatures(this.lm, word));
    return this.data.model === 'linear' ? predictLinear(row, this.data.weights, this.index.dim) : predictSoftmax(row, this.data.weights, this.index.dim);
  }
  /** P(level | word) of the weighted softmax (throws for a linear model). */
  levelProbs(word: string): number[] {
    if (this.data.model !== 'softmax') throw new Error('levelProbs: not a softmax model');
    return softmaxProbs(this.index.row(rawWordFeatures(this.lm, word)), this.data.weights, LEVEL_DELTAS.length, this.index.dim);
  }
}

export interface VocabTrainOptions extends CharLmTrainOptions {
  model?: VocabModelKind;
  l2?: number;
  maxIter?: number;
}

/** Train the character model and the vocabulary scale on all labelled words. */
export function trainVocabScale(options: VocabTrainOptions = {}, lm?: CharLm, profile: ProfileWord[] = loadVocabProfile()): VocabScale {
  const lmOptions = { order: options.order ?? 5, weighting: options.weighting ?? 'log' };
  const charLm = lm ?? trainWordCharLm(lmOptions);
  const raws = profile.map((p) => rawWordFeatures(charLm, p.word));
  const space = fitFeatureSpace(raws);
  const index = new FeatureIndex(space);
  const rows = raws.map((r) => index.row(r));
  const model = options.model ?? 'softmax';
  const l2 = options.l2 ?? DEFAULT_L2[model];
  const fit = fitVocabModel(rows, profile.map((p) => cefrIndex(p.level)), index.dim, { kind: model, l2, maxIter: options.maxIter ?? DEFAULT_MAX_ITER });
  return new VocabScale(charLm, { kind: 'vocab-scale', model, lmOptions, l2, maxIter: options.maxIter ?? DEFAULT_MAX_ITER, space, weights: [...fit.weights] });
}

export interface AblationRow {
  model: VocabModelKind;
  /** "all features", "w/o character length", "w/o log-likelihood", "w/o Fisher score". */
  features: string;
  rAll: number;
  rXV: number;
}

export interface VocabEvalResult {
  n: number;
  folds: number;
  rAll: Record<VocabModelKind, number>;
  rXV: Record<VocabModelKind, number>;
  ablations: AblationRow[];
  /** Per word: true δ(level), and the cross-validated prediction of the full weighted-softmax model. */
  words: Array<{ word: string; level: string; delta: number; predictedXV: number; predictedAll: number }>;
}

export const ABLATIONS: Array<[string, FeatureSet]> = [
  ['all features', ALL_FEATURES],
  ['w/o character length', { length: false, loglik: true, fisher: true }],
  ['w/o log-likelihood', { length: true, loglik: false, fisher: true }],
  ['w/o Fisher score', { length: true, loglik: true, fisher: false }],
];

/**
 * r_ALL and k-fold r_XV for both models and the four feature sets (Table 3). Folds are a seeded shuffle of the
 * words; the character model is trained once on the frequency list (it never sees the labels); the feature
 * scaling is fitted on each training fold.
 */
export function evaluateVocabScale(options: { folds?: number; seed?: number; lm?: CharLm; order?: number; weighting?: TypeWeighting; maxIter?: number; models?: VocabModelKind[]; ablations?: boolean; profile?: ProfileWord[] } = {}): VocabEvalResult {
  const folds = options.folds ?? 10;
  const profile = options.profile ?? loadVocabProfile();
  const lm = options.lm ?? trainWordCharLm({ order: options.order, weighting: options.weighting });
  const raws = profile.map((p) => rawWordFeatures(lm, p.word));
  const labels = profile.map((p) => cefrIndex(p.level));
  const truth = labels.map((l) => LEVEL_DELTAS[l]);
  const splits = foldSplits(shuffledFolds(profile.length, folds, new Rng(options.seed ?? 0)), folds);
  const models = options.models ?? ['linear', 'softmax'];
  const sets = options.ablations === false ? ABLATIONS.slice(0, 1) : ABLATIONS;
  const ablations: AblationRow[] = [];
  let xvFull: number[] = [];
  let allFull: number[] = [];
  const bar = progress('vocab scale eval', models.length * sets.length * (folds + 1));
  let done = 0;
  for (const kind of models) {
    for (const [name, fs] of sets) {
      const spaceAll = new FeatureIndex(fitFeatureSpace(raws));
      const rowsAll = raws.map((r) => spaceAll.row(r, fs));
      const fitAll = fitVocabModel(rowsAll, labels, spaceAll.dim, { kind, features: fs, maxIter: options.maxIter ?? DEFAULT_MAX_ITER });
      const predAll = rowsAll.map((r) => fitAll.predict(r));
      bar.update(++done);
      const predXV = new Array<number>(profile.length).fill(0);
      for (const { train, test } of splits) {
        const space = new FeatureIndex(fitFeatureSpace(train.map((i) => raws[i])));
        const fit = fitVocabModel(train.map((i) => space.row(raws[i], fs)), train.map((i) => labels[i]), space.dim, { kind, features: fs, maxIter: options.maxIter ?? DEFAULT_MAX_ITER });
        for (const i of test) predXV[i] = fit.predict(space.row(raws[i], fs));
        bar.update(++done);
      }
      ablations.push({ model: kind, features: name, rAll: pearson(predAll, truth), rXV: pearson(predXV, truth) });
      if (kind === 'softmax' && fs === ALL_FEATURES) {
        xvFull = predXV;
        allFull = predAll;
      }
    }
  }
  bar.stop();
  const pick = (k: VocabModelKind, key: 'rAll' | 'rXV') => ablations.find((a) => a.model === k && a.features === 'all features')?.[key] ?? NaN;
  return {
    n: profile.length,
    folds,
    rAll: { linear: pick('linear', 'rAll'), softmax: pick('softmax', 'rAll') },
    rXV: { linear: pick('linear', 'rXV'), softmax: pick('softmax', 'rXV') },
    ablations,
    words: profile.map((p, i) => ({ word: p.word, level: p.level, delta: truth[i], predictedXV: xvFull[i] ?? NaN, predictedAll: allFull[i] ?? NaN })),
  };
}

export function vocabScaleFromData(lmData: CharLmData, data: VocabScaleData): VocabScale {
  return new VocabScale(CharLm.fromData(lmData), data);
}
