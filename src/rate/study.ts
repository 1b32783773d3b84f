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
import { readTable, writeTable } from './table';
import { agreement, type AgreementReport } from './agreement';
import { predictAwe, trainAwe } from '../awe/model';
import { stratifiedFolds } from '../model-selection/folds';
import { outOfFoldPredictions } from '../model-selection/cross-validate';
import { predictLength, trainLengthModel, lengthCutPoints } from '../awe/length';
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
  const fast = env.CEFRLAB_FAST === '1';
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

export interface BaselineStudy {
  set: StudySet;
  /** The rows with `length_rating` and `awe_rating` (out-of-fold predictions) added. */
  rows: Array<Record<string, string>>;
  length: AgreementReport;
  awe: AgreementReport;
  /** Human-human agreement, when the set has several raters. */
  humans: AgreementReport | null;
  /** Cut points of the length model fitted on all rows (for display). */
  lengthCuts: Array<{ from: string; to: string; chars: number }>;
  seconds: number;
}

export function baselineStudy(set: StudySet, plan: StudyPlan, seed = 0): BaselineStudy {
  const start = Date.now();
  const labels = set.rows.map((r) => r[set.label]);
  const texts = set.rows.map((r) => r[set.textColumn]);
  const aweRows = set.rows.map((r) => ({ text: r[set.textColumn], prompt: r[set.promptColumn] ?? '' }));
  const folds = stratifiedFolds(labels, plan.folds, seed);
  const len = outOfFoldPredictions(folds, plan.folds, (tr, te) => {
    const m = trainLengthModel(tr.map((i) => texts[i]), tr.map((i) => labels[i]));
    return te.map((i) => predictLength(m, texts[i]));
  });
  const awe = outOfFoldPredictions(folds, plan.folds, (tr, te) => {
    const m = trainAwe(tr.map((i) => aweRows[i]), tr.map((i) => labels[i]), { ...plan.gbdt, seed });
    return predictAwe(m, te.map((i) => aweRows[i]));
  });
  const rows = set.rows.map((r, i) => ({ ...r, length_rating: len[i], awe_rating: awe[i] }));
  const opts = { human: set.humans, groups: set.groups, seed, resamples: plan.resamples };
  const humans = set.humans.length > 1 ? agreement(rows, { human: set.humans.slice(1), machine: set.humans[0], seed, resamples: plan.resamples }) : null;
  return {
    set,
    rows,
    length: agreement(rows, { ...opts, machine: 'length_rating' }),
    awe: agreement(rows, { ...opts, machine: 'awe_rating' }),
    humans,
    lengthCuts: lengthCutPoints(trainLengthModel(texts, labels)),
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
  const unanimous = set.rows.map((r, i) => i).filter((i) => {
    const v = set.humans.map((h) => parseCefr(set.rows[i][h] ?? ''));
    return v.every((x) => x != null && x === v[0]);
  });
  const rng = Rng.derive(seed, 'calibration-split');
  const chosen = new Set<number>();
  const byLevel = new Map<string, number[]>();
  for (const i of unanimous) {
    const l = set.rows[i][set.label];
    if (!byLevel.has(l)) byLevel.set(l, []);
    byLevel.get(l)!.push(i);
  }
  for (const key of [...byLevel.keys()].sort()) for (const i of rng.shuffle([...byLevel.get(key)!]).slice(0, perLevel)) chosen.add(i);
  const columns = Object.keys(set.rows[0]);
  const calibrationCsv = path.join(dir, 'calibration.csv');
  const rateCsv = path.join(dir, 'to-rate.csv');
  writeTable(calibrationCsv, columns, set.rows.filter((_, i) => chosen.has(i)));
  writeTable(rateCsv, columns, set.rows.filter((_, i) => !chosen.has(i)));
  return { calibrationCsv, rateCsv, calibration: chosen.size, rate: set.rows.length - chosen.size };
}
