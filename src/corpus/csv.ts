/**
 * A streaming CSV scanner (RFC 4180: comma separator, double-quoted fields, `""` for a quote inside a
 * quoted field) that works on bytes, for three reasons a general CSV library does not cover together:
 *  - every record knows the physical line it starts on (a quoted text spans several lines, so the record
 *    number is not the line a user opens in an editor) and its byte offset, so `prepare` can keep only
 *    offsets in memory and read texts back later;
 *  - invalid UTF-8 is found per record and reported with its line, instead of being replaced by U+FFFD;
 *  - fields are located, not copied: the caller decodes only the columns it needs.
 * The file is read in blocks with a synchronous read loop; only a block and a partial record are in memory.
 * A UTF-8 byte-order mark at the start is skipped; records end with LF or CRLF; blank lines are ignored.
 */
import * as fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { Hash } from 'node:crypto';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** A syntax problem that ends the scan (the rest of the file cannot be tokenised reliably). */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'CsvSyntaxError';
  }
}

/**
 * One record, valid only during the callback (its buffer is reused). Field i spans bytes
 * `buf[start[i]..end[i])`; `escaped[i]` is 1 when the field was quoted and contains `""` pairs.
 */
export class CsvRecord {
  buf: Buffer = Buffer.alloc(0);
  /** Physical line (1-based) of the record's first byte. */
  line = 0;
  /** Byte offset of the record's first byte in the file. */
  offset = 0;
  /** Byte offset in the file of `buf[0]` (so a field's file offset is `bufOffset + start[i]`). */
  bufOffset = 0;
  fieldCount = 0;
  /** Line endings consumed by the record, its own terminator included. */
  lineSpan = 0;
  start = new Int32Array(16);
  end = new Int32Array(16);
  escaped = new Uint8Array(16);
  /** Record bounds in `buf` (end excludes the line ending). */
  recordStart = 0;
  recordEnd = 0;

  /** The decoded text of field i (quotes unescaped). */
  field(i: number): string {
    const s = this.buf.toString('utf8', this.start[i], this.end[i]);
    return this.escaped[i] ? s.replace(/""/g, '"') : s;
  }

  /** Byte offset of field i's content in the file. */
  fieldOffset(i: number): number {
    return this.bufOffset + this.start[i];
  }

  /** True when the record's bytes are valid UTF-8. */
  validUtf8(): boolean {
    return isUtf8(this.buf.subarray(this.recordStart, this.recordEnd));
  }

  /** Physical line of the first invalid UTF-8 byte, and that byte's file offset (call only when invalid). */
  invalidUtf8At(): { line: number; offset: number } {
    const bad = firstInvalidUtf8(this.buf, this.recordStart, this.recordEnd);
    let line = this.line;
    for (let k = this.recordStart; k < bad; k++) if (this.buf[k] === LF) line++;
    return { line, offset: this.bufOffset + bad };
  }

  ensure(n: number): void {
    if (n <= this.start.length) return;
    const size = Math.max(n, this.start.length * 2);
    const grow = <T extends Int32Array | Uint8Array>(a: T, make: (k: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.start = grow(this.start, (k) => new Int32Array(k));
    this.end = grow(this.end, (k) => new Int32Array(k));
    this.escaped = grow(this.escaped, (k) => new Uint8Array(k));
  }
}

/** Position of the first byte in [from, to) that breaks UTF-8 (Unicode 15, table 3-7), or `to`. */
export function firstInvalidUtf8(buf: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + n >= to) return i; // truncated sequence
    const c1 = buf[i + 1];
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= n; k++) if (buf[i + k] < 0x80 || buf[i + k] > 0xbf) return i;
    i += n + 1;
  }
  return to;
}

export interface ScanOptions {
  /** Block size in bytes (default 4 MiB). */
  blockSize?: number;
  /** A record longer than this is taken for an unterminated quote (default 64 MiB). */
  maxRecordBytes?: number;
  /** Updated with every byte of the file, in order (content hash without a second read). */
  hash?: Hash;
  /** Called after each block with the number of bytes consumed so far. */
  onProgress?: (bytes: number) => void;
}

export interface ScanResult {
  /** File size in bytes. */
  bytes: number;
  /** Number of records passed to the callback (the header included). */
  records: number;
  /** Physical lines in the file (a final line without a line ending counts). */
  lines: number;
  /** True when the file started with a UTF-8 byte-order mark. */
  bom: boolean;
}

/**
 * Scan `file` record by record. `onRecord` receives a reused `CsvRecord` (the first one is the header).
 * Throws `CsvSyntaxError` for an unterminated quote or text after a closing quote; I/O errors propagate.
 */
