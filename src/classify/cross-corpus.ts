/**
 * Rating a corpus with a model trained on another: the three embedded corpora as ordinal corpora (CEFR-ASAG and
 * CEFR-SP on the CEFR scale; ELLIPSE on its own 1-5 holistic scale in half points, because no documented mapping
 * from ELLIPSE's Overall score to CEFR levels exists), the shared-direction ordinal model of ./ordinal-corpus.ts
 * trained on one corpus (or on all but one) and read on another, zero-shot and with cut points calibrated from k
 * labelled texts per level, and the figures and readings of notebook 06's cross-corpus section.
 *
 * Honesty rules kept here: every figure is computed on the target's test part, which no model or calibration
 * saw (calibration texts are drawn from the target's training part); the standardiser is fitted on the training
 * corpus; a direction between different scales is measured only by rank correlation (Spearman) unless the
 * target's cut points were calibrated on its own labelled texts.
 */
import * as path from 'node:path';
import { Rng } from '../runtime/rng';
import { dataDir } from '../runtime/paths';
import { readTable, requireColumns } from '../runtime/csv-table';
import { CEFR_LEVELS } from '../corpus/cefr';
import { classificationReport, type ClassificationReport } from '../metrics/report';
import { spearmanCI } from '../metrics/correlation';
import { quadraticWeightedKappa, accuracy as accuracyOf } from '../metrics/classification';
import type { Figure } from '../plot/figure';
import { createEncoder } from './spec';
import { createFeaturesEncoder, featureSetVector, type FeatureSet } from './encoder-features';
import { encodeCached, defaultCacheDir } from './cache';
import { fitStandardizer, standardize, fitOnVectors, resolveOptions } from './classifier';
import { stratifiedHoldout, stratifiedSample, perClassSample } from '../model-selection/folds';
import { predictProba, argmax } from './heads';
import { fitSharedOrdinal, calibrateCuts, latent, ordinalClass, type SharedOrdinal } from './ordinal-corpus';
import { sampleRows, type Corpora } from './corpora';

/** Defaults of the cross-corpus study (one table, read by the notebook and the benchmark alike). */
export const CROSS_CORPUS_DEFAULTS = {
  encoder: 'features:transfer',
  shots: [0, 5, 10, 25],
  calibrationSeeds: 5,
  /** ELLIPSE essays used (all 2,571 by default; fewer under CEFRLAB_FAST=1). */
  ellipseRows: Infinity,
  ellipseRowsFast: 600,
  /** CEFR-SP training sentences used (a stratified sample; the test split is used whole), to keep the section's time modest. */
  spTrainRows: 3000,
  testShare: 0.2,
} as const;

export interface OrdinalPart {
  texts: string[];
  /** Class index into the corpus's `classes`. */
  y: number[];
}

export interface OrdinalCorpus {
  name: string;
  /** The rating scale: corpora on the same scale share cut points zero-shot. */
  scale: string;
  classes: string[];
  train: OrdinalPart;
  test: OrdinalPart;
}

export const ELLIPSE_CSV = path.join(dataDir, 'ellipse', 'ELLIPSE_Final_github_test.csv');

/** ELLIPSE's essays and Overall scores (1-5 in half points), `limit` of them by a seeded stratified sample. */
export function loadEllipseScores(limit = Infinity, seed = 0, file = ELLIPSE_CSV): { texts: string[]; scores: string[] } {
  const t = readTable(file);
  requireColumns(t, ['full_text', 'Overall'], 'the ELLIPSE columns full_text and Overall');
  let rows = t.rows.map((r) => ({ text: r.full_text, score: String(Number(r.Overall)) }));
  if (limit < rows.length) {
    const classes = [...new Set(rows.map((r) => r.score))].sort((a, b) => Number(a) - Number(b));
    const pick = stratifiedSample(rows.map((r) => classes.indexOf(r.score)), limit, Rng.derive(seed, 'ellipse-cross-corpus'));
    rows = pick.map((i) => rows[i]);
  }
  return { texts: rows.map((r) => r.text), scores: rows.map((r) => r.score) };
}

