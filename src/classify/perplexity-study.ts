/**
 * The `perplexity` encoder studied without leakage (notebook 06): which texts are held out from the level
 * models, the perplexity of each held-out text under each level model, the claim "a text is likely written at
 * the level whose model finds it least surprising" tested as a classifier with no training at all (the level
 * of the model with the lowest perplexity) against the majority baseline, and paired comparisons of two sets
 * of predictions on the same texts. Intervals are 90 % percentile bootstrap intervals (../metrics/bootstrap.ts),
 * paired: each resample draws the same texts for both sides.
 */
import { CEFR_LEVELS, type CefrLevel } from '../corpus/cefr';
import { bootstrapMany } from '../metrics/bootstrap';
import { quadraticWeightedKappa } from '../metrics/classification';
import type { LabelledText } from './data';
import { modelTrainingTexts, heldOutIndices, trainingOverlap } from './leakage';
import { createEncoder } from './spec';
import { inputVectors, refuseSeenTexts, resolveOptions } from './classifier';

export interface LevelModel {
  level: string;
  dir: string;
}

export interface HeldOutRows {
  /** The rows none of the models trained on, in input order. */
  rows: LabelledText[];
  /** How many rows were left out, in all and per model (a text can be in several models' data). */
  seen: number;
  perModel: Array<{ model: string; seen: number }>;
}

/** The rows whose texts none of `models` (nor the models they started from) trained on. */
export function rowsHeldOutFrom(rows: readonly LabelledText[], models: readonly LevelModel[]): HeldOutRows {
  const trained = models.map((m) => modelTrainingTexts(m.dir));
  const texts = rows.map((r) => r.text);
  const keep = heldOutIndices(trained, texts);
  const overlaps = trainingOverlap(trained, texts);
  return {
    rows: keep.map((i) => rows[i]),
    seen: rows.length - keep.length,
    perModel: trained.map((t) => ({ model: t.model, seen: overlaps.find((o) => o.model === t.model)?.indices.length ?? 0 })),
  };
}

/**
 * ln(perplexity) of each row under each model (rows x models), through the `perplexity:` encoder and its
 * embedding cache, so the classifier rows of the notebook reuse them. Texts a model trained on are refused.
 */
export async function levelPerplexities(rows: readonly LabelledText[], models: readonly LevelModel[], opts: { cacheDir?: string | null; showProgress?: boolean } = {}): Promise<number[][]> {
  const spec = `perplexity:${models.map((m) => m.dir).join(',')}`;
  const encoder = await createEncoder(spec);
  try {
    refuseSeenTexts(encoder, rows, { what: 'to score with the level models' });
    const X = await inputVectors(encoder, rows, resolveOptions({ encoder: spec }), { cacheDir: opts.cacheDir, showProgress: opts.showProgress ?? false });
    return X.map((x) => Array.from(x));
  } finally {
    encoder.dispose?.();
  }
}

export interface Interval {
  value: number;
  ci90: [number, number];
}

export interface ArgminTest {
  /** Rows tested: those at a level that has a model (argmin can only name those). */
  n: number;
  /** Rows left out because their level has no model, by level. */
  noModel: Record<string, number>;
  modelLevels: string[];
  /** Accuracy of the level whose model gives the lowest perplexity. */
  accuracy: Interval;
  /** Accuracy of always answering the most frequent level of the tested rows (a baseline that knows the test set). */
  majority: Interval & { level: string };
  /** accuracy - majority, paired bootstrap. */
  difference: Interval;
  /** How often each model is the argmin, by true level: counts[true level][model]. */
  confusion: Array<{ level: string; n: number; chosen: number[] }>;
  /** Mean ln(perplexity) under each model, by true level (all rows, modelled levels or not). */
  meanByLevel: Array<{ level: string; n: number; mean: number[] }>;
}

/**
 * The claim "a text is likely written at the level whose model finds it least surprising", as a
 * classifier: predict the level of the model with the lowest perplexity and score it on the rows whose true
 * level has a model, beside the majority baseline of those same rows, with paired bootstrap intervals.
 */
