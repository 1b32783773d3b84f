/**
 * Leave-one-group-out cross-validation (`classify cv --group-column corpus`): each group (a corpus) is
 * predicted by a model trained on all the other groups, so no text of a corpus, and no text like it from the
 * same source, is ever in the training rows of the model that predicts it. The metrics are computed on the
 * pooled predictions and on each group apart.
 *
 * With the ordinal head and at least two training groups the model is the shared-direction one with each
 * group's own cut points (./ordinal-corpus.ts); the held-out group is read with the cut points of the pooled
 * training rows (zero-shot), or, with `calibrateK`, with cut points fitted on k of its texts per level, which
 * are then left out of its metrics.
 */
import { Rng } from '../runtime/rng';
import { UserError } from '../runtime/errors';
import { progress } from '../runtime/progress';
import { leaveOneGroupOut, perClassSample } from '../model-selection/folds';
import { CEFR_LEVELS, type CefrLevel } from '../corpus/cefr';
import { classificationReport, type ClassificationReport } from '../metrics/report';
import { predictProba, argmax } from './heads';
import { resolveOptions, vectorsFor, fitOnVectors, fitStandardizer, standardize, type ClassifierOptions, type ResolvedOptions } from './classifier';
import { fitSharedOrdinal, calibrateCuts, latent, ordinalClass, ORDINAL_DEFAULTS } from './ordinal-corpus';
import type { LabelledText } from './data';

export interface GroupedCvResult extends ClassificationReport {
  groupColumn: string;
  groups: Array<{ group: string; trainRows: number; testRows: number; calibrationTexts: number; report: ClassificationReport }>;
  options: ResolvedOptions;
  calibrateK: number | null;
  /** Predicted level per row in input order; null for a row used to calibrate its group's cut points. */
  predictions: Array<CefrLevel | null>;
}

/** Predict each group from a model trained on the others. */
export async function crossValidateByGroup(rows: readonly LabelledText[], groups: readonly string[], groupColumn: string, options: ClassifierOptions, info: { file?: string; resamples?: number; calibrateK?: number | null; vectors?: Float64Array[] } = {}): Promise<GroupedCvResult> {
  const file = info.file ?? 'the CSV';
  if (groups.length !== rows.length) throw new RangeError('crossValidateByGroup: one group per row');
  const splits = leaveOneGroupOut(groups);
  if (splits.length < 2) throw new UserError(`${file}: column ${groupColumn} has one value (${splits[0]?.group ?? 'none'}), so no group can be left out. Fix: give rows from at least two corpora (several --csv files, or a ${groupColumn} column with several values)`);
  const missing = rows.find((r) => r.level == null);
  if (missing) throw new UserError(`${file}:${missing.line}: the row has no level. Fix: give a level column (--level-column) with A1..C2`);
  const labels = CEFR_LEVELS.filter((l) => rows.some((r) => r.level === l));
  const o = resolveOptions(options);
  const k = info.calibrateK ?? null;
  if (k != null && o.head !== 'ordinal') throw new UserError(`--calibrate-k fits a corpus's cut points, which only the ordinal head has (the head is ${o.head}). Fix: add --head ordinal`);
  let X = info.vectors;
  if (!X) {
    const v = await vectorsFor(rows, options, file);
    v.encoder.dispose?.();
    X = v.X;
  }
  const y = rows.map((r) => labels.indexOf(r.level!));
  const pred: Array<number | null> = rows.map(() => null);
  const out: GroupedCvResult['groups'] = [];
  const bar = options.showProgress === false ? null : progress(`leave one ${groupColumn} out (${o.head})`, splits.length);
  for (const [s, split] of splits.entries()) {
    const trainGroups = [...new Set(split.train.map((i) => groups[i]))];
    let predict: (x: Float64Array[], calibration: { x: Float64Array[]; y: number[] } | null) => number[];
    if (o.head === 'ordinal' && trainGroups.length >= 2) {
      const st = fitStandardizer(split.train.map((i) => X![i]));
      const sx = standardize(st, split.train.map((i) => X![i]));
      const ty = split.train.map((i) => y[i]);
      const fit = fitSharedOrdinal(sx, ty, split.train.map((i) => trainGroups.indexOf(groups[i])), trainGroups.map(() => labels.length), { steps: options.epochs ?? ORDINAL_DEFAULTS.steps, lr: options.lr ?? ORDINAL_DEFAULTS.lr });
      const pooled = calibrateCuts(sx.map((x) => latent(fit.w, x)), ty, labels.length, { strength: 0 });
      predict = (xs, cal) => {
        const cuts = cal ? calibrateCuts(standardize(st, cal.x).map((x) => latent(fit.w, x)), cal.y, labels.length, { prior: pooled }) : pooled;
        return standardize(st, xs).map((x) => ordinalClass(latent(fit.w, x), cuts));
      };
    } else {
      const fit = fitOnVectors(split.train.map((i) => X![i]), split.train.map((i) => y[i]), labels, { ...o, seed: o.seed + s });
      if (k != null) {
        // one training group: the ordinal head's own cut points are refitted on the calibration texts
        const w = fit.head.params.w;
        const prior = calibrateCuts(standardize(fit.standardizer, split.train.map((i) => X![i])).map((x) => latent(w, x)), split.train.map((i) => y[i]), labels.length, { strength: 0 });
        predict = (xs, cal) => {
          const cuts = cal ? calibrateCuts(standardize(fit.standardizer, cal.x).map((x) => latent(w, x)), cal.y, labels.length, { prior }) : prior;
          return standardize(fit.standardizer, xs).map((x) => ordinalClass(latent(w, x), cuts));
        };
      } else {
        predict = (xs) => predictProba(fit.head, standardize(fit.standardizer, xs)).map((p) => argmax(p));
      }
    }
    let test = split.test;
    let calibration: { x: Float64Array[]; y: number[] } | null = null;
    if (k != null) {
      const local = perClassSample(test.map((i) => y[i]), k, Rng.derive(o.seed, 'group-calibrate', split.group), 1);
      const calIdx = new Set(local.map((j) => test[j]));
      calibration = { x: [...calIdx].map((i) => X![i]), y: [...calIdx].map((i) => y[i]) };
      test = test.filter((i) => !calIdx.has(i));
    }
    const p = predict(test.map((i) => X![i]), calibration);
    test.forEach((i, r) => (pred[i] = p[r]));
    out.push({ group: split.group, trainRows: split.train.length, testRows: test.length, calibrationTexts: calibration?.y.length ?? 0, report: classificationReport(test.map((i) => y[i]), p, labels, { resamples: info.resamples }) });
    bar?.update(s + 1);
  }
  bar?.stop();
  const done = rows.map((_, i) => i).filter((i) => pred[i] != null);
  const report = classificationReport(done.map((i) => y[i]), done.map((i) => pred[i]!), labels, { resamples: info.resamples });
  return { ...report, groupColumn, groups: out, options: o, calibrateK: k, predictions: pred.map((p) => (p == null ? null : labels[p])) };
}