function split(texts: string[], y: number[], share: number, seed: number): { train: OrdinalPart; test: OrdinalPart } {
  const h = stratifiedHoldout(y, share, Rng.derive(seed, 'cross-corpus-holdout'));
  const part = (idx: number[]) => ({ texts: idx.map((i) => texts[i]), y: idx.map((i) => y[i]) });
  return { train: part(h.train), test: part(h.dev) };
}

/**
 * The three corpora: CEFR-ASAG with the stratified 80/20 hold-out notebook 06 uses elsewhere, CEFR-SP with its
 * own train+dev / test split, ELLIPSE with a stratified 80/20 hold-out. CEFR classes are the six levels (a
 * corpus without texts at a level still has the class, so the scales match).
 */
export function loadOrdinalCorpora(corpora: Corpora, asagHoldout: { train: Corpora['asag']; test: Corpora['asag'] }, ellipseRows = Infinity, seed = 0): OrdinalCorpus[] {
  const cefr = [...CEFR_LEVELS] as string[];
  const asPart = (rows: Corpora['asag']): OrdinalPart => ({ texts: rows.map((r) => r.text), y: rows.map((r) => cefr.indexOf(r.level!)) });
  const ell = loadEllipseScores(ellipseRows, seed);
  const classes = [...new Set(ell.scores)].sort((a, b) => Number(a) - Number(b));
  return [
    { name: 'CEFR-ASAG', scale: 'CEFR', classes: cefr, train: asPart(asagHoldout.train), test: asPart(asagHoldout.test) },
    { name: 'CEFR-SP', scale: 'CEFR', classes: cefr, train: asPart(corpora.spTrain), test: asPart(corpora.spTest) },
    { name: 'ELLIPSE', scale: 'ELLIPSE Overall (1-5)', classes, ...split(ell.texts, ell.scores.map((s) => classes.indexOf(s)), CROSS_CORPUS_DEFAULTS.testShare, seed) },
  ];
}

export interface EncodedCorpus extends OrdinalCorpus {
  Xtrain: Float64Array[];
  Xtest: Float64Array[];
}

/** Feature vectors of every part, through the on-disk cache. */
export async function encodeCorpora(corpora: readonly OrdinalCorpus[], spec: string = CROSS_CORPUS_DEFAULTS.encoder, cacheDir: string | null = defaultCacheDir()): Promise<{ corpora: EncodedCorpus[]; names: string[] }> {
  const encoder = await createEncoder(spec);
  try {
    const enc = async (texts: string[]) => (await encodeCached(encoder, texts, { cacheDir })).vectors.map((v) => Float64Array.from(v));
    const out: EncodedCorpus[] = [];
    for (const c of corpora) out.push({ ...c, Xtrain: await enc(c.train.texts), Xtest: await enc(c.test.texts) });
    return { corpora: out, names: [...(encoder.names ?? [])] };
  } finally {
    encoder.dispose?.();
  }
}

/**
 * The corpora under several feature sets of the `features` encoder, from one pass: the full vectors are encoded
 * (and cached) once, each set's vectors taken from them (`featureSetVector`).
 */
export async function encodeFeatureSets(corpora: readonly OrdinalCorpus[], sets: readonly FeatureSet[], cacheDir: string | null = defaultCacheDir()): Promise<Record<string, { corpora: EncodedCorpus[]; names: string[] }>> {
  const full = await encodeCorpora(corpora, 'features', cacheDir);
  const out: Record<string, { corpora: EncodedCorpus[]; names: string[] }> = {};
  for (const set of sets) {
    const names = createFeaturesEncoder(set).names as string[];
    const pick = (X: Float64Array[]) => X.map((x) => featureSetVector(x, set));
    out[set === 'all' ? 'features' : `features:${set}`] = { names: [...names], corpora: full.corpora.map((c) => ({ ...c, Xtrain: pick(c.Xtrain), Xtest: pick(c.Xtest) })) };
  }
  return out;
}

