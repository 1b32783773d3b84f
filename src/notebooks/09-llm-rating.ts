/**
 * The studies of notebook 09 as library calls (so nothing is computed inside a notebook cell): load the two
 * human-rated sets, get out-of-fold predictions of the length and AWE baselines by seeded stratified k-fold
 * cross-validation, the agreement reports, and the split used when a real endpoint is configured.
 *
 *  - CEFR-ASAG (data/cefr-asag/cefr_asag.csv): the 299 answers rated by three examiners (A1..C2), with the
 *    question prompt, the writer's age and sex. It can show human-human agreement (three raters) and how a
 *    machine rating compares with each examiner and with their consensus. It is small (5 C2 answers) and
 *    nearly all writers have French as L1, so it cannot show L1 effects.
 *  - ELLIPSE (data/ellipse): 2,571 essays by US grade 8-12 English learners with a holistic 1-5 score (the
 *    mean of two raters, so half points; the separate ratings are not in the embedded file), prompt, gender,
 *    grade and race/ethnicity. It can show agreement on a 1-5 holistic scale and fairness by gender, grade and
 *    ethnicity; it has no CEFR levels, no L1 and no human-human agreement.
 * The baselines are trained on the consensus label (CEFR-ASAG's examiner majority, ELLIPSE's Overall).
 */
import * as path from 'node:path';
import { dataDir } from '../runtime/paths';
import { Rng } from '../runtime/rng';
import { isFast } from './fast';
import { readTable, writeTable } from '../runtime/csv-table';
import { agreement, type AgreementReport } from '../rate/agreement';
import { predictAwe, trainAwe } from '../awe/model';
import { stratifiedFolds, perClassSample } from '../model-selection/folds';
import { outOfFoldPredictions } from '../model-selection/cross-validate';
import { findDuplicates } from '../corpus/duplicates';
import { predictLength, trainLengthModel, lengthCutPoints, trainLengthRegression, predictLengthRegression, scaleValues } from '../awe/length';
import { classIndex, labelSet } from '../awe/labels';
import { spearmanCI } from '../metrics/correlation';
import type { GbdtOptions } from '../awe/gbdt';
import { parseCefr } from '../corpus/cefr';

export interface StudyPlan {
  fast: boolean;
  folds: number;
  resamples: number;
  gbdt: GbdtOptions;
  /** ELLIPSE essays used (all of them by default). */
  ellipseLimit: number | null;
  /** Essays rated by a real endpoint, when one is configured. */
  llmLimit: number | null;
}

export function studyPlan(env: NodeJS.ProcessEnv = process.env): StudyPlan {
  const fast = isFast(env);
  return fast
    ? { fast, folds: 3, resamples: 200, gbdt: { maxIter: 20 }, ellipseLimit: 300, llmLimit: 20 }
    : { fast, folds: 5, resamples: 1000, gbdt: { maxIter: 100 }, ellipseLimit: null, llmLimit: null };
}

export interface StudySet {
  name: string;
  rows: Array<Record<string, string>>;
  textColumn: string;
  promptColumn: string;
  label: string;
  humans: string[];
  groups: string[];
}

/** CEFR-ASAG's examiner-rated answers, with an `age_group` column (11-18, 19-22, 23-30, 31+; the youngest writer is 11; an age over 120 is left empty). */
export function loadCefrAsag(): StudySet {
  const t = readTable(path.join(dataDir, 'cefr-asag', 'cefr_asag.csv'));
  const rows = t.rows.filter((r) => r.label_source === 'examiner_majority').map((r) => {
    const age = Number(r.age);
    const ageGroup = !Number.isFinite(age) || age > 120 ? '' : age <= 18 ? '11-18' : age <= 22 ? '19-22' : age <= 30 ? '23-30' : '31+';
    return { ...r, age_group: ageGroup };
  });
  return { name: 'CEFR-ASAG', rows, textColumn: 'text', promptColumn: 'question', label: 'cefr_level', humans: ['examiner1', 'examiner2', 'examiner3'], groups: ['sex', 'age_group'] };
}

/** ELLIPSE's essays (the first `limit` of a seeded shuffle when a limit is given). */
export function loadEllipse(limit: number | null = null, seed = 0): StudySet {
  const t = readTable(path.join(dataDir, 'ellipse', 'ELLIPSE_Final_github_test.csv'));
  let rows = t.rows.map((r) => ({ ...r, Overall: String(Number(r.Overall)) }));
  if (limit != null && limit < rows.length) {
    const order = Rng.derive(seed, 'ellipse-sample').shuffle(rows.map((_, i) => i)).slice(0, limit).sort((a, b) => a - b);
    rows = order.map((i) => rows[i]);
  }
  return { name: 'ELLIPSE', rows, textColumn: 'full_text', promptColumn: 'prompt', label: 'Overall', humans: ['Overall'], groups: ['gender', 'grade', 'race_ethnicity'] };
}

export interface LengthCorrelation {
  /** Essays with a label. */
  n: number;
  /** Spearman's rho between the text's characters and the label's value on its scale, with a 90 % bootstrap interval. */
  rho: number;
  ci90: [number, number];
}

