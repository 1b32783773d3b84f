/**
 * Reading and validating a learner CSV (EFCAMDAT schema: at least `writing_id,l1,cefr_level,text`) in one
 * streaming pass. The result is a compact column store with one entry per usable document: labels, the
 * text's byte offset and length in the file, and its length in characters. Texts themselves are not kept
 * (EFCAMDAT is 250 MB); `writeSplits` (write.ts) reads them back by offset. A 128-bit content hash per
 * text (duplicates.ts) lets `prepare` find identical texts without keeping them.
 *
 * Every problem names the file, the physical line and a fix. With `onBadRow: 'fail'` the first bad row
 * throws a `UserError`; with `'skip'` bad rows are collected (line, reason, writing_id, detail) and left
 * out. Problems that make the rest of the file unreadable (unterminated quote, bad header) always throw.
 */
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { UserError, locate } from '../runtime/errors';
import { progress } from '../runtime/progress';
import { CsvSyntaxError, scanCsv, type CsvRecord } from './csv';
import { CEFR_LEVELS, parseCefr } from './cefr';
import { ByteKeys, hashBytes } from './keys';
import { codePoints, normaliseText } from './text';
import { putContentHash } from './duplicates';

export const REQUIRED_COLUMNS = ['writing_id', 'l1', 'cefr_level', 'text'] as const;

export type RejectReason =
  | 'wrong-field-count'
  | 'invalid-utf8'
  | 'empty-writing-id'
  | 'duplicate-writing-id'
  | 'unknown-cefr-label'
  | 'empty-l1'
  | 'tab-or-newline-in-label'
  | 'empty-text';

export interface Rejected {
  line: number;
  reason: RejectReason;
  writingId: string;
  detail: string;
}

/** Flags per document: how the stored bytes differ from the text to write. */
export const ESCAPED = 1; // quoted field with "" pairs
export const LINE_ENDS = 2; // normaliseText turns CR/CRLF into LF
export const TRIMMED = 4; // normaliseText removes surrounding white space
export const NEWLINE_RUNS = 8; // normaliseText shortens runs of 3+ newlines
export const NORMALISE = LINE_ENDS | TRIMMED | NEWLINE_RUNS;

export interface DocTable {
  n: number;
  /** writing_ids as UTF-8 bytes (key `id[d]` for document d; `ids.text(id[d])` decodes one). */
  ids: ByteKeys;
  id: Uint32Array;
  /** Index into CEFR_LEVELS. */
  level: Uint8Array;
  /** Index into `l1Names`. */
  l1: Uint16Array;
  l1Names: string[];
  /** Byte offset of the text field's content in the file, and its length in bytes. */
  offset: Float64Array;
  bytes: Uint32Array;
  flags: Uint8Array;
  /** Length in code points after normalisation. */
  chars: Uint32Array;
  /** Length in UTF-8 bytes as written (after unescaping and normalisation). */
  outBytes: Uint32Array;
  line: Uint32Array;
  /** 128-bit content hash of each text, 4 words per document (duplicates.ts: equal hashes = duplicate texts). */
  hash: Uint32Array;
}

export interface ReadOptions {
  onBadRow?: 'fail' | 'skip';
  /** Keep only these levels (indices into CEFR_LEVELS); the others are validated, counted and dropped. */
  keepLevels?: ReadonlySet<number>;
  /** Show a progress bar / progress lines (default true). */
  showProgress?: boolean;
}

export interface ReadResult {
  docs: DocTable;
  file: string;
  bytes: number;
  sha256: string;
  /** Data rows (records after the header, bad ones included). */
  rows: number;
  lines: number;
  bom: boolean;
  columns: string[];
  rejected: Rejected[];
  /** Valid rows of levels not kept. */
  filteredOut: number;
}