/** Keep only some input dimensions (feature ablation). */
export function selectColumns(corpora: readonly EncodedCorpus[], keep: readonly number[]): EncodedCorpus[] {
  const pick = (X: Float64Array[]) => X.map((x) => Float64Array.from(keep, (j) => x[j]));
  return corpora.map((c) => ({ ...c, Xtrain: pick(c.Xtrain), Xtest: pick(c.Xtest) }));
}

export interface Interval {
  value: number;
  ci90: [number, number];
}

function spearmanCi(eta: readonly number[], y: readonly number[], resamples: number): Interval {
  const r = spearmanCI(eta, y, { resamples, seed: 0 });
  return { value: r.estimate, ci90: [r.lo, r.hi] };
}

// ---------------------------------------------------------------- models and directions

export interface TrainedTransfer {
  sources: string[];
  standardizer: ReturnType<typeof fitStandardizer>;
  model: SharedOrdinal;
  /** Index of each source in `model.cuts`. */
  scales: string[];
  classes: number[];
}

/** Fit the shared-direction ordinal model on the training parts of `sources` (each its own cut points). */
export function trainTransfer(sources: readonly EncodedCorpus[]): TrainedTransfer {
  const X = sources.flatMap((c) => c.Xtrain);
  const standardizer = fitStandardizer(X);
  const y = sources.flatMap((c) => c.train.y);
  const corpus = sources.flatMap((c, i) => c.train.y.map(() => i));
  const model = fitSharedOrdinal(standardize(standardizer, X), y, corpus, sources.map((c) => c.classes.length));
  return { sources: sources.map((c) => c.name), standardizer, model, scales: sources.map((c) => c.scale), classes: sources.map((c) => c.classes.length) };
}

/** Zero-shot cut points for a target: those of the training corpus on its scale, or pooled over several; null when none shares it. */
export function zeroShotCuts(t: TrainedTransfer, sources: readonly EncodedCorpus[], target: OrdinalCorpus): Float64Array | null {
  const same = sources.map((c, i) => (c.scale === target.scale ? i : -1)).filter((i) => i >= 0);
  if (same.length === 0) return null;
  if (same.length === 1) return t.model.cuts[same[0]];
  const rows = same.flatMap((i) => standardize(t.standardizer, sources[i].Xtrain));
  const ys = same.flatMap((i) => sources[i].train.y);
  return calibrateCuts(rows.map((x) => latent(t.model.w, x)), ys, target.classes.length, { strength: 0 });
}

export interface ShotPoint {
  k: number;
  /** Calibration samples (seeds) averaged; 1 at k = 0. */
  seeds: number;
  qwk: { mean: number; sd: number; values: number[] } | null;
  accuracy: { mean: number; sd: number; values: number[] } | null;
  /** Calibration texts per seed (fewer than k x levels when a level has fewer texts). */
  calibrationTexts: number;
}

export interface DirectionResult {
  sources: string[];
  target: string;
  kind: 'in-corpus' | 'cross-corpus' | 'leave-one-corpus-out';
  sameScale: boolean;
  n: number;
  /** Rank correlation of the latent score with the target's labels, every direction. */
  spearman: Interval;
  /** Zero-shot report on the target's labels (same scale only). */
  report: ClassificationReport | null;
  /** Always answering the training corpus's most frequent level (same scale only). */
  majority: { level: string; accuracy: number } | null;
  shots: ShotPoint[];
}

const meanSd = (v: number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean: m, sd: v.length < 2 ? 0 : Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1)), values: v };
};