/**
 * How much the label goes with the length of the text column (characters, as the length baseline counts
 * them): Spearman's rho against the label's value on its scale (ELLIPSE's scores; CEFR ranks).
 */
export function lengthScoreCorrelation(set: StudySet, opts: { resamples?: number; seed?: number } = {}): LengthCorrelation {
  const labels = set.rows.map((r) => r[set.label]);
  const scale = labelSet(labels);
  const values = scaleValues(scale);
  const keep = set.rows.map((_, i) => i).filter((i) => classIndex(scale, labels[i]) != null);
  const chars = keep.map((i) => [...(set.rows[i][set.textColumn] ?? '')].length);
  const score = keep.map((i) => values[classIndex(scale, labels[i])!]);
  const r = spearmanCI(chars, score, { resamples: opts.resamples, seed: opts.seed });
  return { n: keep.length, rho: r.estimate, ci90: [r.lo, r.hi] };
}

export interface BaselineStudy {
  set: StudySet;
  /**
   * The rows with out-of-fold predictions added: `length_rating` (the ordinal length model read at its expected
   * score, rounded to the scale), `length_mode_rating` (the same model's most probable class),
   * `length_regression_rating` (least squares on the length, rounded to the scale) and `awe_rating`.
   */
  rows: Array<Record<string, string>>;
  length: AgreementReport;
  lengthMode: AgreementReport;
  lengthRegression: AgreementReport;
  lengthCorrelation: LengthCorrelation;
  awe: AgreementReport;
  /** Human-human agreement, when the set has several raters. */
  humans: AgreementReport | null;
  /** Cut points of the length model fitted on all rows (for display), read at its expected score and at its mode. */
  lengthCuts: Array<{ from: string; to: string; chars: number }>;
  lengthModeCuts: Array<{ from: string; to: string; chars: number }>;
  /** Row indices of duplicate texts (each group kept in one fold). */
  duplicates: number[][];
  seconds: number;
}

/** The length baselines alone (what `baselineStudy` reports on them), for a set and its seeded folds. */
export interface LengthStudy {
  /** Out-of-fold ratings per row: the ordinal model at its expected score and at its mode, and the regression. */
  ratings: { expected: string[]; mode: string[]; regression: string[] };
  lengthCorrelation: LengthCorrelation;
  lengthCuts: Array<{ from: string; to: string; chars: number }>;
  lengthModeCuts: Array<{ from: string; to: string; chars: number }>;
}

export function lengthStudy(set: StudySet, plan: StudyPlan, seed = 0, folds = stratifiedFolds(set.rows.map((r) => r[set.label]), plan.folds, seed, findDuplicates(set.rows.map((r) => r[set.textColumn])).groupOf)): LengthStudy {
  const labels = set.rows.map((r) => r[set.label]);
  const texts = set.rows.map((r) => r[set.textColumn]);
  const ordinal = outOfFoldPredictions(folds, plan.folds, (tr, te) => {
    const m = trainLengthModel(tr.map((i) => texts[i]), tr.map((i) => labels[i]));
    return te.map((i) => [predictLength(m, texts[i], 'expected'), predictLength(m, texts[i], 'mode')] as const);
  });
  const regression = outOfFoldPredictions(folds, plan.folds, (tr, te) => {
    const m = trainLengthRegression(tr.map((i) => texts[i]), tr.map((i) => labels[i]));
    return te.map((i) => predictLengthRegression(m, texts[i]));
  });
  const full = trainLengthModel(texts, labels);
  return {
    ratings: { expected: ordinal.map((p) => p[0]), mode: ordinal.map((p) => p[1]), regression },
    lengthCorrelation: lengthScoreCorrelation(set, { resamples: plan.resamples, seed }),
    lengthCuts: lengthCutPoints(full, 'expected'),
    lengthModeCuts: lengthCutPoints(full, 'mode'),
  };
}

/** The rows with the length study's ratings as `length_rating`, `length_mode_rating`, `length_regression_rating`. */
export function withLengthRatings(set: StudySet, l: LengthStudy): Array<Record<string, string>> {
  return set.rows.map((r, i) => ({ ...r, length_rating: l.ratings.expected[i], length_mode_rating: l.ratings.mode[i], length_regression_rating: l.ratings.regression[i] }));
}

