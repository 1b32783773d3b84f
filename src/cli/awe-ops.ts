/** The file-level operations behind `cefrlab awe` and `cefrlab baseline length`: CSV in, model or RATINGS.csv out, with manifests. */
import * as path from 'node:path';
import { readTable, requireColumns, writeTable, type Table } from '../runtime/csv-table';
import { buildDirAtomic, writeJsonAtomic } from '../runtime/atomic';
import { sha256File } from '../runtime/hash';
import { versions } from '../runtime/versions';
import { progress } from '../runtime/progress';
import { UserError, locate } from '../runtime/errors';
import { loadAwe, predictAwe, saveAwe, trainAwe } from '../awe/model';
import type { GbdtOptions } from '../awe/gbdt';
import { lengthCutPoints, predictLength, trainLengthModel, LENGTH_DEFAULTS } from '../awe/length';

function promptColumnOf(columns: readonly string[], named?: string): string | null {
  if (named) return named;
  return columns.includes('question') ? 'question' : columns.includes('prompt') ? 'prompt' : null;
}

/** A bad label becomes `FILE:LINE: problem. Fix: ...`, the form every command uses for a bad row. */
function asUserError<T>(t: Table, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError) {
      const row = (e as { row?: number }).row;
      throw new UserError(locate(t.file, row != null ? (t.lines[row] ?? null) : null, e.message, 'correct the label on that line, or leave it empty to leave the row out of training'));
    }
    throw e;
  }
}

const PERPLEXITY_CHUNK = 16;

/**
 * The per-level ILM features of the AWE model: ln(perplexity) of each text under each of the lab's GPT-2 models
 * (e.g. notebook 03's level models), through the classifier's `perplexity` encoder. The backend is the caller's.
 */
export async function perplexityFeatures(models: readonly string[], texts: readonly string[]): Promise<{ names: string[]; rows: number[][] }> {
  const { createPerplexityEncoder } = await import('../classify/encoder-perplexity');
  const encoder = createPerplexityEncoder(models, { log: true });
  // In chunks, so that the progress (with its ETA) moves: a few hundred essays take about a minute per model.
  const bar = progress(`perplexity under ${models.length} model(s)`, texts.length);
  const rows: number[][] = [];
  try {
    for (let start = 0; start < texts.length; start += PERPLEXITY_CHUNK) {
      const vectors = await encoder.encode(texts.slice(start, start + PERPLEXITY_CHUNK));
      for (const v of vectors) rows.push(Array.from(v));
      bar.update(rows.length);
    }
    return { names: models.map((m) => `ilm_log_perplexity:${m}`), rows };
  } finally {
    bar.stop();
    encoder.dispose?.();
  }
}

export async function trainAweFromCsv(csv: string, out: string, o: { label: string; textColumn: string; promptColumn?: string; gbdt: GbdtOptions; perplexityModels?: string[] }) {
  const t = readTable(csv);
  const pc = promptColumnOf(t.columns, o.promptColumn);
  requireColumns(t, [o.textColumn, o.label, ...(pc ? [pc] : [])], '--text-column / --label / --prompt-column');
  const models = o.perplexityModels ?? [];
  const ppl = models.length ? await perplexityFeatures(models, t.rows.map((r) => r[o.textColumn])) : null;
  const rows = t.rows.map((r, i) => ({ text: r[o.textColumn], prompt: pc ? r[pc] : '', extra: ppl?.rows[i] }));
  const model = asUserError(t, () => trainAwe(rows, t.rows.map((r) => r[o.label]), o.gbdt, ppl?.names ?? []));
  if (models.length) model.perplexityModels = models.map((m) => path.resolve(m));
  const hash = await sha256File(csv);
  await buildDirAtomic(out, (dir) => {
    saveAwe(model, dir);
    writeJsonAtomic(path.join(dir, 'manifest.json'), {
      command: 'awe train', options: { label: o.label, textColumn: o.textColumn, promptColumn: pc, gbdt: model.gbdt.options, perplexityModels: models },
      inputs: { csv: { file: csv, sha256: hash } }, trainedOn: model.trainedOn, classes: model.labels.classes, features: model.featureNames, versions: versions(),
    });
  });
  return { trainedOn: model.trainedOn, classes: model.labels.classes, features: model.featureNames.length };
}

export async function predictAweCsv(dir: string, csv: string, output: string, o: { textColumn: string; promptColumn?: string; initBackend?: () => Promise<void> }): Promise<number> {
  const model = loadAwe(dir);
  const t = readTable(csv);
  const pc = promptColumnOf(t.columns, o.promptColumn);
  requireColumns(t, [o.textColumn, ...(pc ? [pc] : [])], '--text-column / --prompt-column');
  if (model.perplexityModels?.length && o.initBackend) await o.initBackend();
  const ppl = model.perplexityModels?.length ? await perplexityFeatures(model.perplexityModels, t.rows.map((r) => r[o.textColumn])) : null;
  const bar = progress('awe predict', t.rows.length);
  const pred = t.rows.map((r, i) => {
    const [level] = predictAwe(model, [{ text: r[o.textColumn], prompt: pc ? r[pc] : '', extra: ppl?.rows[i] }]);
    bar.update(i + 1);
    return level;
  });
  bar.stop();
  const columns = [...t.columns.filter((c) => c !== 'rating'), 'rating'];
  writeTable(output, columns, t.rows.map((r, i) => ({ ...r, rating: pred[i] })));
  writeJsonAtomic(`${output}.manifest.json`, { command: 'awe predict', model: path.resolve(dir), inputs: { csv: { file: csv, sha256: await sha256File(csv) } }, versions: versions() });
  return pred.length;
}

export async function lengthBaselineCsv(trainCsv: string, predictCsv: string, output: string, o: { label: string; textColumn: string }) {
  const tr = readTable(trainCsv);
  requireColumns(tr, [o.textColumn, o.label], '--text-column / --label');
  const model = asUserError(tr, () => trainLengthModel(tr.rows.map((r) => r[o.textColumn]), tr.rows.map((r) => r[o.label])));
  const t = readTable(predictCsv);
  requireColumns(t, [o.textColumn], '--text-column');
  const columns = [...t.columns.filter((c) => c !== 'rating'), 'rating'];
  writeTable(output, columns, t.rows.map((r) => ({ ...r, rating: predictLength(model, r[o.textColumn]) })));
  writeJsonAtomic(`${output}.manifest.json`, {
    command: 'baseline length', options: { ...o, read: LENGTH_DEFAULTS.read }, model, inputs: { train: { file: trainCsv, sha256: await sha256File(trainCsv) }, predict: { file: predictCsv, sha256: await sha256File(predictCsv) } }, versions: versions(),
  });
  return { trainedOn: tr.rows.length, classes: model.labels.classes, cuts: lengthCutPoints(model), rated: t.rows.length };
}