/** Evaluate a trained model on a target's test part: zero-shot, then with k calibration texts per level. */
export function evaluateDirection(t: TrainedTransfer, sources: readonly EncodedCorpus[], target: EncodedCorpus, opts: { shots?: readonly number[]; seeds?: number; resamples?: number; kind?: DirectionResult['kind'] } = {}): DirectionResult {
  const shots = opts.shots ?? CROSS_CORPUS_DEFAULTS.shots;
  const seeds = opts.seeds ?? CROSS_CORPUS_DEFAULTS.calibrationSeeds;
  const resamples = opts.resamples ?? 1000;
  const etaTest = standardize(t.standardizer, target.Xtest).map((x) => latent(t.model.w, x));
  const etaPool = standardize(t.standardizer, target.Xtrain).map((x) => latent(t.model.w, x));
  const y = target.test.y;
  const prior = zeroShotCuts(t, sources, target);
  let report: ClassificationReport | null = null;
  let majority: DirectionResult['majority'] = null;
  if (prior) {
    const pred = etaTest.map((e) => ordinalClass(e, prior));
    report = classificationReport(y, pred, target.classes, { resamples });
    const same = sources.filter((c) => c.scale === target.scale);
    const counts = new Array<number>(target.classes.length).fill(0);
    for (const c of same) for (const v of c.train.y) counts[v]++;
    const level = argmax(counts);
    majority = { level: target.classes[level], accuracy: y.filter((v) => v === level).length / y.length };
  }
  const points: ShotPoint[] = [];
  for (const k of shots) {
    if (k === 0) {
      points.push({ k, seeds: 1, qwk: report ? meanSd([report.qwk.value]) : null, accuracy: report ? meanSd([report.accuracy.value]) : null, calibrationTexts: 0 });
      continue;
    }
    const q: number[] = [];
    const a: number[] = [];
    let used = 0;
    for (let s = 0; s < seeds; s++) {
      const pick = perClassSample(target.train.y, k, Rng.derive(s, 'calibrate', target.name, k));
      used = pick.length;
      const cuts = calibrateCuts(pick.map((i) => etaPool[i]), pick.map((i) => target.train.y[i]), target.classes.length, { prior });
      const pred = etaTest.map((e) => ordinalClass(e, cuts));
      q.push(quadraticWeightedKappa(y, pred, target.classes.length));
      a.push(accuracyOf(y, pred));
    }
    points.push({ k, seeds, qwk: meanSd(q), accuracy: meanSd(a), calibrationTexts: used });
  }
  const inCorpus = t.sources.length === 1 && t.sources[0] === target.name;
  return {
    sources: [...t.sources],
    target: target.name,
    kind: opts.kind ?? (inCorpus ? 'in-corpus' : 'cross-corpus'),
    sameScale: prior != null,
    n: y.length,
    spearman: spearmanCi(etaTest, y, resamples),
    report,
    majority,
    shots: points,
  };
}

export interface CrossCorpusStudy {
  encoder: string;
  featureNames: string[];
  corpora: Array<{ name: string; scale: string; train: number; test: number; /** Texts per class, in scale order (train and test together). */ perClass: Array<[string, number]> }>;
  directions: DirectionResult[];
  /** Today's model (all 26 features, logistic head, trained on one corpus) on the CEFR directions, for comparison. */
  baseline: Array<{ source: string; target: string; report: ClassificationReport }>;
  /** Standardised coefficients of the direction learnt from all three corpora (each its own cut points). */
  coefficients: Array<{ feature: string; weight: number }>;
  seconds: number;
}

/**
 * Every direction measurable with the corpora: each corpus on itself (in-corpus), each on each other (one
 * training corpus), and each left out of a model trained on the other two. `baselineVectors` are today's
 * `features` vectors of the CEFR corpora, for the logistic-head comparison rows.
 */
