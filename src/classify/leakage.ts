/**
 * No evaluation on texts a feature-giving model was trained on. An encoder built from trained models (`ilm:`,
 * `perplexity:`) knows the texts those models saw, and `classify cv / eval / curve` refuse an evaluation set
 * that shares any of them: a perplexity from a model that saw the text measures memory, not level.
 *
 * The texts are found by following what each model's manifest records:
 * - a training run (`cefrlab train`, manifest `command: "train"`): its example stores (`data.train.files`,
 *   hashed) -> each store's `manifest.json`, whose `inputs` name the split file and its SHA-256 -> the split
 *   file's documents (joined by three newlines, src/corpus/write.ts); the same for its evaluation stores
 *   (`data.eval.files`), whose texts chose the checkpoint kept and the step training stopped at; then the model
 *   it started from (`model.init`), recursively;
 * - the shipped base model (`command: "pretrain"`): the training side of its pretraining corpora, rebuilt
 *   from the same files, seed and share (src/corpus/pretraining.ts `trainingSourceTexts`).
 * A model directory without a manifest (e.g. a downloaded Hugging Face GPT-2) has no known training texts
 * and nothing to check; a manifest whose data is missing or changed is an error, since the check cannot be
 * made.
 *
 * Texts are compared by a content key: SHA-256 of the text in Unicode NFC with every run of white space made
 * one space and the ends trimmed, so the same text read from a CSV (CRLF, surrounding spaces) and from a
 * split file (normalised by `prepare`) or a cleaned pretraining document has the same key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { UserError } from '../runtime/errors';
import { projectRoot } from '../runtime/paths';
import { sha256 } from '../runtime/hash';
import { trainingSourceTexts, PRETRAIN_CORPORA, type PretrainCorpus } from '../corpus/pretraining';

/** The content key of a text (see the header). */
export function textKey(text: string): string {
  return sha256(text.normalize('NFC').replace(/^\uFEFF/, '').replace(/\s+/g, ' ').trim());
}

/** The texts one model (and the models it started from) trained on. */
export interface TrainingTexts {
  /** The model directory as given. */
  model: string;
  /** Content keys of the texts. */
  keys: ReadonlySet<string>;
  /** Where they came from, in words (split files, pretraining corpora), each with its keys. */
  sources: Array<{ source: string; keys: ReadonlySet<string> }>;
  /** Split files of the same `prepare` runs that the model did not train on (for the fix in messages). */
  heldOut: string[];
  /** False when no manifest records the model's training data (nothing can be checked). */
  known: boolean;
}

