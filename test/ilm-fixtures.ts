/** Real learner texts for the ILM tests: the embedded CEFR-ASAG answers (data/cefr-asag/cefr_asag_4col.csv). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';

const CSV = path.join(__dirname, '..', 'data', 'cefr-asag', 'cefr_asag_4col.csv');

/** The first `n` learner texts (trimmed, non-empty) with their CEFR levels. */
export function learnerTexts(n = Infinity): Array<{ text: string; level: string }> {
  const rows = parse(fs.readFileSync(CSV, 'utf8'), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  return rows
    .map((r) => ({ text: r.text.replace(/\r\n?/g, '\n').trim(), level: r.cefr_level }))
    .filter((r) => r.text)
    .slice(0, n);
}

/** Write a split file from texts (documents joined by three newlines, runs of 3+ newlines inside shortened). */
export function writeSplit(dir: string, split: string, texts: string[]): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${split}.txt`);
  fs.writeFileSync(file, texts.map((t) => t.replace(/\n{3,}/g, '\n\n')).join('\n\n\n') + '\n');
  return file;
}