export function crossCorpusStudy(corpora: readonly EncodedCorpus[], featureNames: readonly string[], opts: { shots?: readonly number[]; seeds?: number; resamples?: number; encoder?: string; baselineVectors?: EncodedCorpus[] } = {}): CrossCorpusStudy {
  const t0 = Date.now();
  const directions: DirectionResult[] = [];
  for (const source of corpora) {
    const t = trainTransfer([source]);
    for (const target of corpora) directions.push(evaluateDirection(t, [source], target, opts));
  }
  if (corpora.length > 2) {
    for (const target of corpora) {
      const rest = corpora.filter((c) => c !== target);
      directions.push(evaluateDirection(trainTransfer(rest), rest, target, { ...opts, kind: 'leave-one-corpus-out' }));
    }
  }
  const all = trainTransfer(corpora.slice());
  const coefficients = featureNames.map((feature, j) => ({ feature, weight: all.model.w[j] })).sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
  const baseline: CrossCorpusStudy['baseline'] = [];
  const bv = opts.baselineVectors ?? [];
  for (const source of bv) {
    const o = resolveOptions({ encoder: 'features', head: 'logistic', seed: 0 });
    const fit = fitOnVectors(source.Xtrain, source.train.y.map((v) => v), CEFR_LEVELS.slice(), o);
    for (const target of bv) {
      const P = predictProba(fit.head, standardize(fit.standardizer, target.Xtest));
      baseline.push({ source: source.name, target: target.name, report: classificationReport(target.test.y, P.map((p) => argmax(p)), target.classes, { resamples: opts.resamples ?? 1000 }) });
    }
  }
  return {
    encoder: opts.encoder ?? CROSS_CORPUS_DEFAULTS.encoder,
    featureNames: [...featureNames],
    corpora: corpora.map((c) => ({ name: c.name, scale: c.scale, train: c.train.y.length, test: c.test.y.length, perClass: c.classes.map((l, i): [string, number] => [l, c.train.y.concat(c.test.y).filter((v) => v === i).length]).filter(([, n]) => n > 0) })),
    directions,
    baseline,
    coefficients,
    seconds: (Date.now() - t0) / 1000,
  };
}

// ---------------------------------------------------------------- ablation

/** Feature groups of `features:transfer`, for the ablation. */
export const TRANSFER_GROUPS: Readonly<Record<string, readonly string[]>> = {
  'vocabulary profile (CEFR-J)': ['vp_a1', 'vp_a2', 'vp_b1', 'vp_b2', 'vp_c1', 'vp_c2', 'vp_unlisted', 'vp_listed_mean_level', 'vp_listed_above_a2'],
  'frequency bands (OpenSubtitles)': ['freq_k1', 'freq_k2', 'freq_k3_5', 'freq_k6_10', 'freq_k11_50', 'freq_offlist', 'freq_mean_log10_rank'],
  'word and sentence length, commas': ['mean_word_length', 'mean_sentence_length', 'comma_rate'],
  'error rates': ['misspelling_rate', 'lowercase_i_rate'],
};

export interface AblationRow {
  dropped: string;
  /** Mean over the cross-corpus directions (one training corpus) of Spearman's rho on the target's test part. */
  meanSpearman: number;
  /** Each direction's rho. */
  spearman: Record<string, number>;
  /** Mean over the CEFR-to-CEFR directions of zero-shot QWK. */
  meanQwkCefr: number;
}

/**
 * Drop one feature group at a time and measure the zero-shot transfer (the rank correlation every direction
 * has, and QWK where the scales match): a group whose removal lowers them carries the transfer.
 */
export function transferAblation(corpora: readonly EncodedCorpus[], featureNames: readonly string[], groups: Readonly<Record<string, readonly string[]>> = TRANSFER_GROUPS): AblationRow[] {
  const rows: AblationRow[] = [];
  for (const dropped of ['(none)', ...Object.keys(groups)]) {
    const keep = featureNames.map((n, j) => (dropped !== '(none)' && groups[dropped].includes(n) ? -1 : j)).filter((j) => j >= 0);
    const cs = selectColumns(corpora, keep);
    const rho: Record<string, number> = {};
    const qwk: number[] = [];
    for (const source of cs) {
      const t = trainTransfer([source]);
      for (const target of cs) {
        if (target === source) continue;
        const d = evaluateDirection(t, [source], target, { shots: [0], resamples: 1 });
        rho[`${source.name} → ${target.name}`] = d.spearman.value;
        if (d.report) qwk.push(d.report.qwk.value);
      }
    }
    const v = Object.values(rho);
    rows.push({ dropped, meanSpearman: v.reduce((a, b) => a + b, 0) / v.length, spearman: rho, meanQwkCefr: qwk.length ? qwk.reduce((a, b) => a + b, 0) / qwk.length : NaN });
  }
  return rows;
}

// ---------------------------------------------------------------- tables, figures, readings

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const ci = (m: Interval) => `${f3(m.value)} [${f3(m.ci90[0])}, ${f3(m.ci90[1])}]`;
const dirName = (d: DirectionResult) => `${d.sources.join(' + ')} → ${d.target}`;