const SPLIT_SEPARATOR = '\n\n\n';

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${file}: not readable as JSON (${(err as Error).message}). Fix: restore the file, or retrain the model that wrote it`);
  }
}

/** The manifest of a model directory: DIR/manifest.json, or EXP/manifest.json for EXP/checkpoints/{best,last}. */
export function modelManifestFile(dir: string): string | null {
  const own = path.join(dir, 'manifest.json');
  if (fs.existsSync(own)) return own;
  const abs = path.resolve(dir);
  if (path.basename(path.dirname(abs)) === 'checkpoints') {
    const run = path.join(path.dirname(path.dirname(abs)), 'manifest.json');
    if (fs.existsSync(run)) return run;
  }
  return null;
}

/** A recorded path: absolute, or relative to `base`, the working directory or the project root; the first that exists. */
function locateFile(p: string, bases: string[]): string | null {
  if (path.isAbsolute(p)) return fs.existsSync(p) ? p : null;
  for (const b of bases) {
    const f = path.resolve(b, p);
    if (fs.existsSync(f)) return f;
  }
  return null;
}

function fileSha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Documents of a `prepare` split file. */
export function splitDocuments(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split(SPLIT_SEPARATOR).map((d) => d.trim()).filter((d) => d !== '');
}

const cache = new Map<string, TrainingTexts>();

/**
 * The texts the model in `dir` (an experiment directory, a checkpoint directory or a model directory) and the
 * models it started from trained on. Cached per manifest file and modification time.
 */
export function modelTrainingTexts(dir: string): TrainingTexts {
  const file = modelManifestFile(dir);
  if (!file) return { model: dir, keys: new Set(), sources: [], heldOut: [], known: false };
  const stamp = `${path.resolve(file)}\0${fs.statSync(file).mtimeMs}`;
  const hit = cache.get(stamp);
  if (hit) return { ...hit, model: dir };
  const m = readJson(file);
  let out: TrainingTexts;
  if (m.command === 'train') out = trainRunTexts(dir, file, m);
  else if (m.command === 'pretrain') out = pretrainTexts(dir, m);
  else out = { model: dir, keys: new Set(), sources: [], heldOut: [], known: false };
  cache.set(stamp, out);
  return out;
}

function trainRunTexts(dir: string, manifestFile: string, m: Record<string, unknown>): TrainingTexts {
  const expDir = path.dirname(manifestFile);
  const data = (m.data ?? {}) as { train?: { files?: Array<{ file: string }> }; eval?: { files?: Array<{ file: string }> } | null };
  const keys = new Set<string>();
  const sources: TrainingTexts['sources'] = [];
  const used = new Set<string>();
  const stores = data.train?.files ?? [];
  if (stores.length === 0) throw new UserError(`${manifestFile}: the training run records no example files, so the texts it trained on are unknown. Fix: retrain the model with \`cefrlab train\` from an examples directory`);
  // the evaluation examples chose the kept checkpoint (best) and the stopping step: their texts count as seen too
  const roles = [...stores.map((s) => ({ ...s, role: '' })), ...(data.eval?.files ?? []).map((s) => ({ ...s, role: '; used to choose the checkpoint' }))];
  for (const { file, role } of roles) {
    const store = locateFile(file, [expDir]);
    const exManifest = store ? path.join(path.dirname(store), 'manifest.json') : null;
    if (!exManifest || !fs.existsSync(exManifest)) {
      throw new UserError(`${manifestFile}: the examples ${file} the model was trained or checked on (or their manifest.json) are missing, so the texts it saw cannot be checked. Fix: keep the examples directory beside the experiment, or rebuild it with the same \`cefrlab examples\` command`);
    }
    const inputs = (readJson(exManifest).inputs ?? {}) as Record<string, string>;
    for (const [input, hash] of Object.entries(inputs)) {
      const split = locateFile(input, [path.dirname(exManifest), process.cwd(), projectRoot]);
      if (!split) throw new UserError(`${exManifest}: the split file ${input} the examples were built from is missing, so the texts the model in ${dir} saw cannot be checked. Fix: run the same \`cefrlab prepare\` again (same CSV, options and seed) to restore it`);
      if (fileSha256(split) !== hash) throw new UserError(`${split}: the file changed since the examples in ${path.dirname(exManifest)} were built from it (SHA-256 differs from the manifest's), so the texts the model in ${dir} saw cannot be checked. Fix: restore the split file with the \`prepare\` run that made it`);
      const docs = splitDocuments(split);
      const own = new Set(docs.map(textKey));
      for (const k of own) keys.add(k);
      const rel = path.relative(process.cwd(), split) || split;
      sources.push({ source: `${rel} (${docs.length} texts${role})`, keys: own });
      used.add(path.resolve(split));
    }
  }
  // the other split files of the same `prepare` runs: texts the model never saw (for the fix in messages)
  const heldOut = new Set<string>();
  for (const u of used) {
    for (const other of ['train.txt', 'valid.txt', 'test.txt']) {
      const f = path.join(path.dirname(u), other);
      if (!used.has(path.resolve(f)) && fs.existsSync(f)) heldOut.add(path.relative(process.cwd(), f) || f);
    }
  }
  const model = (m.model ?? {}) as { init?: string | null };
  if (model.init) {
    const initDir = locateFile(model.init, [expDir]);
    if (!initDir) throw new UserError(`${manifestFile}: the model it started from (${model.init}) is missing, so the texts that model saw cannot be checked. Fix: restore ${model.init}`);
    const parent = modelTrainingTexts(initDir);
    for (const k of parent.keys) keys.add(k);
    sources.push(...parent.sources.map((s) => ({ source: `${s.source}, through ${model.init}`, keys: s.keys })));
  }
  return { model: dir, keys, sources, heldOut: [...heldOut].sort(), known: true };
}