/** Column arrays that double when full. */
class Builder {
  n = 0;
  id = new Uint32Array(1024);
  level = new Uint8Array(1024);
  l1 = new Uint16Array(1024);
  offset = new Float64Array(1024);
  bytes = new Uint32Array(1024);
  flags = new Uint8Array(1024);
  chars = new Uint32Array(1024);
  outBytes = new Uint32Array(1024);
  line = new Uint32Array(1024);
  hash = new Uint32Array(4 * 1024);

  push(id: number, level: number, l1: number, offset: number, bytes: number, flags: number, chars: number, outBytes: number, line: number, text: string): void {
    if (this.n === this.level.length) this.grow();
    const i = this.n++;
    this.id[i] = id;
    this.level[i] = level;
    this.l1[i] = l1;
    this.offset[i] = offset;
    this.bytes[i] = bytes;
    this.flags[i] = flags;
    this.chars[i] = chars;
    this.outBytes[i] = outBytes;
    this.line[i] = line;
    putContentHash(this.hash, i, text);
  }

  private grow(): void {
    const size = this.level.length * 2;
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(a: T, make: new (k: number) => T): T => {
      const b = new make(size);
      b.set(a as never);
      return b;
    };
    this.id = g(this.id, Uint32Array);
    this.level = g(this.level, Uint8Array);
    this.l1 = g(this.l1, Uint16Array);
    this.offset = g(this.offset, Float64Array);
    this.bytes = g(this.bytes, Uint32Array);
    this.flags = g(this.flags, Uint8Array);
    this.chars = g(this.chars, Uint32Array);
    this.outBytes = g(this.outBytes, Uint32Array);
    this.line = g(this.line, Uint32Array);
    const hash = new Uint32Array(4 * size);
    hash.set(this.hash);
    this.hash = hash;
  }

  finish(ids: ByteKeys, l1Names: string[]): DocTable {
    const n = this.n;
    return {
      n,
      ids,
      id: this.id.slice(0, n),
      level: this.level.slice(0, n),
      l1: this.l1.slice(0, n),
      l1Names,
      offset: this.offset.slice(0, n),
      bytes: this.bytes.slice(0, n),
      flags: this.flags.slice(0, n),
      chars: this.chars.slice(0, n),
      outBytes: this.outBytes.slice(0, n),
      line: this.line.slice(0, n),
      hash: this.hash.slice(0, 4 * n),
    };
  }
}

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;

/** Scratch result of `label` (no allocation on the common path). */
const labelAt = { buf: Buffer.alloc(0) as Buffer, s: 0, e: 0 }; // `as Buffer`: any backing store (also under the notebook kernel's older @types/node)

/**
 * Field `col` of `rec` trimmed and unescaped, as a byte range. Plain ASCII-bounded fields are returned in
 * place; others go through a decoded string (rare: quotes, surrounding or non-ASCII white space).
 */
function label(rec: CsvRecord, col: number): typeof labelAt {
  const buf = rec.buf;
  let s = rec.start[col];
  let e = rec.end[col];
  if (!rec.escaped[col] && (s === e || (buf[s] < 0x80 && buf[e - 1] < 0x80))) {
    while (s < e && isSpace(buf[s])) s++;
    while (e > s && isSpace(buf[e - 1])) e--;
    labelAt.buf = buf;
  } else {
    labelAt.buf = Buffer.from(rec.field(col).trim(), 'utf8');
    s = 0;
    e = labelAt.buf.length;
  }
  labelAt.s = s;
  labelAt.e = e;
  return labelAt;
}

function hasTabOrNewline(buf: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d) return true;
  return false;
}

/** CEFR level index of field `col`, or -1: two-byte labels (`B1`, `b1`) directly, others via parseCefr. */
function cefrField(rec: CsvRecord, col: number): number {
  const s = rec.start[col];
  if (rec.end[col] - s === 2 && !rec.escaped[col]) {
    const letter = rec.buf[s] | 0x20; // lower case
    const digit = rec.buf[s + 1];
    if (letter >= 0x61 && letter <= 0x63 && (digit === 0x31 || digit === 0x32)) return (letter - 0x61) * 2 + (digit - 0x31);
  }
  const level = parseCefr(rec.field(col));
  return level === null ? -1 : CEFR_LEVELS.indexOf(level);
}

