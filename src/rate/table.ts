/**
 * Reading and writing the CSV tables the rating commands take and produce (any columns, a header row).
 * Reading checks that the named columns exist and names the file and the fix; writing quotes as RFC 4180
 * requires and goes through `writeFileAtomic`, so a killed run never leaves half a RATINGS.csv.
 */
import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { writeFileAtomic } from '../runtime/atomic';
import { UserError, locate } from '../runtime/errors';

export interface Table {
  file: string;
  columns: string[];
  rows: Array<Record<string, string>>;
  /** The file line each row starts on (1 is the header), for messages in the `file:line` form. */
  lines: number[];
}

export function readTable(file: string): Table {
  if (!fs.existsSync(file)) throw new UserError(locate(file, null, 'file not found', 'check the path'));
  let records: string[][];
  let ends: number[];
  try {
    const parsed = parse(fs.readFileSync(file), { bom: true, skip_empty_lines: true, relax_column_count: false, info: true }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    records = parsed.map((p) => p.record);
    ends = parsed.map((p) => p.info.lines);
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? null;
    throw new UserError(locate(file, line, `not a valid CSV (${(e as Error).message})`, 'fix the quoting or the number of fields on that line'));
  }
  if (records.length === 0) throw new UserError(locate(file, 1, 'empty file', 'give a header row and at least one data row'));
  const columns = records[0].map((c) => c.trim());
  const rows = records.slice(1).map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? ''])));
  // csv-parse counts the line a record ends on; a quoted field's own line breaks lead back to where it starts.
  const lines = records.slice(1).map((r, i) => ends[i + 1] - r.reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0));
  return { file, columns, rows, lines };
}

/** Throw a UserError unless every named column is in the table. */
export function requireColumns(t: Table, names: readonly string[], option = 'the column options'): void {
  for (const name of names) {
    if (!t.columns.includes(name)) {
      throw new UserError(locate(t.file, 1, `no column "${name}" (columns: ${t.columns.join(', ')})`, `name an existing column with ${option}`));
    }
  }
}

function quote(v: string): string {
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function formatTable(columns: readonly string[], rows: ReadonlyArray<Record<string, string | number | null | undefined>>): string {
  const lines = [columns.map(quote).join(',')];
  for (const row of rows) lines.push(columns.map((c) => quote(row[c] == null ? '' : String(row[c]))).join(','));
  return lines.join('\n') + '\n';
}

export function writeTable(file: string, columns: readonly string[], rows: ReadonlyArray<Record<string, string | number | null | undefined>>): void {
  writeFileAtomic(file, formatTable(columns, rows));
}
