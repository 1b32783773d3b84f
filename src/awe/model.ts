/**
 * The AWE baseline: the histogram gradient-boosting classifier (gbdt.ts) on the AWE features (features.ts),
 * predicting the label column's classes (labels.ts). `trainAwe` / `predictAwe` work on plain rows;
 * `saveAwe` / `loadAwe` store the model as `model.json` (features, IDF table, trees) in a directory with a
 * manifest. Also the seeded, stratified k-fold cross-validation used to get an out-of-fold prediction for
 * every essay of a small data set (notebook 09, bench/rate).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError, locate } from '../runtime/errors';
import { aweFeatureNames, aweFeatures, fitIdf, type IdfTable } from './features';
import { gbdtPredict, gbdtProba, trainGbdt, type GbdtModel, type GbdtOptions } from './gbdt';
import { classIndex, labelSet, type LabelSet } from './labels';

export interface AweRow {
  text: string;
  prompt: string;
  /** Features computed outside this module, in the order of the model's `extraNames` (e.g. per-level ILM log-perplexities). */
  extra?: readonly number[];
}

export interface AweModel {
  kind: 'awe-gbdt';
  version: 1;
  featureNames: string[];
  /** Names of the features each row brings in `extra` (absent in models without them). */
  extraNames?: string[];
  /** The lab's GPT-2 model directories whose log-perplexities are the extra features (cefrlab awe train --perplexity-models). */
  perplexityModels?: string[];
  labels: LabelSet;
  idf: IdfTable;
  gbdt: GbdtModel;
  trainedOn: number;
}

/** One row's feature vector: the AWE features, then its `extra` features (as many as `extraCount`). */
function rowFeatures(r: AweRow, idf: IdfTable, extraCount: number): Float64Array {
  const base = aweFeatures(r.text, r.prompt, idf);
  const extra = r.extra ?? [];
  if (extra.length !== extraCount) throw new RangeError(`AWE: a row has ${extra.length} extra features, the model expects ${extraCount}`);
  if (extraCount === 0) return base;
  const out = new Float64Array(base.length + extraCount);
  out.set(base);
  out.set(extra, base.length);
  return out;
}

export function aweMatrix(rows: readonly AweRow[], idf: IdfTable, extraCount = 0): Float64Array[] {
  return rows.map((r) => rowFeatures(r, idf, extraCount));
}

export function trainAwe(rows: readonly AweRow[], labels: readonly string[], opts: GbdtOptions = {}, extraNames: readonly string[] = []): AweModel {
  const set = labelSet(labels);
  const keep = rows.map((_, i) => i).filter((i) => classIndex(set, labels[i]) != null);
  if (set.classes.length < 2) throw new RangeError('AWE: the labels need at least two classes');
  const idf = fitIdf(keep.map((i) => rows[i].text));
  const x = keep.map((i) => rowFeatures(rows[i], idf, extraNames.length));
  const y = keep.map((i) => classIndex(set, labels[i])!);
  const gbdt = trainGbdt(x, y, set.classes.length, opts);
  const model: AweModel = { kind: 'awe-gbdt', version: 1, featureNames: [...aweFeatureNames(), ...extraNames], labels: set, idf, gbdt, trainedOn: keep.length };
  if (extraNames.length) model.extraNames = [...extraNames];
  return model;
}

export function predictAwe(model: AweModel, rows: readonly AweRow[]): string[] {
  const k = model.extraNames?.length ?? 0;
  return rows.map((r) => model.labels.classes[gbdtPredict(model.gbdt, rowFeatures(r, model.idf, k))]);
}

export function predictAweProba(model: AweModel, rows: readonly AweRow[]): Float64Array[] {
  const k = model.extraNames?.length ?? 0;
  return rows.map((r) => gbdtProba(model.gbdt, rowFeatures(r, model.idf, k)));
}

export function saveAwe(model: AweModel, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(model));
}

export function loadAwe(dir: string): AweModel {
  const file = path.join(dir, 'model.json');
  if (!fs.existsSync(file)) throw new UserError(locate(file, null, 'no AWE model here', 'train one with `cefrlab awe train --csv TRAIN.csv --label COLUMN --out DIR`'));
  const m = JSON.parse(fs.readFileSync(file, 'utf8')) as AweModel;
  if (m.kind !== 'awe-gbdt') throw new UserError(locate(file, null, `not an AWE model (kind ${m.kind})`, 'point at a directory written by `cefrlab awe train`'));
  const names = [...aweFeatureNames(), ...(m.extraNames ?? [])];
  if (m.featureNames.join() !== names.join()) {
    throw new UserError(locate(file, null, 'the model was trained on a different feature set than this version computes', 'retrain it with `cefrlab awe train`'));
  }
  return m;
}
