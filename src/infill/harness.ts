/**
 * The evaluation harness (the EFCAMDAT guide's `ilm_eval`): mask spans of learner texts, then for every model
 * score the original spans and sample fills. ILM models (`ilm:EXP_DIR`) see the whole text with blanks;
 * left-to-right baselines (`lm:EXP_DIR`) see only the text before each span (src/infill/lm.ts).
 *
 * Per text and model: the log-probability of the original spans' tokens (the answer text only, without the
 * ILM's end-of-answer tokens, so ILM and LM numbers measure the same tokens), the samples with their fills,
 * whether they match the original exactly, and the rank of the original among the samples. The rank compares
 * the model's probability of whole fills: for an ILM, answer plus end tokens (src/infill/rank.ts explains
 * why), for an LM the span tokens. Rank 1 means no sample was more probable than the original.
 *
 * Everything but the timings is a pure function of the inputs and the seed: masks come from
 * Rng.derive(seed, 'mask', i) and samples from Rng.derive(seed, 'sample', i) for text i.
 */
import { performance } from 'node:perf_hooks';
import type { GPT2 } from '../model/gpt2';
import { parseCefr } from '../corpus/cefr';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readLearnerCsv } from '../corpus/learner';
import { streamDocuments } from '../ilm/documents';
import { scanCsv } from '../corpus/csv';
import { normaliseText } from '../corpus/text';
import { Rng } from '../runtime/rng';
import { UserError, locate } from '../runtime/errors';
import { progress } from '../runtime/progress';
import { sha256File } from '../runtime/hash';
import { versions, type Versions } from '../runtime/versions';
import { loadExperimentModel } from '../experiment/load';
import { encodePieces } from './blanks';
import { cutAtWord, maskText, MASKING_MODES, type MaskedText, type MaskingMode } from './evalmask';
import { generateAnswers } from './infill';
import { lmSampleSpans, lmSpanLogProbs } from './lm';
import { scoreAnswerSets } from './rank';
import { resolveSampling, type SamplingOptions } from './sample';
import { SEP_ID, decodeTokens } from './vocab';

export type ModelKind = 'ilm' | 'lm';

export interface ModelSpec {
  kind: ModelKind;
  dir: string;
  /** The spec as written ("ilm:experiments/x"), used as the model's name in the results. */
  label: string;
}

/** Parse `ilm:DIR` or `lm:DIR`. */
export function parseModelSpec(spec: string): ModelSpec {
  const m = /^(ilm|lm):(.+)$/.exec(spec.trim());
  if (!m) {
    throw new UserError(`unknown model spec "${spec}". Fix: write ilm:EXP_DIR for an infilling model or lm:EXP_DIR for a left-to-right baseline`);
  }
  return { kind: m[1] as ModelKind, dir: m[2], label: spec.trim() };
}

export interface HarnessOptions extends SamplingOptions {
  /** Spans masked per text (default 1). */
  nMasks?: number;
  /** Fills sampled per text and model (default 5). */
  samplesPerText?: number;
  /** Texts are cut to this many characters at a word boundary (default 500). */
  maxChars?: number;
  /** Seed of masks and samples (default 42). */
  seed?: number;
  masking?: MaskingMode;
  /** Cap on tokens an ILM generates per sample (default: by the blanks' types, src/infill/defaults.ts). */
  maxNewTokens?: number;
}

export interface HarnessSettings {
  nMasks: number;
  samplesPerText: number;
  maxChars: number;
  seed: number;
  masking: MaskingMode;
  temperature: number;
  topK: number;
  nucleus: number;
  maxNewTokens: number | null;
}

