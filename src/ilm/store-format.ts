/**
 * The example store's format, a compact binary file of the project's own, written and read as a stream of
 * blocks (writing and reading: store.ts).
 *
 * Layout (all integers little-endian):
 *   header   HEADER_BYTES: magic "CEFRILM\0", u32 format version, u32 JSON length, u32 CRC-32 of the JSON,
 *            JSON (StoreHeader: tokenizer, sequence length, task, masking options, seed, source hash,
 *            counts, the command that regenerates the file), space-padded. Counts are filled in at the end.
 *   blocks   u32 "BLCK", u32 payload bytes, u32 documents, u32 examples, u32 CRC-32 of the payload, payload.
 *   footer   u32 "DONE", u32 blocks, u32 documents, u32 examples, u32 CRC-32 of these 16 bytes.
 * A block payload holds documents, each: varint split index, varint text length (UTF-16 units), varint token
 * count, the token ids as u16 (ids < 50264 < 65536), varint example count, and per example a varint span
 * count and per span: u8 type, varint char start (from the previous span's end), varint char length,
 * varint token start (from the previous run's end), varint token length.
 *
 * A document's tokens are stored once for all its examples: an example is its spans with types (characters
 * for display, token runs for training), and its token ids and per-position target types are a pure function
 * of the document tokens and the runs (src/ilm/sequence.ts), rebuilt when batches are read. This keeps a
 * 16-example-per-document split about 8x smaller than storing each sequence.
 */
import { crc32 } from './crc32';
import type { TokenRun } from './sequence';

export const STORE_MAGIC = Buffer.from('CEFRILM\0', 'latin1');
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 8192;
export const BLOCK_MAGIC = 0x4b434c42; // "BLCK"
export const FOOTER_MAGIC = 0x454e4f44; // "DONE"
export const BLOCK_HEAD = 20;
export const FOOTER_BYTES = 20;
/** The file name of the store inside an output directory. */
export const STORE_FILE = 'examples.bin';

export type Task = 'ilm' | 'lm';

export interface StoreHeader {
  format: 'cefrlab-ilm-examples';
  formatVersion: number;
  task: Task;
  split: string;
  tokenizer: { name: string; package: string; vocabSize: number };
  seqLen: number;
  masking: {
    mask: string;
    p: number;
    pWord?: number;
    pFunction?: number;
    examplesPerDoc: number;
    maxRetries: number;
    minSpans: number | null;
    maxSpans: number | null;
    allowDuplicates: boolean;
    skipIncomplete: boolean;
  };
  seed: number;
  /**
   * The split file: its name (e.g. "train.txt", never a path, so the store's bytes do not depend on where the
   * data or the output live), hash and size.
   */
  source: { file: string; sha256: string; bytes: number };
  /**
   * The CEFR level the split was prepared for (`prepare --cefr-level`), null for all levels; absent when the
   * split's prepare manifest was not found (and in stores written before this field existed).
   */
  level?: string | null;
  counts: { documents: number; emptyDropped: number; examples: number; spans: number; tokens: number; blocks: number };
  /** The command that writes this file again (DATA_DIR and OUT_DIR stand for the folders used). */
  regenerate: string;
}

// ---------------------------------------------------------------- block encoding

/** Appends one block's documents to a growable byte buffer. */
export class BlockEncoder {
  private buf = Buffer.allocUnsafe(1 << 16);
  private n = 0;
  docs = 0;
  examples = 0;
  spans = 0;
  tokens = 0;

  private ensure(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.n + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }

  private varint(v: number): void {
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.n++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.n++] = v;
  }

  /** Start a document: its split index, text length and tokens, and how many examples follow. */
  document(index: number, textLength: number, tokens: ArrayLike<number>, examples: number): void {
    this.varint(index);
    this.varint(textLength);
    this.varint(tokens.length);
    this.ensure(tokens.length * 2);
    for (let i = 0; i < tokens.length; i++) {
      this.buf[this.n++] = tokens[i] & 0xff;
      this.buf[this.n++] = tokens[i] >>> 8;
    }
    this.varint(examples);
    this.docs++;
    this.tokens += tokens.length;
  }

  /** One example of the current document: its spans, sorted, with characters and token runs. */
  example(spans: ArrayLike<StoredSpan>): void {
    this.varint(spans.length);
    let ce = 0;
    let te = 0;
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i];
      this.ensure(1);
      this.buf[this.n++] = s.type;
      this.varint(s.start - ce);
      this.varint(s.end - s.start);
      this.varint(s.tokStart - te);
      this.varint(s.tokEnd - s.tokStart);
      ce = s.end;
      te = s.tokEnd;
    }
    this.examples++;
    this.spans += spans.length;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.n);
  }
}

/** A span as stored: characters [start, end) and tokens [tokStart, tokEnd), type 0 document .. 4 word. */
export interface StoredSpan extends TokenRun {
  start: number;
  end: number;
}
export interface StoredExample {
  spans: StoredSpan[];
}
export interface StoredDocument {
  index: number;
  textLength: number;
  tokens: Uint16Array;
  examples: StoredExample[];
}

class Cursor {
  pos = 0;
  constructor(private readonly b: Uint8Array, private readonly where: () => string) {}
  varint(): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.b.length) throw new Error(`${this.where()}: payload ends inside a number`);
      const byte = this.b[this.pos++];
      v += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return v;
      shift += 7;
      if (shift > 35) throw new Error(`${this.where()}: malformed number`);
    }
  }
  u8(): number {
    if (this.pos >= this.b.length) throw new Error(`${this.where()}: payload ends early`);
    return this.b[this.pos++];
  }
  u16s(n: number): Uint16Array {
    if (this.pos + 2 * n > this.b.length) throw new Error(`${this.where()}: payload ends inside the tokens`);
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) out[i] = this.b[this.pos + 2 * i] | (this.b[this.pos + 2 * i + 1] << 8);
    this.pos += 2 * n;
    return out;
  }
  get done(): boolean {
    return this.pos >= this.b.length;
  }
}

/** Decode a block payload. */
export function decodeBlock(payload: Uint8Array, where = 'block'): StoredDocument[] {
  const c = new Cursor(payload, () => where);
  const docs: StoredDocument[] = [];
  while (!c.done) {
    const index = c.varint();
    const textLength = c.varint();
    const tokens = c.u16s(c.varint());
    const nEx = c.varint();
    const examples: StoredExample[] = [];
    for (let e = 0; e < nEx; e++) {
      const nSpans = c.varint();
      const spans: StoredSpan[] = [];
      let ce = 0;
      let te = 0;
      for (let s = 0; s < nSpans; s++) {
        const type = c.u8();
        const start = ce + c.varint();
        const end = start + c.varint();
        const tokStart = te + c.varint();
        const tokEnd = tokStart + c.varint();
        if (type > 4 || end > textLength || tokEnd > tokens.length) throw new Error(`${where}: span outside its document`);
        spans.push({ start, end, tokStart, tokEnd, type });
        ce = end;
        te = tokEnd;
      }
      examples.push({ spans });
    }
    docs.push({ index, textLength, tokens, examples });
  }
  return docs;
}

// ---------------------------------------------------------------- header

export function encodeHeader(header: StoreHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  if (20 + json.length > HEADER_BYTES) throw new Error(`store header too large (${json.length} bytes)`);
  const out = Buffer.alloc(HEADER_BYTES, 0x20);
  STORE_MAGIC.copy(out, 0);
  out.writeUInt32LE(FORMAT_VERSION, 8);
  out.writeUInt32LE(json.length, 12);
  out.writeUInt32LE(crc32(json), 16);
  json.copy(out, 20);
  return out;
}