export function scanCsv(file: string, onRecord: (rec: CsvRecord) => void, options: ScanOptions = {}): ScanResult {
  const maxRecord = options.maxRecordBytes ?? 64 * 1024 * 1024;
  let buf = Buffer.allocUnsafe(options.blockSize ?? 4 * 1024 * 1024);
  const rec = new CsvRecord();
  const fd = fs.openSync(file, 'r');
  let len = 0; // valid bytes in buf
  let pos = 0; // next unparsed byte in buf
  let bufOffset = 0; // file offset of buf[0]
  let eof = false;
  let line = 1;
  let records = 0;
  let bom = false;
  let first = true;
  let lastByte = -1;
  try {
    for (;;) {
      // Move the partial record to the front and top the buffer up.
      if (pos > 0) {
        buf.copy(buf, 0, pos, len);
        bufOffset += pos;
        len -= pos;
        pos = 0;
      }
      if (!eof) {
        if (len === buf.length) {
          if (buf.length >= maxRecord) {
            throw new CsvSyntaxError(line, `a record starting here runs for more than ${maxRecord} bytes, so a quoted field is probably never closed`, 'close the quote (a field that contains a quote must double it: "")');
          }
          const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxRecord));
          buf.copy(bigger, 0, 0, len);
          buf = bigger;
        }
        const n = fs.readSync(fd, buf, len, buf.length - len, null);
        if (n === 0) eof = true;
        else {
          options.hash?.update(buf.subarray(len, len + n));
          len += n;
          lastByte = buf[len - 1];
        }
      }
      if (first) {
        if (len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
          bom = true;
          pos = 3;
        } else if (!eof && len < 3) continue;
        first = false;
      }
      rec.buf = buf;
      rec.bufOffset = bufOffset;
      for (;;) {
        // Skip blank lines between records.
        while (pos < len && (buf[pos] === LF || (buf[pos] === CR && pos + 1 < len && buf[pos + 1] === LF))) {
          pos += buf[pos] === LF ? 1 : 2;
          line++;
        }
        if (pos >= len || (!eof && buf[pos] === CR && pos + 1 >= len)) break;
        const next = parseRecord(buf, pos, len, eof, rec, line);
        if (next < 0) break; // needs more bytes
        records++;
        onRecord(rec);
        line += rec.lineSpan;
        pos = next;
      }
      options.onProgress?.(bufOffset + pos);
      if (eof) break;
    }
  } finally {
    fs.closeSync(fd);
  }
  const bytes = bufOffset + len;
  const endsWithNewline = lastByte === LF;
  return { bytes, records, lines: bytes === 0 ? 0 : endsWithNewline ? line - 1 : line, bom };
}

/**
 * Parse one record starting at `pos`. Returns the position after its line ending, or -1 when the buffer
 * ends inside the record and more bytes may follow.
 */
function parseRecord(buf: Buffer, pos: number, len: number, eof: boolean, rec: CsvRecord, line: number): number {
  let i = pos;
  let f = 0;
  let newlines = 0;
  rec.recordStart = pos;
  rec.line = line;
  rec.offset = rec.bufOffset + pos;
  for (;;) {
    rec.ensure(f + 1);
    if (i < len && buf[i] === QUOTE) {
      const quoteLine = line + newlines;
      let j = i + 1;
      let escaped = 0;
      let close: number;
      for (;;) {
        const q = buf.indexOf(QUOTE, j);
        if (q < 0 || q >= len) {
          if (!eof) return -1;
          throw new CsvSyntaxError(quoteLine, 'a quoted field opens here and is never closed', 'close the quote; a quote inside a quoted field must be doubled ("")');
        }
        if (q + 1 < len && buf[q + 1] === QUOTE) {
          escaped = 1;
          j = q + 2;
          continue;
        }
        if (q + 1 >= len && !eof) return -1; // could be the first half of ""
        close = q;
        break;
      }
      for (let k = buf.indexOf(LF, i + 1); k >= 0 && k < close; k = buf.indexOf(LF, k + 1)) newlines++;
      rec.start[f] = i + 1;
      rec.end[f] = close;
      rec.escaped[f] = escaped;
      i = close + 1;
      if (i < len && buf[i] !== COMMA && buf[i] !== LF && !(buf[i] === CR && (i + 1 >= len || buf[i + 1] === LF))) {
        const shown = buf.toString('utf8', i, Math.min(i + 12, len)).split(/[\r\n]/)[0];
        const opened = quoteLine === line + newlines ? '' : ` (the field opened on line ${quoteLine})`;
        throw new CsvSyntaxError(line + newlines, `a quoted field closes here but is followed by "${shown}" instead of a comma or the end of the line${opened}`, 'double every quote inside a quoted field ("") or remove the stray quote');
      }
    } else {
      const s = i;
      while (i < len) {
        const b = buf[i];
        if (b === COMMA || b === LF || (b === CR && i + 1 < len && buf[i + 1] === LF)) break;
        i++;
      }
      if (i >= len && !eof) return -1;
      if (i + 1 >= len && !eof && buf[i] === CR) return -1;
      rec.start[f] = s;
      rec.end[f] = i;
      rec.escaped[f] = 0;
    }
    f++;
    if (i >= len) {
      if (!eof) return -1;
      rec.fieldCount = f;
      rec.recordEnd = i;
      rec.lineSpan = newlines;
      return i;
    }
    const b = buf[i];
    if (b === COMMA) {
      i++;
      if (i >= len && eof) {
        // trailing comma at the very end: one more empty field
        rec.ensure(f + 1);
        rec.start[f] = i;
        rec.end[f] = i;
        rec.escaped[f] = 0;
        rec.fieldCount = f + 1;
        rec.recordEnd = i;
        rec.lineSpan = newlines;
        return i;
      }
      continue;
    }
    // LF or CRLF ends the record
    if (b === CR) {
      if (i + 1 >= len) {
        if (!eof) return -1;
      }
    }
    rec.fieldCount = f;
    rec.recordEnd = i;
    rec.lineSpan = newlines + 1;
    return b === CR ? i + 2 : i + 1;
  }
}