export function resolveHarnessOptions(options: HarnessOptions = {}): HarnessSettings {
  const s = resolveSampling(options);
  const settings: HarnessSettings = {
    nMasks: options.nMasks ?? 1,
    samplesPerText: options.samplesPerText ?? 5,
    maxChars: options.maxChars ?? 500,
    seed: options.seed ?? 42,
    masking: options.masking ?? 'human-tokens',
    temperature: s.temperature,
    topK: s.topK,
    nucleus: s.nucleus,
    maxNewTokens: options.maxNewTokens ?? null,
  };
  const whole = (name: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min) throw new UserError(`${name} must be a whole number >= ${min}, got ${v}. Fix: correct ${name}`);
  };
  whole('--n-masks', settings.nMasks, 1);
  whole('--samples-per-text', settings.samplesPerText, 1);
  whole('--max-chars', settings.maxChars, 1);
  whole('--seed', settings.seed, 0);
  if (settings.maxNewTokens !== null) whole('--max-new-tokens', settings.maxNewTokens, 1);
  if (!MASKING_MODES.includes(settings.masking)) {
    throw new UserError(`unknown masking "${settings.masking}". Fix: use one of ${MASKING_MODES.join(', ')}`);
  }
  return settings;
}

/** One input text. */
export interface HarnessText {
  id: string;
  level: string | null;
  /** The text as evaluated (cut to maxChars at a word boundary). */
  text: string;
}

/** The first `limit` valid texts of a learner CSV (EFCAMDAT schema), cut to `maxChars`. Bad CSVs are UserErrors. */
export function readHarnessTexts(csv: string, limit: number, maxChars: number): HarnessText[] {
  if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit must be a whole number >= 1, got ${limit}. Fix: use e.g. --limit 100`);
  // Validation (header, labels, encoding, quoting) with file:line errors; then the first rows, in file order.
  readLearnerCsv(csv, { onBadRow: 'fail', showProgress: false });
  const out: HarnessText[] = [];
  let columns: { id: number; level: number; text: number } | null = null;
  scanCsv(csv, (rec) => {
    if (!columns) {
      const names = Array.from({ length: rec.fieldCount }, (_, i) => rec.field(i).trim());
      columns = { id: names.indexOf('writing_id'), level: names.indexOf('cefr_level'), text: names.indexOf('text') };
      return;
    }
    if (out.length >= limit) return;
    const text = normaliseText(rec.field(columns.text)).text;
    out.push({ id: rec.field(columns.id), level: parseCefr(rec.field(columns.level)), text: cutAtWord(text, maxChars) });
  });
  if (out.length === 0) throw new UserError(`${csv}: no texts to evaluate. Fix: give a learner CSV with at least one row`);
  return out;
}

/**
 * The first `limit` documents of a prepared split (`cefrlab prepare` output: `<split>.txt` with documents
 * separated by three newlines, and the sidecar `<split>.labels.tsv` giving writing_id and cefr_level per
 * document in order), cut to `maxChars`. Without the sidecar the levels are unknown (null).
 */
export async function readSplitTexts(dir: string, split: string, limit: number, maxChars: number): Promise<HarnessText[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit must be a whole number >= 1, got ${limit}. Fix: use e.g. --limit 100`);
  const labelsFile = path.join(dir, `${split}.labels.tsv`);
  const labels: Array<{ id: string; level: string | null }> = [];
  if (fs.existsSync(labelsFile)) {
    const lines = fs.readFileSync(labelsFile, 'utf8').split('\n').filter((l) => l.length > 0);
    const header = lines[0].split('\t');
    const idCol = header.indexOf('writing_id');
    const levelCol = header.indexOf('cefr_level');
    if (idCol < 0 || levelCol < 0) throw new UserError(locate(labelsFile, 1, 'the header lacks writing_id or cefr_level', 'use the labels file written by `cefrlab prepare`'));
    for (const line of lines.slice(1)) {
      const cells = line.split('\t');
      labels.push({ id: cells[idCol], level: parseCefr(cells[levelCol] ?? '') });
    }
  }
  const out: HarnessText[] = [];
  const stream = streamDocuments(path.join(dir, `${split}.txt`));
  for await (const doc of stream.documents) {
    if (out.length >= limit) break;
    const label = labels[doc.index];
    out.push({ id: label?.id ?? `${split}:${doc.index}`, level: label?.level ?? null, text: cutAtWord(doc.text, maxChars) });
  }
  if (out.length === 0) throw new UserError(locate(path.join(dir, `${split}.txt`), null, 'no documents to evaluate', 'run `cefrlab prepare` to write the split files'));
  return out;
}