/** One table row per direction: zero-shot figures with intervals, the majority baseline, and QWK after calibration. */
export function directionTable(study: CrossCorpusStudy): Array<Record<string, string | number>> {
  return study.directions.map((d) => {
    const row: Record<string, string | number> = { direction: dirName(d), kind: d.kind, n: d.n };
    row['Spearman [90% CI]'] = ci(d.spearman);
    row['accuracy k=0 [90% CI]'] = d.report ? ci(d.report.accuracy) : 'other scale';
    row['QWK k=0 [90% CI]'] = d.report ? ci(d.report.qwk) : 'other scale';
    row['majority acc.'] = d.majority ? f3(d.majority.accuracy) : '-';
    for (const p of d.shots) if (p.k > 0 && p.qwk) row[`QWK k=${p.k}`] = `${f3(p.qwk.mean)} ± ${f3(p.qwk.sd)}`;
    return row;
  });
}

/**
 * Zero-shot figures side by side for each target: in-corpus, from each other corpus, and left out of the other
 * two, with 90 % bootstrap intervals as error bars: QWK on the CEFR targets (majority baseline 0), Spearman's
 * rho on every target.
 */
export function sideBySideFigure(study: CrossCorpusStudy, metric: 'qwk' | 'spearman'): Figure {
  const targets = study.corpora.map((c) => c.name);
  const keyOf = (d: DirectionResult) => (d.kind === 'in-corpus' ? 'in-corpus' : d.kind === 'leave-one-corpus-out' ? 'trained on the other two' : `trained on ${d.sources[0]}`);
  const series = [...new Set(study.directions.map(keyOf))];
  const value = (d: DirectionResult | undefined): Interval | null => (!d ? null : metric === 'spearman' ? d.spearman : d.report ? d.report.qwk : null);
  const data: Array<Record<string, unknown>> = series.map((s) => {
    const vals = targets.map((t) => value(study.directions.find((d) => d.target === t && keyOf(d) === s)));
    return {
      type: 'bar', name: s, x: targets, y: vals.map((v) => (v ? v.value : null)),
      error_y: { type: 'data', symmetric: false, array: vals.map((v) => (v ? v.ci90[1] - v.value : 0)), arrayminus: vals.map((v) => (v ? v.value - v.ci90[0] : 0)), visible: true },
    };
  });
  const title = metric === 'qwk' ? 'Zero-shot QWK by target corpus (the majority baseline scores 0; ELLIPSE is on another scale)' : "Spearman's rho of the latent score with the target's levels (a constant prediction has none)";
  return {
    data,
    layout: { title: { text: title }, barmode: 'group', xaxis: { title: { text: 'target corpus (its test part)' } }, yaxis: { title: { text: metric === 'qwk' ? 'QWK [90% CI]' : 'Spearman rho [90% CI]' } }, legend: { orientation: 'h', yanchor: 'top', y: -0.2 }, margin: { b: 110 } },
  };
}

/** The few-shot calibration curve: QWK on the target's test part against labelled texts per level (mean ± sd over samples). */
export function calibrationFigure(study: CrossCorpusStudy): Figure {
  const data = study.directions
    .filter((d) => d.kind !== 'in-corpus')
    .map((d) => {
      const pts = d.shots.filter((p) => p.qwk);
      return {
        type: 'scatter', mode: 'lines+markers', name: dirName(d), x: pts.map((p) => p.k), y: pts.map((p) => p.qwk!.mean),
        error_y: { type: 'data', array: pts.map((p) => p.qwk!.sd), visible: true },
        ...(d.kind === 'leave-one-corpus-out' ? { line: { dash: 'dash' } } : {}),
      };
    });
  return {
    data,
    layout: { title: { text: 'Few-shot calibration: QWK with k labelled texts per level (cut points only; the direction is kept)' }, xaxis: { title: { text: 'k, labelled texts per level of the target' } }, yaxis: { title: { text: 'QWK on the target test part (mean ± sd over samples)' } }, legend: { orientation: 'h', yanchor: 'top', y: -0.2 }, margin: { b: 140 } },
  };
}