function pretrainTexts(dir: string, m: Record<string, unknown>): TrainingTexts {
  const o = (m.options ?? {}) as { seed?: number; validShare?: number; corpora?: string[] };
  const corpora = (o.corpora ?? [...PRETRAIN_CORPORA]).filter((c): c is PretrainCorpus => (PRETRAIN_CORPORA as readonly string[]).includes(c));
  const keys = new Set<string>();
  const sources: TrainingTexts['sources'] = [];
  for (const part of trainingSourceTexts({ seed: o.seed, validShare: o.validShare, corpora })) {
    const own = new Set(part.texts.map(textKey));
    for (const k of own) keys.add(k);
    sources.push({ source: `pretraining corpus ${part.corpus} (${part.documents} texts) of ${dir}`, keys: own });
  }
  return { model: dir, keys, sources, heldOut: [], known: true };
}

export interface TrainingOverlap {
  model: string;
  /** Evaluation texts (by position) the model trained on. */
  indices: number[];
  /** The model's training sources that hold them, with how many each. */
  sources: Array<{ source: string; count: number }>;
  heldOut: string[];
}

/** Which of `texts` each model trained on (models with no overlap left out). */
export function trainingOverlap(trained: readonly TrainingTexts[], texts: readonly string[]): TrainingOverlap[] {
  const keys = texts.map(textKey);
  return trained
    .map((t) => {
      const indices = keys.flatMap((k, i) => (t.keys.has(k) ? [i] : []));
      const sources = t.sources.map((s) => ({ source: s.source, count: indices.filter((i) => s.keys.has(keys[i])).length })).filter((s) => s.count > 0);
      return { model: t.model, indices, sources, heldOut: t.heldOut };
    })
    .filter((o) => o.indices.length > 0);
}

/** The texts of `texts` that none of the models trained on, by position. */
export function heldOutIndices(trained: readonly TrainingTexts[], texts: readonly string[]): number[] {
  const keys = texts.map(textKey);
  return keys.flatMap((k, i) => (trained.some((t) => t.keys.has(k)) ? [] : [i]));
}

/**
 * Throw a UserError when any evaluation text is one that a model feeding the encoder trained on: it names how
 * many texts, which models, and the fix.
 */
export function refuseTrainingOverlap(encoderSpec: string, trained: readonly TrainingTexts[], texts: readonly string[], where: { file?: string; what: string; lines?: readonly number[] }): void {
  const overlaps = trainingOverlap(trained, texts);
  if (overlaps.length === 0) return;
  const all = new Set(overlaps.flatMap((o) => o.indices));
  const each = overlaps.map((o) => `${o.model}: ${o.indices.length}, from ${o.sources.map((s) => (s.count === o.indices.length ? s.source : `${s.source}: ${s.count}`)).join('; ')}`).join('; ');
  const heldOut = [...new Set(overlaps.flatMap((o) => o.heldOut))];
  const first = Math.min(...all);
  const firstAt = where.lines ? `line ${where.lines[first]}` : `text ${first + 1}`;
  throw new UserError(
    `${where.file ?? 'the evaluation set'}: ${all.size} of the ${texts.length} texts ${where.what} were in the training data of the models that the encoder ${encoderSpec} is built from (${each}; the first at ${firstAt}); ` +
      `scores on them measure what those models memorised, not the level. Fix: evaluate on texts held out from the models` +
      `${heldOut.length ? ` (e.g. the documents of ${heldOut.join(', ')})` : ''}, or train the models again per cross-validation fold (cross-fitting) and classify each fold with models that never saw it`,
  );
}