/** Texts from a learner CSV, or from a prepared split directory (its `split`, default test). */
export async function readEvalTexts(input: string, limit: number, maxChars: number, split = 'test'): Promise<HarnessText[]> {
  if (fs.existsSync(input) && fs.statSync(input).isDirectory()) return readSplitTexts(input, split, limit, maxChars);
  return readHarnessTexts(input, limit, maxChars);
}

export interface SampleResult {
  fills: string[];
  /** The model's log-probability of the sampled fill(s) (the quantity the rank compares). */
  logProb: number;
  exact: boolean;
}

export interface ModelTextResult {
  /** Log-probability of the original spans' text tokens, per span and token. */
  spanLogProbs: number[][];
  logProb: number;
  tokens: number;
  /** The original's score for the rank (ILM: end tokens included). */
  rankScore: number;
  samples: SampleResult[];
  /** Fraction of samples whose every fill equals the original (white space at the ends ignored). */
  exactMatch: number;
  /** 1 + the number of samples (other than the original itself) more probable than the original. */
  rank: number;
  timeMs: number;
}

export interface TextResult {
  index: number;
  id: string;
  level: string | null;
  text: string;
  /** Why the text was left out (too few words, too long for a model), or null. */
  skipped: string | null;
  masks: MaskedText['spans'];
  results: Record<string, ModelTextResult>;
}

export interface Aggregate {
  texts: number;
  tokens: number;
  /** Token-weighted mean log-probability of the original spans. */
  meanLogProb: number | null;
  perplexity: number | null;
  exactMatch: number | null;
  meanRank: number | null;
  msPerText: number | null;
}

export interface HarnessReport {
  settings: HarnessSettings;
  models: ModelSpec[];
  texts: TextResult[];
  summary: Record<string, { overall: Aggregate; byLevel: Record<string, Aggregate> }>;
}

export interface HarnessModel {
  spec: ModelSpec;
  model: GPT2;
}

const sameFill = (a: string, b: string) => a.trim() === b.trim();

/** Tokens a model needs for a masked text: the ILM sequence with answers, or the whole text for an LM. */
function tokensNeeded(kind: ModelKind, masked: MaskedText): number {
  const pieces = masked.pieceTokens.reduce((a, p) => a + p.length, 0);
  const spans = masked.spanTokens.reduce((a, s) => a + s.length, 0);
  return kind === 'ilm' ? pieces + masked.spanTokens.length + 1 + spans + masked.spanTokens.length : pieces + spans;
}

async function evaluateIlm(model: GPT2, masked: MaskedText, rng: Rng, settings: HarnessSettings): Promise<Omit<ModelTextResult, 'timeMs'>> {
  const prompt = [...encodePieces(masked.pieceTokens, masked.types).tokens, SEP_ID];
  const [scores] = await scoreAnswerSets(model, prompt, [masked.spanTokens]);
  const spanLogProbs = masked.spanTokens.map((_, i) => scores.filter((t) => t.blank === i && !t.end).map((t) => t.logProb));
  const rankScore = scores.reduce((a, t) => a + t.logProb, 0);
  const rows = await generateAnswers(model, prompt, masked.spanTokens.length, rng, {
    n: settings.samplesPerText,
    temperature: settings.temperature,
    topK: settings.topK,
    nucleus: settings.nucleus,
    maxNewTokens: settings.maxNewTokens ?? undefined,
    blankTypes: masked.types,
  });
  const samples = rows.map((row) => {
    const fills = row.answers.map(decodeTokens);
    return { fills, logProb: row.logProb, exact: fills.every((f, i) => sameFill(f, masked.spans[i].original)) };
  });
  return finish(spanLogProbs, rankScore, samples);
}