export interface TargetCheck {
  target: string;
  met: boolean;
  detail: string;
}

/**
 * The targets, checked on the study: zero-shot above the majority baseline in every cross-corpus
 * direction (accuracy where the scales match, and the rank correlation's 90 % interval above 0 everywhere),
 * QWK at least .60 with 10 texts per level in every direction, and in-corpus no worse than today's
 * `features → logistic` on the CEFR corpora.
 */
export function targetChecks(study: CrossCorpusStudy): TargetCheck[] {
  const cross = study.directions.filter((d) => d.kind !== 'in-corpus');
  const out: TargetCheck[] = [];
  for (const d of cross) {
    const parts: string[] = [];
    let met = d.spearman.ci90[0] > 0;
    parts.push(`rho ${f3(d.spearman.value)} [${f3(d.spearman.ci90[0])}, ${f3(d.spearman.ci90[1])}]`);
    if (d.report && d.majority) {
      met = met && d.report.accuracy.value > d.majority.accuracy && d.report.qwk.value > 0;
      parts.push(`accuracy ${f3(d.report.accuracy.value)} vs majority ${f3(d.majority.accuracy)} (${d.majority.level}), QWK ${f3(d.report.qwk.value)} vs 0`);
    }
    out.push({ target: `k=0 above the majority baseline: ${dirName(d)}`, met, detail: parts.join('; ') });
  }
  for (const d of cross) {
    const p = d.shots.find((s) => s.k === 10);
    if (!p || !p.qwk) continue;
    out.push({ target: `k=10 QWK >= .60: ${dirName(d)}`, met: p.qwk.mean >= 0.6, detail: `QWK ${f3(p.qwk.mean)} ± ${f3(p.qwk.sd)} over ${p.seeds} samples of ${p.calibrationTexts} texts` });
  }
  for (const b of study.baseline.filter((x) => x.source === x.target)) {
    const d = study.directions.find((x) => x.kind === 'in-corpus' && x.target === b.target);
    if (!d?.report) continue;
    out.push({
      target: `in-corpus no worse than today: ${b.target}`,
      met: d.report.qwk.value >= b.report.qwk.ci90[0] && d.report.accuracy.value >= b.report.accuracy.ci90[0],
      detail: `ordinal on ${study.encoder}: accuracy ${f3(d.report.accuracy.value)}, QWK ${f3(d.report.qwk.value)}; today's features → logistic: accuracy ${ci(b.report.accuracy)}, QWK ${ci(b.report.qwk)} (met = inside or above today's 90 % interval)`,
    });
  }
  return out;
}