const SKIP_HINT = ' (or run with --on-bad-row skip to leave such rows out and list them in rejected.csv)';

/** Read, validate and index a learner CSV. Throws `UserError` for anything the user must fix. */
export function readLearnerCsv(file: string, options: ReadOptions = {}): ReadResult {
  const skip = options.onBadRow === 'skip';
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UserError(locate(file, null, 'the learner CSV does not exist', 'check the path given with --csv'));
  }
  if (stat.isDirectory()) throw new UserError(locate(file, null, 'this is a directory, not a CSV file', 'give the path of the CSV file itself'));

  const hash = createHash('sha256');
  const builder = new Builder();
  const l1Keys = new ByteKeys();
  const l1Names: string[] = [];
  const ids = new ByteKeys(stat.size / 200); // writing_id -> line of first occurrence (EFCAMDAT: ~350 bytes a row)
  const rejected: Rejected[] = [];
  let columns: string[] | null = null;
  let colId = 0;
  let colL1 = 0;
  let colLevel = 0;
  let colText = 0;
  let rows = 0;
  let filteredOut = 0;
  const keep = options.keepLevels;

  const bad = (line: number, reason: RejectReason, writingId: string, problem: string, fix: string) => {
    if (!skip) throw new UserError(locate(file, line, problem, fix + SKIP_HINT));
    rejected.push({ line, reason, writingId, detail: problem });
  };

  const bar = options.showProgress === false ? null : progress('prepare: reading', stat.size);
  const onRecord = (rec: CsvRecord) => {
    if (columns === null) {
      if (!rec.validUtf8()) {
        const at = rec.invalidUtf8At();
        throw new UserError(locate(file, at.line, `the header is not valid UTF-8 (byte offset ${at.offset})`, 'save the file as UTF-8'));
      }
      columns = [];
      for (let i = 0; i < rec.fieldCount; i++) columns.push(rec.field(i).trim());
      const missing = REQUIRED_COLUMNS.filter((c) => !columns!.includes(c));
      if (missing.length > 0) {
        throw new UserError(
          locate(file, rec.line, `the header lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (found: ${columns.join(', ') || 'nothing'})`, `the first line must name the columns, including ${REQUIRED_COLUMNS.join(',')}`),
        );
      }
      const dup = columns.find((c, i) => columns!.indexOf(c) !== i);
      if (dup !== undefined) throw new UserError(locate(file, rec.line, `the header names the column "${dup}" twice`, 'give every column a different name'));
      [colId, colL1, colLevel, colText] = REQUIRED_COLUMNS.map((c) => columns!.indexOf(c));
      return;
    }
    rows++;
    const line = rec.line;
    if (rec.fieldCount !== columns.length) {
      const id = rec.fieldCount > colId && rec.validUtf8() ? rec.field(colId).trim() : '';
      bad(line, 'wrong-field-count', id, `the row has ${rec.fieldCount} field${rec.fieldCount === 1 ? '' : 's'} but the header has ${columns.length}`, 'quote any field that contains a comma ("like, this") and check for missing or extra commas');
      return;
    }
    if (!rec.validUtf8()) {
      const at = rec.invalidUtf8At();
      bad(at.line, 'invalid-utf8', rec.field(colId).trim(), `the row contains bytes that are not valid UTF-8 (byte offset ${at.offset})`, 'save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)');
      return;
    }
    const at = label(rec, colId);
    const idAt = { buf: at.buf, s: at.s, e: at.e }; // label() reuses its result object
    const id = idAt.buf.toString('utf8', idAt.s, idAt.e);
    if (id === '') {
      bad(line, 'empty-writing-id', '', 'the writing_id is empty', 'give every row a unique writing_id');
      return;
    }
    const idHash = hashBytes(idAt.buf, idAt.s, idAt.e);
    const earlier = ids.find(idAt.buf, idAt.s, idAt.e, idHash);
    if (earlier >= 0) {
      bad(line, 'duplicate-writing-id', id, `writing_id "${id}" already appears on line ${ids.value(earlier)}`, 'give every row a unique writing_id, or remove the repeated row');
      return;
    }
    const levelIndex = cefrField(rec, colLevel);
    if (levelIndex < 0) {
      bad(line, 'unknown-cefr-label', id, `"${rec.field(colLevel)}" is not a CEFR level`, `use one of ${CEFR_LEVELS.join(', ')} (any case)`);
      return;
    }
    const l1At = label(rec, colL1);
    if (l1At.s === l1At.e) {
      bad(line, 'empty-l1', id, 'the l1 (first language) is empty', "fill it in (write 'unknown' when it is not known)");
      return;
    }
    if (hasTabOrNewline(idAt.buf, idAt.s, idAt.e) || hasTabOrNewline(l1At.buf, l1At.s, l1At.e)) {
      bad(line, 'tab-or-newline-in-label', id, 'the writing_id or l1 contains a tab or a line break', 'remove it (labels are written to a tab-separated file)');
      return;
    }
    let l1i = l1Keys.find(l1At.buf, l1At.s, l1At.e);
    const start = rec.start[colText];
    const byteLength = rec.end[colText] - start;
    const raw = rec.field(colText);
    const norm = normaliseText(raw);
    if (norm.text.length === 0) {
      bad(line, 'empty-text', id, 'the text is empty or only white space', 'remove the row or fill in the text');
      return;
    }
    const idKey = ids.add(idAt.buf, idAt.s, idAt.e, line, idHash);
    if (keep && !keep.has(levelIndex)) {
      filteredOut++;
      return;
    }
    let flags = rec.escaped[colText] ? ESCAPED : 0;
    if (norm.lineEnds) flags |= LINE_ENDS;
    if (norm.trimmed) flags |= TRIMMED;
    if (norm.newlineRuns) flags |= NEWLINE_RUNS;
    if (l1i < 0) {
      if (l1Keys.size > 65535) throw new UserError(locate(file, line, 'more than 65,536 different l1 values', 'check that the l1 column holds first languages'));
      l1i = l1Keys.add(l1At.buf, l1At.s, l1At.e);
      l1Names.push(l1Keys.text(l1i));
    }
    const chars = flags === 0 ? codePoints(raw, byteLength) : codePoints(norm.text);
    const outBytes = flags === 0 ? byteLength : Buffer.byteLength(norm.text, 'utf8');
    builder.push(idKey, levelIndex, l1i, rec.bufOffset + start, byteLength, flags, chars, outBytes, line, norm.text);
  };

  let scan;
  try {
    scan = scanCsv(file, onRecord, { hash, onProgress: (b) => bar?.update(b) });
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new UserError(locate(file, err.line, err.problem, err.fix));
    throw err;
  } finally {
    bar?.stop();
  }
  if (scan.bytes === 0 || (scan.records === 0 && columns === null)) {
    throw new UserError(locate(file, null, 'the file is empty', `write a header line (${REQUIRED_COLUMNS.join(',')}) and one row per document`));
  }
  if (rows === 0) {
    throw new UserError(locate(file, scan.lines + 1, 'the file has a header but no data rows', 'add one row per document below the header'));
  }
  return {
    docs: builder.finish(ids, l1Names),
    file,
    bytes: scan.bytes,
    sha256: hash.digest('hex'),
    rows,
    lines: scan.lines,
    bom: scan.bom,
    columns: columns ?? [],
    rejected,
    filteredOut,
  };
}