async function evaluateLm(model: GPT2, masked: MaskedText, rng: Rng, settings: HarnessSettings): Promise<Omit<ModelTextResult, 'timeMs'>> {
  const doc = { pieces: masked.pieceTokens, spans: masked.spanTokens };
  const spanLogProbs = await lmSpanLogProbs(model, doc);
  const rankScore = spanLogProbs.flat().reduce((a, b) => a + b, 0);
  const rows = await lmSampleSpans(model, doc, settings.samplesPerText, rng, settings);
  const samples = rows.map((row) => {
    const fills = row.spans.map(decodeTokens);
    return { fills, logProb: row.logProb, exact: fills.every((f, i) => sameFill(f, masked.spans[i].original)) };
  });
  return finish(spanLogProbs, rankScore, samples);
}

function finish(spanLogProbs: number[][], rankScore: number, samples: SampleResult[]): Omit<ModelTextResult, 'timeMs'> {
  const flat = spanLogProbs.flat();
  return {
    spanLogProbs,
    logProb: flat.reduce((a, b) => a + b, 0),
    tokens: flat.length,
    rankScore,
    samples,
    exactMatch: samples.filter((s) => s.exact).length / samples.length,
    // A sample equal to the original is the original: float noise between the scoring and sampling paths
    // must not rank it above itself.
    rank: 1 + samples.filter((s) => !s.exact && s.logProb > rankScore).length,
  };
}

/** Run every model on every text. Models are used as given (the caller loads and disposes them). */
export async function runHarness(models: HarnessModel[], texts: HarnessText[], options: HarnessOptions = {}): Promise<HarnessReport> {
  const settings = resolveHarnessOptions(options);
  if (models.length === 0) throw new UserError('no models to evaluate. Fix: give --models ilm:EXP_DIR [lm:EXP_DIR ...]');
  const labels = new Set<string>();
  for (const m of models) {
    if (labels.has(m.spec.label)) throw new UserError(`model ${m.spec.label} is given twice. Fix: list each model once`);
    labels.add(m.spec.label);
  }
  const bar = progress('ilm-eval', texts.length * models.length);
  const results: TextResult[] = [];
  let done = 0;
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i];
    const masked = maskText(t.text, settings.nMasks, settings.masking, Rng.derive(settings.seed, 'mask', i));
    const entry: TextResult = { index: i, id: t.id, level: t.level, text: t.text, skipped: null, masks: masked?.spans ?? [], results: {} };
    results.push(entry);
    if (!masked) {
      entry.skipped = `too short for ${settings.nMasks} separate span(s)`;
      done += models.length;
      bar.update(done);
      continue;
    }
    const tooLong = models.find((m) => tokensNeeded(m.spec.kind, masked) > m.model.config.n_positions);
    if (tooLong) {
      entry.skipped = `needs ${tokensNeeded(tooLong.spec.kind, masked)} tokens, more than ${tooLong.spec.label}'s ${tooLong.model.config.n_positions} positions (lower --max-chars)`;
      done += models.length;
      bar.update(done);
      continue;
    }
    for (const m of models) {
      const rng = Rng.derive(settings.seed, 'sample', i);
      const start = performance.now();
      const r = m.spec.kind === 'ilm' ? await evaluateIlm(m.model, masked, rng, settings) : await evaluateLm(m.model, masked, rng, settings);
      entry.results[m.spec.label] = { ...r, timeMs: performance.now() - start };
      bar.update(++done);
    }
  }
  bar.stop();
  return { settings, models: models.map((m) => m.spec), texts: results, summary: summarise(models.map((m) => m.spec.label), results) };
}

function aggregate(label: string, texts: TextResult[]): Aggregate {
  const rs = texts.map((t) => t.results[label]).filter((r): r is ModelTextResult => r !== undefined);
  const tokens = rs.reduce((a, r) => a + r.tokens, 0);
  const logProb = rs.reduce((a, r) => a + r.logProb, 0);
  const mean = (f: (r: ModelTextResult) => number) => (rs.length ? rs.reduce((a, r) => a + f(r), 0) / rs.length : null);
  const meanLogProb = tokens ? logProb / tokens : null;
  return {
    texts: rs.length,
    tokens,
    meanLogProb,
    perplexity: meanLogProb === null ? null : Math.exp(-meanLogProb),
    exactMatch: mean((r) => r.exactMatch),
    meanRank: mean((r) => r.rank),
    msPerText: mean((r) => r.timeMs),
  };
}

