/** The file-level operations behind `cefrlab awe` and `cefrlab baseline length`: CSV in, model or RATINGS.csv out, with manifests. */
import * as path from 'node:path';
import { readTable, requireColumns, writeTable } from '../rate/table';
import { buildDirAtomic, writeJsonAtomic } from '../runtime/atomic';
import { sha256File } from '../runtime/hash';
import { versions } from '../runtime/versions';
import { UserError } from '../runtime/errors';
import { loadAwe, predictAwe, saveAwe, trainAwe } from './model';
import type { GbdtOptions } from './gbdt';
import { lengthCutPoints, predictLength, trainLengthModel } from './length';

function promptColumnOf(columns: readonly string[], named?: string): string | null {
  if (named) return named;
  return columns.includes('question') ? 'question' : columns.includes('prompt') ? 'prompt' : null;
}

function asUserError<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) throw new UserError(`${file}: ${e.message}. Fix: check the label column`);
    throw e;
  }
}

export async function trainAweFromCsv(csv: string, out: string, o: { label: string; textColumn: string; promptColumn?: string; gbdt: GbdtOptions }) {
  const t = readTable(csv);
  const pc = promptColumnOf(t.columns, o.promptColumn);
  requireColumns(t, [o.textColumn, o.label, ...(pc ? [pc] : [])], '--text-column / --label / --prompt-column');
  const rows = t.rows.map((r) => ({ text: r[o.textColumn], prompt: pc ? r[pc] : '' }));
  const model = asUserError(csv, () => trainAwe(rows, t.rows.map((r) => r[o.label]), o.gbdt));
  const hash = await sha256File(csv);
  await buildDirAtomic(out, (dir) => {
    saveAwe(model, dir);
    writeJsonAtomic(path.join(dir, 'manifest.json'), {
      command: 'awe train', options: { label: o.label, textColumn: o.textColumn, promptColumn: pc, gbdt: model.gbdt.options },
      inputs: { csv: { file: csv, sha256: hash } }, trainedOn: model.trainedOn, classes: model.labels.classes, features: model.featureNames, versions: versions(),
    });
  });
  return { trainedOn: model.trainedOn, classes: model.labels.classes, features: model.featureNames.length };
}

export async function predictAweCsv(dir: string, csv: string, output: string, o: { textColumn: string; promptColumn?: string }): Promise<number> {
  const model = loadAwe(dir);
  const t = readTable(csv);
  const pc = promptColumnOf(t.columns, o.promptColumn);
  requireColumns(t, [o.textColumn, ...(pc ? [pc] : [])], '--text-column / --prompt-column');
  const pred = predictAwe(model, t.rows.map((r) => ({ text: r[o.textColumn], prompt: pc ? r[pc] : '' })));
  const columns = [...t.columns.filter((c) => c !== 'rating'), 'rating'];
  writeTable(output, columns, t.rows.map((r, i) => ({ ...r, rating: pred[i] })));
  writeJsonAtomic(`${output}.manifest.json`, { command: 'awe predict', model: path.resolve(dir), inputs: { csv: { file: csv, sha256: await sha256File(csv) } }, versions: versions() });
  return pred.length;
}

export async function lengthBaselineCsv(trainCsv: string, predictCsv: string, output: string, o: { label: string; textColumn: string }) {
  const tr = readTable(trainCsv);
  requireColumns(tr, [o.textColumn, o.label], '--text-column / --label');
  const model = asUserError(trainCsv, () => trainLengthModel(tr.rows.map((r) => r[o.textColumn]), tr.rows.map((r) => r[o.label])));
  const t = readTable(predictCsv);
  requireColumns(t, [o.textColumn], '--text-column');
  const columns = [...t.columns.filter((c) => c !== 'rating'), 'rating'];
  writeTable(output, columns, t.rows.map((r) => ({ ...r, rating: predictLength(model, r[o.textColumn]) })));
  writeJsonAtomic(`${output}.manifest.json`, {
    command: 'baseline length', options: o, model, inputs: { train: { file: trainCsv, sha256: await sha256File(trainCsv) }, predict: { file: predictCsv, sha256: await sha256File(predictCsv) } }, versions: versions(),
  });
  return { trainedOn: tr.rows.length, classes: model.labels.classes, cuts: lengthCutPoints(model), rated: t.rows.length };
}
