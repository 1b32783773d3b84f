/**
 * The project's one reader and one writer of CSV tables held in memory (a header row, then one row per record):
 * rating tables, IRT responses, word lists, levelled passages, predictions. Reading uses csv-parse (RFC 4180,
 * a UTF-8 byte-order mark skipped, blank lines skipped) and turns its errors into a UserError naming the file,
 * the line and the fix; every row carries the physical line it starts on, so a caller's message about a value
 * points where an editor opens. Large learner corpora are streamed by src/corpus/csv.ts instead, which keeps
 * byte offsets rather than texts.
 *
 * Writing quotes a field as RFC 4180 section 2 requires (a comma, a quote or a line break inside; quotes
 * doubled) and also one with white space at either end, so a reader that trims unquoted fields gets the value
 * back unchanged. It is written here because the one small rule is all the project needs (csv-parse's sibling
 * writer is not a dependency).
 */
import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { writeFileAtomic } from './atomic';
import { UserError, locate } from './errors';

export interface CsvReadOptions {
  /** Remove white space around unquoted field values (csv-parse `trim`). Default false. */
  trim?: boolean;
  /** The fix named when the file does not exist (default "check the path"). */
  missingFix?: string;
}

export interface CsvRecords {
  file: string;
  /** Every record, the header first, as parsed (quotes removed). */
  records: string[][];
  /** The physical line (1-based) each record starts on. */
  lines: number[];
}

/** A parsed table: trimmed column names, rows keyed by them (a missing field is ''), and each row's line. */
export interface Table {
  file: string;
  columns: string[];
  rows: Array<Record<string, string>>;
  /** The file line each row starts on (the header is line 1 or later), for messages in the `file:line` form. */
  lines: number[];
}

/** Line breaks (LF, CRLF or a lone CR) in s. */
function lineBreaks(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && s.charCodeAt(i + 1) !== 0x0a)) n++;
  }
  return n;
}

/**
 * Read every record of a CSV file. Every record must have as many fields as the header; a problem is a
 * UserError `FILE:LINE: ... Fix: ...`. The start lines are counted from each record's raw text, because
 * csv-parse's own count takes a CRLF inside a quoted field for two lines.
 */
export function readCsvRecords(file: string, options: CsvReadOptions = {}): CsvRecords {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(locate(file, null, 'file not found', options.missingFix ?? 'check the path'));
    throw new UserError(locate(file, null, `cannot read it (${(e as Error).message})`, 'pass a readable CSV file'));
  }
  let parsed: Array<{ record: string[]; raw: string }>;
  try {
    parsed = parse(bytes, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: options.trim ?? false, info: true, raw: true }) as unknown as Array<{ record: string[]; raw: string }>;
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? null;
    throw new UserError(locate(file, line, `not a valid CSV (${(e as Error).message})`, 'fix the quoting or the number of fields on that line (a quote inside a quoted field is doubled: "")'));
  }
  const records: string[][] = [];
  const lines: number[] = [];
  let line = 1;
  for (const { record, raw } of parsed) {
    // raw holds the blank lines skipped before the record, the record and its line ending.
    const lead = /^[\r\n]*/.exec(raw)![0];
    records.push(record);
    lines.push(line + lineBreaks(lead));
    line += lineBreaks(raw);
  }
  return { file, records, lines };
}

/** Read a CSV table with a header row; an empty file is a UserError. */
export function readTable(file: string, options: CsvReadOptions = {}): Table {
  const { records, lines } = readCsvRecords(file, options);
  if (records.length === 0) throw new UserError(locate(file, 1, 'empty file', 'give a header row and at least one data row'));
  const columns = records[0].map((c) => c.trim());
  const rows = records.slice(1).map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? ''])));
  return { file, columns, rows, lines: lines.slice(1) };
}

/** Throw a UserError unless every named column is in the table. */
export function requireColumns(t: Table, names: readonly string[], option = 'the column options'): void {
  for (const name of names) {
    if (!t.columns.includes(name)) {
      throw new UserError(locate(t.file, 1, `no column "${name}" (columns: ${t.columns.join(', ')})`, `name an existing column with ${option}`));
    }
  }
}

/** One field as written to a CSV file (see the header for when it is quoted). */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** One CSV line (no line ending) of the given values. */
export function csvLine(values: ReadonlyArray<string | number>): string {
  return values.map((v) => csvField(String(v))).join(',');
}

type Cell = string | number | null | undefined;

/** A whole table as CSV text: the header, one line per row (a null or missing value is empty), LF endings. */
export function formatTable(columns: readonly string[], rows: ReadonlyArray<Record<string, Cell>>): string {
  const lines = [csvLine(columns)];
  for (const row of rows) lines.push(csvLine(columns.map((c) => (row[c] == null ? '' : String(row[c])))));
  return lines.join('\n') + '\n';
}

/** Write a table atomically (a killed run never leaves half a file). */
export function writeTable(file: string, columns: readonly string[], rows: ReadonlyArray<Record<string, Cell>>): void {
  writeFileAtomic(file, formatTable(columns, rows));
}