export function baselineStudy(set: StudySet, plan: StudyPlan, seed = 0): BaselineStudy {
  const start = Date.now();
  const labels = set.rows.map((r) => r[set.label]);
  const aweRows = set.rows.map((r) => ({ text: r[set.textColumn], prompt: r[set.promptColumn] ?? '' }));
  const dup = findDuplicates(set.rows.map((r) => r[set.textColumn])); // copies of a text stay in one fold
  const folds = stratifiedFolds(labels, plan.folds, seed, dup.groupOf);
  const len = lengthStudy(set, plan, seed, folds);
  const awe = outOfFoldPredictions(folds, plan.folds, (tr, te) => {
    const m = trainAwe(tr.map((i) => aweRows[i]), tr.map((i) => labels[i]), { ...plan.gbdt, seed });
    return predictAwe(m, te.map((i) => aweRows[i]));
  });
  const rows = withLengthRatings(set, len).map((r, i) => ({ ...r, awe_rating: awe[i] }));
  const opts = { human: set.humans, groups: set.groups, seed, resamples: plan.resamples };
  const humans = set.humans.length > 1 ? agreement(rows, { human: set.humans.slice(1), machine: set.humans[0], seed, resamples: plan.resamples }) : null;
  return {
    set,
    rows,
    length: agreement(rows, { ...opts, machine: 'length_rating' }),
    lengthMode: agreement(rows, { ...opts, machine: 'length_mode_rating' }),
    lengthRegression: agreement(rows, { ...opts, machine: 'length_regression_rating' }),
    lengthCorrelation: len.lengthCorrelation,
    awe: agreement(rows, { ...opts, machine: 'awe_rating' }),
    humans,
    lengthCuts: len.lengthCuts,
    lengthModeCuts: len.lengthModeCuts,
    duplicates: dup.groups,
    seconds: (Date.now() - start) / 1000,
  };
}

/** One row per (set, system, reference): QWK with its interval, exact and adjacent agreement. */
export function qwkTable(entries: Array<{ set: string; system: string; report: AgreementReport }>): Array<Record<string, string | number>> {
  const out: Array<Record<string, string | number>> = [];
  for (const { set, system, report } of entries) {
    for (const [ref, q] of Object.entries(report.qwk)) {
      out.push({ set, system, reference: ref, n: q.n, qwk: +q.estimate.toFixed(3), ci90: `[${q.ci90[0].toFixed(3)}, ${q.ci90[1].toFixed(3)}]`, exact: +report.exact[ref].toFixed(3), adjacent: +report.adjacent[ref].toFixed(3) });
    }
  }
  return out;
}

/**
 * The split for rating with a real endpoint: calibration candidates are CEFR-ASAG answers on which all three
 * examiners agree, up to `perLevel` per level (seeded); every other rated answer is to be rated. Written as
 * two CSVs under `dir`, so `cefrlab rate --calibration-from` sees two different files.
 */
export function calibrationSplit(set: StudySet, dir: string, perLevel = 2, seed = 0): { calibrationCsv: string; rateCsv: string; calibration: number; rate: number } {
  // A text with copies is never a calibration example: its copy would be rated with its own rating shown.
  const { groups } = findDuplicates(set.rows.map((r) => r[set.textColumn]));
  const copied = new Set(groups.flat());
  const unanimous = set.rows.map((r, i) => i).filter((i) => !copied.has(i)).filter((i) => {
    const v = set.humans.map((h) => parseCefr(set.rows[i][h] ?? ''));
    return v.every((x) => x != null && x === v[0]);
  });
  const picked = perClassSample(unanimous.map((i) => set.rows[i][set.label]), perLevel, Rng.derive(seed, 'calibration-split'));
  const chosen = new Set(picked.map((p) => unanimous[p]));
  const columns = Object.keys(set.rows[0]);
  const calibrationCsv = path.join(dir, 'calibration.csv');
  const rateCsv = path.join(dir, 'to-rate.csv');
  writeTable(calibrationCsv, columns, set.rows.filter((_, i) => chosen.has(i)));
  writeTable(rateCsv, columns, set.rows.filter((_, i) => !chosen.has(i)));
  return { calibrationCsv, rateCsv, calibration: chosen.size, rate: set.rows.length - chosen.size };
}

/**
 * What the length baselines of a study show, every number computed: the rank correlation of length and label,
 * and the QWK against the first reference of each form (the ordinal model at its expected score and at its
 * most probable class, the rounded least squares), with how many scale steps each form's ratings use.
 */
export function lengthBaselineReading(s: BaselineStudy): string {
  const ref = Object.keys(s.length.qwk).includes('consensus') ? 'consensus' : Object.keys(s.length.qwk)[0];
  const f3 = (x: number) => x.toFixed(3);
  const steps = (col: string) => new Set(s.rows.map((r) => r[col])).size;
  const form = (name: string, r: AgreementReport, col: string) => `${name} ${f3(r.qwk[ref].estimate)} [${f3(r.qwk[ref].ci90[0])}, ${f3(r.qwk[ref].ci90[1])}] (${steps(col)} steps used)`;
  const c = s.lengthCorrelation;
  return `${s.set.name}: Spearman's rho between the characters of ${s.set.textColumn} and ${s.set.label}: ${f3(c.rho)} [${f3(c.ci90[0])}, ${f3(c.ci90[1])}] (${c.n} texts). ` +
    `Length-only QWK against ${ref}: ${form('expected score, rounded', s.length, 'length_rating')}; ${form('least squares, rounded', s.lengthRegression, 'length_regression_rating')}; ` +
    `${form('most probable class', s.lengthMode, 'length_mode_rating')}; the humans use ${steps(s.set.label)} steps.`;
}