export function summarise(labels: string[], texts: TextResult[]): HarnessReport['summary'] {
  const out: HarnessReport['summary'] = {};
  const levels = [...new Set(texts.map((t) => t.level).filter((l): l is string => l !== null))].sort();
  for (const label of labels) {
    const byLevel: Record<string, Aggregate> = {};
    for (const level of levels) byLevel[level] = aggregate(label, texts.filter((t) => t.level === level));
    out[label] = { overall: aggregate(label, texts), byLevel };
  }
  return out;
}

/** The report without wall-clock times: what must be identical between two runs with the same seed. */
export function withoutTimings(report: HarnessReport): HarnessReport {
  return JSON.parse(JSON.stringify(report, (key, value) => (key === 'timeMs' || key === 'msPerText' ? undefined : value)));
}

/** A printed summary: one line per model and level. */
export function summaryTable(report: HarnessReport): string {
  const header = ['model', 'level', 'texts', 'tokens', 'mean logp', 'ppl', 'exact', 'mean rank', 'ms/text'];
  const rows: string[][] = [];
  const f = (v: number | null, digits: number) => (v === null ? '-' : v.toFixed(digits));
  for (const [label, s] of Object.entries(report.summary)) {
    const line = (level: string, a: Aggregate) =>
      rows.push([label, level, String(a.texts), String(a.tokens), f(a.meanLogProb, 3), f(a.perplexity, 2), f(a.exactMatch, 3), f(a.meanRank, 2), f(a.msPerText, 0)]);
    line('all', s.overall);
    for (const [level, a] of Object.entries(s.byLevel)) line(level, a);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const skipped = report.texts.filter((t) => t.skipped).length;
  return [fmt(header), ...rows.map(fmt), ...(skipped ? [`${skipped} text(s) skipped (see "skipped" in the JSON)`] : [])].join('\n');
}

export interface IlmEvalOptions extends HarnessOptions {
  /** A learner CSV, or a prepared split directory (its `split` is used). */
  csv: string;
  /** With a split directory: which split (default test). */
  split?: string;
  /** Model specs: ilm:EXP_DIR or lm:EXP_DIR. */
  models: string[];
  /** First texts of the CSV to use (default 100). */
  limit?: number;
}

export interface IlmEvalReport extends HarnessReport {
  /** `csv` as given; `file` is what was read (the CSV, or the split's text file). */
  input: { csv: string; file: string; sha256: string; limit: number };
  /** The weights each model was loaded from. */
  modelDirs: Record<string, string>;
  versions: Versions;
}

/**
 * The whole `ilm-eval` run: check the specs, read the texts, load every model, run the harness. The models are
 * disposed at the end. Errors a user can fix (bad CSV, unknown spec, missing directory) come before any work.
 */
export async function ilmEval(options: IlmEvalOptions): Promise<IlmEvalReport> {
  const specs = options.models.map(parseModelSpec);
  if (specs.length === 0) throw new UserError('no models to evaluate. Fix: give --models ilm:EXP_DIR [lm:EXP_DIR ...]');
  const settings = resolveHarnessOptions(options);
  const limit = options.limit ?? 100;
  const texts = await readEvalTexts(options.csv, limit, settings.maxChars, options.split);
  const loaded: HarnessModel[] = [];
  const modelDirs: Record<string, string> = {};
  try {
    for (const spec of specs) {
      const { model, dir } = loadExperimentModel(spec.dir);
      loaded.push({ spec, model });
      modelDirs[spec.label] = dir;
    }
    const report = await runHarness(loaded, texts, options);
    const isDir = fs.statSync(options.csv).isDirectory();
    const file = isDir ? path.join(options.csv, `${options.split ?? 'test'}.txt`) : options.csv;
    return { ...report, input: { csv: options.csv, file, sha256: await sha256File(file), limit }, modelDirs, versions: versions() };
  } finally {
    for (const m of loaded) m.model.dispose();
  }
}