export function argminPerplexityTest(rows: readonly LabelledText[], lnPpl: readonly (readonly number[])[], models: readonly LevelModel[], opts: { resamples?: number; seed?: number } = {}): ArgminTest {
  const modelLevels = models.map((m) => m.level);
  const noModel: Record<string, number> = {};
  const tested: number[] = [];
  rows.forEach((r, i) => {
    if (modelLevels.includes(r.level!)) tested.push(i);
    else noModel[r.level!] = (noModel[r.level!] ?? 0) + 1;
  });
  const argmin = (v: readonly number[]) => v.reduce((best, x, j) => (x < v[best] ? j : best), 0);
  const chosen = tested.map((i) => argmin(lnPpl[i]));
  const truth = tested.map((i) => modelLevels.indexOf(rows[i].level!));
  const counts = modelLevels.map((_, j) => truth.filter((t) => t === j).length);
  const maj = counts.reduce((best, c, j) => (c > counts[best] ? j : best), 0);
  const hit = truth.map((t, k) => (chosen[k] === t ? 1 : 0));
  const base = truth.map((t) => (t === maj ? 1 : 0));
  const mean = (xs: readonly number[], idx: readonly number[]) => idx.reduce((a, i) => a + xs[i], 0) / idx.length;
  const b = bootstrapMany(tested.length, {
    accuracy: (idx) => mean(hit, idx),
    majority: (idx) => mean(base, idx),
    difference: (idx) => mean(hit, idx) - mean(base, idx),
  }, { resamples: opts.resamples, seed: opts.seed });
  const iv = (k: string): Interval => ({ value: b[k].estimate, ci90: [b[k].lo, b[k].hi] });
  const levelsPresent = CEFR_LEVELS.filter((l) => rows.some((r) => r.level === l));
  return {
    n: tested.length,
    noModel,
    modelLevels,
    accuracy: iv('accuracy'),
    majority: { ...iv('majority'), level: modelLevels[maj] },
    difference: iv('difference'),
    confusion: modelLevels.map((level, t) => ({ level, n: counts[t], chosen: modelLevels.map((_, j) => truth.filter((x, k) => x === t && chosen[k] === j).length) })),
    meanByLevel: levelsPresent.map((level) => {
      const idx = rows.flatMap((r, i) => (r.level === level ? [i] : []));
      return { level, n: idx.length, mean: modelLevels.map((_, j) => idx.reduce((a, i) => a + lnPpl[i][j], 0) / idx.length) };
    }),
  };
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const civ = (v: Interval) => `${f3(v.value)} [${f3(v.ci90[0])}, ${f3(v.ci90[1])}]`;

/** What the argmin test shows, every number computed. */
export function argminReading(t: ArgminTest): string {
  const noModel = Object.entries(t.noModel).map(([l, n]) => `${l} ${n}`).join(', ');
  const verdict = t.difference.ci90[0] > 0
    ? 'above the baseline, and the 90 % interval of the difference excludes 0: on these texts the least surprised model names the level more often than always answering the majority level does'
    : t.difference.ci90[1] < 0
      ? 'below the baseline, and the 90 % interval of the difference excludes 0: on these texts the claim does not hold'
      : 'not distinguishable from the baseline (the 90 % interval of the difference includes 0): on these texts the claim is not supported';
  const ownLowest = t.meanByLevel.filter((m) => t.modelLevels.includes(m.level)).map((m) => {
    const j = m.mean.reduce((best, x, k) => (x < m.mean[best] ? k : best), 0);
    return `${m.level} texts: lowest mean under the ${t.modelLevels[j]} model${t.modelLevels[j] === m.level ? ' (their own)' : ''}`;
  });
  return (
    `Least-perplexity level on ${t.n} held-out texts at the levels with a model (${t.modelLevels.join(', ')}${noModel ? `; left out, no model for their level: ${noModel}` : ''}): ` +
    `accuracy ${civ(t.accuracy)}, majority baseline (always ${t.majority.level}) ${civ(t.majority)}, difference ${civ(t.difference)}: ${verdict}.\n` +
    `  Mean ln(perplexity) by true level: ${ownLowest.join('; ')}.`
  );
}

export interface PairedDifference {
  n: number;
  /** Metric of A minus metric of B on the same texts. */
  accuracy: Interval;
  qwk: Interval;
}

/** A minus B on the same rows (accuracy and QWK over CEFR levels), paired bootstrap intervals. */
export function pairedDifference(rows: readonly LabelledText[], a: readonly CefrLevel[], b: readonly CefrLevel[], opts: { resamples?: number; seed?: number } = {}): PairedDifference {
  if (a.length !== rows.length || b.length !== rows.length) throw new Error(`pairedDifference: ${rows.length} rows but ${a.length} and ${b.length} predictions`);
  const y = rows.map((r) => CEFR_LEVELS.indexOf(r.level!));
  const ya = a.map((l) => CEFR_LEVELS.indexOf(l));
  const yb = b.map((l) => CEFR_LEVELS.indexOf(l));
  const k = CEFR_LEVELS.length;
  const acc = (p: number[], idx: readonly number[]) => idx.reduce((s, i) => s + (p[i] === y[i] ? 1 : 0), 0) / idx.length;
  const qwk = (p: number[], idx: readonly number[]) => quadraticWeightedKappa(idx.map((i) => y[i]), idx.map((i) => p[i]), k);
  const r = bootstrapMany(rows.length, {
    accuracy: (idx) => acc(ya, idx) - acc(yb, idx),
    qwk: (idx) => qwk(ya, idx) - qwk(yb, idx),
  }, opts);
  return { n: rows.length, accuracy: { value: r.accuracy.estimate, ci90: [r.accuracy.lo, r.accuracy.hi] }, qwk: { value: r.qwk.estimate, ci90: [r.qwk.lo, r.qwk.hi] } };
}

/** One line per comparison: the paired differences and whether their intervals exclude 0. */
export function pairedReading(name: string, other: string, d: PairedDifference): string {
  const says = (v: Interval) => (v.ci90[0] > 0 ? `${name} ahead` : v.ci90[1] < 0 ? `${other} ahead` : 'no firm difference');
  return `${name} minus ${other} on the same ${d.n} held-out texts and folds: accuracy ${civ(d.accuracy)} (${says(d.accuracy)}), QWK ${civ(d.qwk)} (${says(d.qwk)}).`;
}
