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
import * as path from 'node:path';
import { dataDir, defaultCsv } from '../runtime/paths';
import { UserError, locate } from '../runtime/errors';
import { readTable } from '../runtime/csv-table';
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
  const t = readTable(file);
  return t.rows.map((r, i) => {
    const level = parseCefr(r.cefr_max ?? '');
    if (!level) throw new UserError(locate(file, t.lines[i], `cefr_max is ${JSON.stringify(r.cefr_max)}`, 'use A1..C2'));
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
  const t = readTable(file);
  const by = new Map<string, Partial<Record<OneStopLevel, string>>>();
  t.rows.forEach((r, i) => {
    const level = r.level as OneStopLevel;
    if (!ONESTOP_LEVELS.includes(level)) throw new UserError(locate(file, t.lines[i], `level is ${JSON.stringify(r.level)}`, 'use elementary, intermediate or advanced'));
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
  const t = readTable(file, { missingFix: 'pass a CSV with a text and a CEFR level column' });
  if (t.rows.length) {
    for (const [col, option] of [[textCol, '--text-column'], [levelCol, '--level-column']] as const) {
      if (!t.columns.includes(col)) throw new UserError(locate(file, 1, `no column "${col}" (columns: ${t.columns.join(', ')})`, `name the column with ${option}`));
    }
  }
  return t.rows.map((r, i) => {
    const line = t.lines[i];
    const level = parseCefr(r[levelCol] ?? '');
    if (!level) throw new UserError(locate(file, line, `${levelCol} is ${JSON.stringify(r[levelCol])}`, 'use A1..C2'));
    if (!(r[textCol] ?? '').trim()) throw new UserError(locate(file, line, `the ${textCol} column is empty`, 'fill in the text or remove the row'));
    return { id: r[idCol] ?? `line${line}`, text: r[textCol], level, levelIndex: cefrIndex(level) };
  });
}
