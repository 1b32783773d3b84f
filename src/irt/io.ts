/**
 * Files of the `irt` commands. Responses: CSV with a header naming `person`, `item`, `response` (response in
 * 0..1; `person` may be left out when the file holds one person). Calibrated items (ITEMS.json): what
 * `cefrlab irt calibrate` writes: difficulties in logits and on the 100-point scale (src/irt/scale.ts).
 */
import * as fs from 'node:fs';
import { UserError, locate } from '../runtime/errors';
import { readCsvRecords } from '../runtime/csv-table';
import type { Calibration } from './calibrate';
import { POINTS_PER_LOGIT, SCALE_CENTER, logitToScale, scaleToLogit } from './scale';

export interface ResponseRow {
  person: string;
  item: string;
  response: number;
}

/** Read a responses CSV; every bad row is a UserError naming the file, the line and the fix. */
export function readResponsesCsv(file: string, { requirePerson = true } = {}): ResponseRow[] {
  const { records, lines } = readCsvRecords(file, { trim: true, missingFix: 'pass an existing CSV file' });
  if (records.length === 0) throw new UserError(locate(file, null, 'the file is empty', `write a header "${requirePerson ? 'person,' : ''}item,response" and one row per response`));
  const header = records[0].map((h) => h.toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const [pc, ic, rc] = [col('person'), col('item'), col('response')];
  if (ic < 0 || rc < 0 || (requirePerson && pc < 0)) {
    throw new UserError(locate(file, lines[0], `the header is "${records[0].join(',')}"`, `name the columns ${requirePerson ? 'person,item,response' : 'item,response (person optional)'}`));
  }
  const rows: ResponseRow[] = [];
  for (let n = 1; n < records.length; n++) {
    const rec = records[n];
    const raw = rec[rc];
    const response = raw === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(response) || response < 0 || response > 1) {
      throw new UserError(locate(file, lines[n], `response "${raw}" is not a number from 0 to 1`, 'graded responses are in 0..1 (1 correct, 0 wrong, soft values between)'));
    }
    const item = rec[ic];
    if (!item) throw new UserError(locate(file, lines[n], 'the item id is empty', 'give every row an item id'));
    rows.push({ person: pc >= 0 ? rec[pc] : 'person', item, response });
  }
  if (rows.length === 0) throw new UserError(locate(file, null, 'no responses after the header', 'add one row per response'));
  return rows;
}

export interface ItemsFile {
  scale: { center: number; pointsPerLogit: number; note: string };
  method: string;
  items: Array<{ id: string; difficulty: number; difficultyPoints: number; se?: number; n?: number; meanResponse?: number }>;
  excludedItems?: Array<{ id: string; reason: string }>;
  population?: { mean: number; sd: number };
  persons?: Array<{ id: string; theta: number; thetaPoints: number; se: number; boundary: string | null; n: number }>;
  iterations?: number;
  converged?: boolean;
}

export function itemsFile(cal: Calibration): ItemsFile {
  return {
    scale: { center: SCALE_CENTER, pointsPerLogit: POINTS_PER_LOGIT, note: 'points = center + pointsPerLogit * logit' },
    method: cal.method,
    items: cal.items.map((it) => ({ id: it.id, difficulty: it.difficulty, difficultyPoints: logitToScale(it.difficulty), se: it.se, n: it.n, meanResponse: it.meanResponse })),
    excludedItems: cal.excludedItems,
    population: cal.population,
    persons: cal.persons.map((p) => ({ id: p.id, theta: p.theta, thetaPoints: logitToScale(p.theta), se: p.se, boundary: p.boundary, n: p.n })),
    iterations: cal.iterations,
    converged: cal.converged,
  };
}

/**
 * Item difficulties in logits by id, from ITEMS.json (`irt calibrate`) or from a BANK.jsonl (difficulties on
 * the 100-point scale, mapped to logits).
 */
export function readItemDifficulties(file: string): Map<string, number> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(locate(file, null, `cannot read it (${(e as Error).message})`, 'pass the ITEMS.json of `cefrlab irt calibrate` or a BANK.jsonl'));
  }
  const out = new Map<string, number>();
  if (/\.jsonl$/i.test(file)) {
    text.split('\n').forEach((line, n) => {
      if (!line.trim()) return;
      let x: { id?: unknown; difficulty?: unknown };
      try {
        x = JSON.parse(line);
      } catch (e) {
        throw new UserError(locate(file, n + 1, `not valid JSON (${(e as Error).message})`, 'one item object per line'));
      }
      if (typeof x.id !== 'string' || typeof x.difficulty !== 'number' || !Number.isFinite(x.difficulty)) {
        throw new UserError(locate(file, n + 1, 'an item needs a string "id" and a finite "difficulty" (100-point scale)', 'rebuild the bank with `cefrlab items bank`'));
      }
      out.set(x.id, scaleToLogit(x.difficulty));
    });
    return out;
  }
  let json: ItemsFile;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(locate(file, null, `not valid JSON (${(e as Error).message})`, 'pass the ITEMS.json of `cefrlab irt calibrate`'));
  }
  if (!json || !Array.isArray(json.items)) throw new UserError(locate(file, null, 'no "items" array', 'pass the ITEMS.json of `cefrlab irt calibrate`'));
  json.items.forEach((it, n) => {
    if (typeof it.id !== 'string' || typeof it.difficulty !== 'number' || !Number.isFinite(it.difficulty)) {
      throw new UserError(locate(file, null, `items[${n}] needs a string "id" and a finite "difficulty" (logits)`, 'write the file with `cefrlab irt calibrate`'));
    }
    out.set(it.id, it.difficulty);
  });
  return out;
}
