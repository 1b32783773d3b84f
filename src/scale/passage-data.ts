/**
 * The passages of the passage scale, from the embedded data:
 * - CEFR-SP (data/cefr-sp/cefr_sp_public.csv): 10,004 sentences (SCoRE and Wiki-Auto) rated by two teachers;
 *   a sentence's level is `cefr_max` (the higher of the two ratings, the column the data ships); its split
 *   (train/dev/test) is the corpus's own, by source document.
 * - OneStopEnglish (data/onestopenglish/onestopenglish.csv): 189 articles at three levels (elementary,
 *   intermediate, advanced); each text's lines are its paragraphs; the heading word "Intermediate" that opens
 *   every intermediate text is removed. Articles are split into train and test by a
 *   seeded shuffle of the article names (all three versions on the same side).
 * - CEFR-ASAG (data/cefr-asag/cefr_asag_4col.csv) or any CSV in the learner schema: texts with a `cefr_level`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { dataDir, defaultCsv } from '../runtime/paths';
import { UserError, locate } from '../runtime/errors';
import { parseCefr, cefrIndex, type CefrLevel } from '../corpus/cefr';
import { Rng } from '../runtime/rng';

export const CEFR_SP_FILE = path.join(dataDir, 'cefr-sp', 'cefr_sp_public.csv');
export const ONESTOP_FILE = path.join(dataDir, 'onestopenglish', 'onestopenglish.csv');
export { defaultCsv as CEFR_ASAG_FILE };

export interface LevelledText {
  id: string;
  text: string;
  level: CefrLevel;
  /** 0..5 */
  levelIndex: number;
}

export interface CefrSpSentence extends LevelledText {
  source: string;
  split: 'train' | 'dev' | 'test';
}

export function loadCefrSp(file = CEFR_SP_FILE): CefrSpSentence[] {
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, bom: true }) as Array<Record<string, string>>;
  return rows.map((r, i) => {
    const level = parseCefr(r.cefr_max ?? '');
    if (!level) throw new UserError(locate(file, i + 2, `cefr_max is ${JSON.stringify(r.cefr_max)}`, 'use A1..C2'));
    return { id: r.id, text: r.sentence, level, levelIndex: cefrIndex(level), source: r.source, split: r.split as CefrSpSentence['split'] };
  });
}

export type OneStopLevel = 'elementary' | 'intermediate' | 'advanced';
export const ONESTOP_LEVELS: OneStopLevel[] = ['elementary', 'intermediate', 'advanced'];

export interface OneStopArticle {
  article: string;
  /** Text per level; paragraphs are the non-empty lines. */
  versions: Record<OneStopLevel, string>;
}

export function loadOneStop(file = ONESTOP_FILE): OneStopArticle[] {
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, bom: true }) as Array<Record<string, string>>;
  const by = new Map<string, Partial<Record<OneStopLevel, string>>>();
  rows.forEach((r, i) => {
    const level = r.level as OneStopLevel;
    if (!ONESTOP_LEVELS.includes(level)) throw new UserError(locate(file, i + 2, `level is ${JSON.stringify(r.level)}`, 'use elementary, intermediate or advanced'));
    // Every intermediate text begins with the word "Intermediate" (a heading left in the corpus): removed, or the
    // level would be in the text.
    const text = r.text.replace(/^\ufeff/, '').replace(/^\s*(?:Elementary|Intermediate|Advanced)\b[ \t]*\n?[ \t]*/, '');
    if (!by.has(r.article)) by.set(r.article, {});
    by.get(r.article)![level] = text;
  });
  return [...by.entries()]
    .filter(([, v]) => ONESTOP_LEVELS.every((l) => v[l]))
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([article, v]) => ({ article, versions: v as Record<OneStopLevel, string> }));
}

/** The paragraphs of a text: trimmed non-empty lines. */
export function paragraphs(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/^\ufeff/, '').trim())
    .filter((l) => l.length > 0);
}

/** Seeded article split: `testShare` of the articles (default 0.2) held out. */
export function splitOneStop(articles: OneStopArticle[], seed = 0, testShare = 0.2): { train: OneStopArticle[]; test: OneStopArticle[] } {
  const order = new Rng(seed).shuffle(articles.map((_, i) => i));
  const nTest = Math.round(testShare * articles.length);
  const testSet = new Set(order.slice(0, nTest));
  return { train: articles.filter((_, i) => !testSet.has(i)), test: articles.filter((_, i) => testSet.has(i)) };
}

/** Column names of a levelled CSV (defaults: the learner schema). */
export interface LevelledColumns {
  textColumn?: string;
  levelColumn?: string;
  idColumn?: string;
}

export const LEVELLED_COLUMNS = { text: 'text', level: 'cefr_level', id: 'writing_id' } as const;

/** A CSV with a text and a CEFR level column (default the learner schema's `text` and `cefr_level`; a row with another label or no text is a UserError). */
export function loadLevelledCsv(file: string = defaultCsv, columns: LevelledColumns = {}): LevelledText[] {
  const textCol = columns.textColumn ?? LEVELLED_COLUMNS.text;
  const levelCol = columns.levelColumn ?? LEVELLED_COLUMNS.level;
  const idCol = columns.idColumn ?? LEVELLED_COLUMNS.id;
  if (!fs.existsSync(file)) throw new UserError(`${file} not found. Fix: pass a CSV with a text and a CEFR level column`);
  const records = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, bom: true, info: true }) as Array<{ record: Record<string, string>; info: { lines: number } }>;
  if (records.length) {
    const header = Object.keys(records[0].record);
    for (const [col, option] of [[textCol, '--text-column'], [levelCol, '--level-column']] as const) {
      if (!header.includes(col)) throw new UserError(locate(file, 1, `no column "${col}" (columns: ${header.join(', ')})`, `name the column with ${option}`));
    }
  }
  return records.map(({ record: r, info }) => {
    const level = parseCefr(r[levelCol] ?? '');
    if (!level) throw new UserError(locate(file, info.lines, `${levelCol} is ${JSON.stringify(r[levelCol])}`, 'use A1..C2'));
    if (!(r[textCol] ?? '').trim()) throw new UserError(locate(file, info.lines, `the ${textCol} column is empty`, 'fill in the text or remove the row'));
    return { id: r[idCol] ?? `line${info.lines}`, text: r[textCol], level, levelIndex: cefrIndex(level) };
  });
}