/** A few sentences on what the study shows, every number computed from it. */
export function crossCorpusStudyReading(study: CrossCorpusStudy, ablation: readonly AblationRow[] | null = null): string {
  const checks = targetChecks(study);
  const lines: string[] = [];
  const met = checks.filter((c) => c.met).length;
  lines.push(`${met} of ${checks.length} target checks are met.`);
  for (const c of checks) lines.push(`  ${c.met ? 'met    ' : 'NOT met'} ${c.target}: ${c.detail}`);
  const top = study.coefficients.slice(0, 5).map((c) => `${c.feature} ${c.weight >= 0 ? '+' : ''}${c.weight.toFixed(2)}`).join(', ');
  lines.push(`Largest standardised weights of the direction learnt from all three corpora: ${top}.`);
  if (ablation && ablation.length > 1) {
    const base = ablation[0];
    const drops = ablation.slice(1).map((r) => ({ g: r.dropped, d: base.meanSpearman - r.meanSpearman, q: base.meanQwkCefr - r.meanQwkCefr })).sort((a, b) => b.d - a.d);
    lines.push(
      `Ablation (mean zero-shot rho over the ${Object.keys(base.spearman).length} one-corpus directions, all features ${f3(base.meanSpearman)}): ` +
        drops.map((x) => `without ${x.g} ${x.d >= 0 ? '-' : '+'}${f3(Math.abs(x.d))} (CEFR QWK ${x.q >= 0 ? '-' : '+'}${f3(Math.abs(x.q))})`).join('; ') +
        `. The group whose removal costs most carries most of the transfer: ${drops[0].g}.`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- the notebook's section in one call

export interface EncoderComparisonRow {
  encoder: string;
  direction: string;
  spearman: number;
  qwk0: number | null;
  qwk10: number | null;
}

/**
 * The same directions with other feature sets (zero-shot rho and QWK, QWK with 10 texts per level; point
 * values, 3 calibration samples), so that the choice of `features:transfer` is shown beside the alternatives,
 * not assumed.
 */
export function encoderComparison(encoded: Readonly<Record<string, { corpora: EncodedCorpus[]; names: string[] }>>): EncoderComparisonRow[] {
  const rows: EncoderComparisonRow[] = [];
  for (const [spec, { corpora: enc, names }] of Object.entries(encoded)) {
    const st = crossCorpusStudy(enc, names, { shots: [0, 10], seeds: 3, resamples: 1, encoder: spec });
    rows.push(...comparisonRows(st));
  }
  return rows;
}

/** The comparison rows of a study already computed. */
export function comparisonRows(study: CrossCorpusStudy): EncoderComparisonRow[] {
  return study.directions
    .filter((d) => d.kind !== 'in-corpus')
    .map((d) => ({ encoder: study.encoder, direction: dirName(d), spearman: d.spearman.value, qwk0: d.report ? d.report.qwk.value : null, qwk10: d.shots.find((p) => p.k === 10)?.qwk?.mean ?? null }));
}

/** Encoder comparison as one row per direction, one column pair per encoder. */
export function encoderComparisonTable(rows: readonly EncoderComparisonRow[]): Array<Record<string, string>> {
  const dirs = [...new Set(rows.map((r) => r.direction))];
  const specs = [...new Set(rows.map((r) => r.encoder))];
  return dirs.map((d) => {
    const out: Record<string, string> = { direction: d };
    for (const s of specs) {
      const r = rows.find((x) => x.direction === d && x.encoder === s);
      out[`${s}: rho`] = r ? f3(r.spearman) : '-';
      out[`${s}: QWK k=0`] = r && r.qwk0 != null ? f3(r.qwk0) : '-';
      out[`${s}: QWK k=10`] = r && r.qwk10 != null ? f3(r.qwk10) : '-';
    }
    return out;
  });
}

export interface CrossCorpusSection {
  study: CrossCorpusStudy;
  ablation: AblationRow[];
  comparison: EncoderComparisonRow[];
  seconds: number;
}

/**
 * Everything notebook 06's cross-corpus section shows: the three corpora (ELLIPSE sampled under the fast
 * setting), the study with the transfer features and today's `features → logistic` rows beside it, the
 * ablation, and the encoder comparison.
 */
export async function crossCorpusSection(corpora: Corpora, asagHoldout: { train: Corpora['asag']; test: Corpora['asag'] }, opts: { fast: boolean; resamples: number; cacheDir?: string | null }): Promise<CrossCorpusSection & { corpora: OrdinalCorpus[] }> {
  const t0 = Date.now();
  const cacheDir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  const sp = { ...corpora, spTrain: sampleRows(corpora.spTrain, CROSS_CORPUS_DEFAULTS.spTrainRows) };
  const oc = loadOrdinalCorpora(sp, asagHoldout, opts.fast ? CROSS_CORPUS_DEFAULTS.ellipseRowsFast : CROSS_CORPUS_DEFAULTS.ellipseRows);
  const sets = await encodeFeatureSets(oc, ['all', 'rates', 'transfer'], cacheDir);
  const { corpora: enc, names } = sets[CROSS_CORPUS_DEFAULTS.encoder];
  const baselineVectors = sets.features.corpora.filter((c) => c.scale === 'CEFR');
  const study = crossCorpusStudy(enc, names, { resamples: opts.resamples, baselineVectors });
  const ablation = transferAblation(enc, names);
  const comparison = [...encoderComparison({ features: sets.features, 'features:rates': sets['features:rates'] }), ...comparisonRows(study)];
  return { corpora: oc, study, ablation, comparison, seconds: (Date.now() - t0) / 1000 };
}
