/**
 * The example store: a compact binary file of the project's own, written and read as a stream of blocks.
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
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../runtime/errors';
import { Rng } from '../runtime/rng';
import { crc32 } from './crc32';
import { writeLmSequence, writeSequence, type TokenRun } from './sequence';

export const STORE_MAGIC = Buffer.from('CEFRILM\0', 'latin1');
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 8192;
const BLOCK_MAGIC = 0x4b434c42; // "BLCK"
const FOOTER_MAGIC = 0x454e4f44; // "DONE"
const BLOCK_HEAD = 20;
const FOOTER_BYTES = 20;
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
    examplesPerDoc: number;
    maxRetries: number;
    minSpans: number | null;
    maxSpans: number | null;
    allowDuplicates: boolean;
    skipIncomplete: boolean;
  };
  seed: number;
  source: { file: string; sha256: string; bytes: number };
  counts: { documents: number; emptyDropped: number; examples: number; spans: number; tokens: number; blocks: number };
  /** The command that writes this file again. */
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

// ---------------------------------------------------------------- writing

function encodeHeader(header: StoreHeader): Buffer {
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

/** Writes a store block by block; `finish` adds the footer and the final counts. */
export class StoreWriter {
  private fd: number;
  private blocks = 0;
  private docs = 0;
  private examples = 0;

  constructor(readonly file: string, private header: StoreHeader) {
    this.fd = fs.openSync(file, 'w');
    fs.writeSync(this.fd, encodeHeader(header));
  }

  writeBlock(payload: Uint8Array, docs: number, examples: number): void {
    const head = Buffer.alloc(BLOCK_HEAD);
    head.writeUInt32LE(BLOCK_MAGIC, 0);
    head.writeUInt32LE(payload.length, 4);
    head.writeUInt32LE(docs, 8);
    head.writeUInt32LE(examples, 12);
    head.writeUInt32LE(crc32(payload), 16);
    fs.writeSync(this.fd, head);
    fs.writeSync(this.fd, payload);
    this.blocks++;
    this.docs += docs;
    this.examples += examples;
  }

  /** Write the footer and the final header (counts, and the source hash known only once it was read). */
  finish(counts: StoreHeader['counts'], source?: StoreHeader['source']): StoreHeader {
    if (counts.documents !== this.docs || counts.examples !== this.examples) throw new Error('internal: store counts disagree with the blocks written');
    const foot = Buffer.alloc(FOOTER_BYTES);
    foot.writeUInt32LE(FOOTER_MAGIC, 0);
    foot.writeUInt32LE(this.blocks, 4);
    foot.writeUInt32LE(this.docs, 8);
    foot.writeUInt32LE(this.examples, 12);
    foot.writeUInt32LE(crc32(foot.subarray(0, 16)), 16);
    fs.writeSync(this.fd, foot);
    this.header = { ...this.header, source: source ?? this.header.source, counts: { ...counts, blocks: this.blocks } };
    fs.writeSync(this.fd, encodeHeader(this.header), 0, HEADER_BYTES, 0);
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    return this.header;
  }

  abort(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

// ---------------------------------------------------------------- reading

interface BlockInfo {
  offset: number;
  bytes: number;
  docs: number;
  examples: number;
  crc: number;
}

/** Resolve a store path: the file itself or the output directory holding it. */
export function storePath(p: string): string {
  return fs.existsSync(p) && fs.statSync(p).isDirectory() ? path.join(p, STORE_FILE) : p;
}

const GENERIC_FIX = 'delete it and write it again with `cefrlab examples SPLIT DATA_DIR OUT_DIR` (same options and seed give the same file)';

/** A store opened for reading: header, block index, sequential and shuffled access. */
export class ExampleStore {
  readonly header: StoreHeader;
  readonly blocks: BlockInfo[] = [];
  private fd: number;

  private constructor(readonly file: string) {
    if (!fs.existsSync(file)) throw new UserError(`${file}: example store not found. Fix: ${GENERIC_FIX}`);
    this.fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(this.fd).size;
    const fail = (problem: string, fix: string): never => {
      fs.closeSync(this.fd);
      throw new UserError(`${file}: ${problem}. Fix: ${fix}`);
    };
    const head = Buffer.alloc(Math.min(HEADER_BYTES, size));
    fs.readSync(this.fd, head, 0, head.length, 0);
    if (size < 20 || !head.subarray(0, 8).equals(STORE_MAGIC)) fail('not a cefrlab example store (wrong magic bytes)', GENERIC_FIX);
    const version = head.readUInt32LE(8);
    if (version !== FORMAT_VERSION) {
      fail(`written in example-store format version ${version}, this cefrlab reads version ${FORMAT_VERSION}`, `regenerate it with this version: ${GENERIC_FIX}`);
    }
    const jsonLen = head.readUInt32LE(12);
    const json = head.subarray(20, 20 + jsonLen);
    if (size < HEADER_BYTES) {
      // the header's JSON usually survives: it names the command that writes the file again
      let regenerate = '';
      if (20 + jsonLen <= size && crc32(json) === head.readUInt32LE(16)) regenerate = (JSON.parse(json.toString('utf8')) as StoreHeader).regenerate;
      fail(`truncated: ${size} bytes, shorter than the ${HEADER_BYTES}-byte header`, regenerate ? `delete it and run again: ${regenerate}` : GENERIC_FIX);
    }
    if (20 + jsonLen > HEADER_BYTES || crc32(json) !== head.readUInt32LE(16)) fail('corrupted header (checksum mismatch)', GENERIC_FIX);
    this.header = JSON.parse(json.toString('utf8')) as StoreHeader;
    const fix = `delete it and run again: ${this.header.regenerate}`;
    // blocks
    let off = HEADER_BYTES;
    const bh = Buffer.alloc(BLOCK_HEAD);
    while (off < size) {
      if (off + 4 > size) fail(`truncated at byte ${off} of ${size} (no end marker)`, fix);
      fs.readSync(this.fd, bh, 0, Math.min(BLOCK_HEAD, size - off), off);
      const magic = bh.readUInt32LE(0);
      if (magic === FOOTER_MAGIC) break;
      if (magic !== BLOCK_MAGIC) fail(`corrupted at byte ${off}: expected block ${this.blocks.length} (bad block marker)`, fix);
      if (off + BLOCK_HEAD > size) fail(`truncated inside the header of block ${this.blocks.length}`, fix);
      const info = { offset: off + BLOCK_HEAD, bytes: bh.readUInt32LE(4), docs: bh.readUInt32LE(8), examples: bh.readUInt32LE(12), crc: bh.readUInt32LE(16) };
      if (info.offset + info.bytes > size) fail(`truncated inside block ${this.blocks.length} (file ends at byte ${size}, the block needs ${info.offset + info.bytes})`, fix);
      this.blocks.push(info);
      off = info.offset + info.bytes;
    }
    if (off >= size || off + FOOTER_BYTES > size) fail(`truncated after block ${this.blocks.length - 1} (no complete end marker)`, fix);
    if (off + FOOTER_BYTES < size) fail(`corrupted: ${size - off - FOOTER_BYTES} unexpected bytes after the end marker`, fix);
    const foot = Buffer.alloc(FOOTER_BYTES);
    fs.readSync(this.fd, foot, 0, FOOTER_BYTES, off);
    const docs = this.blocks.reduce((a, b) => a + b.docs, 0);
    const examples = this.blocks.reduce((a, b) => a + b.examples, 0);
    if (
      crc32(foot.subarray(0, 16)) !== foot.readUInt32LE(16) ||
      foot.readUInt32LE(4) !== this.blocks.length ||
      foot.readUInt32LE(8) !== docs ||
      foot.readUInt32LE(12) !== examples ||
      this.header.counts.examples !== examples ||
      this.header.counts.documents !== docs
    ) {
      fail('corrupted: the end marker, header counts and blocks disagree', fix);
    }
  }

  static open(p: string): ExampleStore {
    return new ExampleStore(storePath(p));
  }

  get examples(): number {
    return this.header.counts.examples;
  }
  get seqLen(): number {
    return this.header.seqLen;
  }

  /** The documents of block k, checksum verified. */
  readBlock(k: number): StoredDocument[] {
    const b = this.blocks[k];
    const payload = Buffer.alloc(b.bytes);
    fs.readSync(this.fd, payload, 0, b.bytes, b.offset);
    if (crc32(payload) !== b.crc) {
      throw new UserError(`${this.file}: corrupted block ${k} at byte ${b.offset} (checksum mismatch). Fix: delete it and run again: ${this.header.regenerate}`);
    }
    try {
      return decodeBlock(payload, `${this.file}: block ${k}`);
    } catch (e) {
      throw new UserError(`${(e as Error).message}. Fix: delete it and run again: ${this.header.regenerate}`);
    }
  }

  /** Every document in file order. */
  *documents(): Generator<StoredDocument> {
    for (let k = 0; k < this.blocks.length; k++) for (const doc of this.readBlock(k)) yield doc;
  }

  /** Read every block once, checking checksums and structure. */
  verify(): { documents: number; examples: number } {
    let documents = 0;
    let examples = 0;
    for (let k = 0; k < this.blocks.length; k++) {
      const docs = this.readBlock(k);
      documents += docs.length;
      for (const d of docs) examples += d.examples.length;
    }
    return { documents, examples };
  }

  /**
   * Batches of one epoch. Shuffled (default) batches come from a pure function of (seed, epoch): the block
   * order is a seeded permutation, and the examples of each window of `windowBlocks` consecutive blocks in
   * that order are shuffled together, so memory stays bounded by one window. `start` resumes at that
   * example position of the epoch. The last batch may be smaller.
   */
  *batches(opts: { batchSize: number; epoch?: number; seed?: number; shuffle?: boolean; start?: number; windowBlocks?: number; seqLen?: number }): Generator<ExampleBatchAt> {
    const T = opts.seqLen ?? this.header.seqLen;
    const B = opts.batchSize;
    const epoch = opts.epoch ?? 0;
    const seed = opts.seed ?? this.header.seed;
    const shuffle = opts.shuffle ?? true;
    const W = Math.max(1, opts.windowBlocks ?? 8);
    const order = this.blocks.map((_, i) => i);
    if (shuffle) Rng.derive(seed, 'store-blocks', epoch).shuffle(order);
    let position = 0;
    const start = opts.start ?? 0;
    let pending: Array<{ doc: StoredDocument; ex: number }> = [];
    let pendingStart = 0;
    for (let w = 0; w * W < order.length; w++) {
      const ids = order.slice(w * W, (w + 1) * W);
      const count = ids.reduce((a, k) => a + this.blocks[k].examples, 0);
      if (position + count <= start) {
        position += count;
        continue;
      }
      const items: Array<{ doc: StoredDocument; ex: number }> = [];
      for (const k of ids) for (const doc of this.readBlock(k)) for (let e = 0; e < doc.examples.length; e++) items.push({ doc, ex: e });
      if (shuffle) Rng.derive(seed, 'store-window', epoch, w).shuffle(items);
      let from = 0;
      if (position < start) {
        from = start - position;
      }
      if (pending.length === 0) pendingStart = position + from;
      for (let i = from; i < items.length; i++) {
        pending.push(items[i]);
        if (pending.length === B) {
          yield this.materialize(pending, T, pendingStart);
          pendingStart += pending.length;
          pending = [];
        }
      }
      position += count;
    }
    if (pending.length) yield this.materialize(pending, T, pendingStart);
  }

  private materialize(items: Array<{ doc: StoredDocument; ex: number }>, T: number, position: number): ExampleBatchAt {
    const tokens = new Int32Array(items.length * T);
    const types = new Uint8Array(items.length * T);
    items.forEach(({ doc, ex }, b) => {
      if (this.header.task === 'lm') writeLmSequence(doc.tokens, T, tokens, types, b * T);
      else writeSequence(doc.tokens, doc.examples[ex].spans, T, tokens, types, b * T);
    });
    return { batchSize: items.length, seqLen: T, tokens, types, position, next: position + items.length };
  }

  /** Load everything into compact arrays for random access by example index (training's ExampleSource). */
  loadSource(seqLen?: number): StoreSource {
    return new StoreSource(this, seqLen ?? this.header.seqLen);
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

/** A batch with its place in the epoch: `next` is the position to resume from. */
export interface ExampleBatchAt {
  batchSize: number;
  seqLen: number;
  tokens: Int32Array;
  types: Uint8Array;
  position: number;
  next: number;
}

/**
 * Random access over a whole store held in typed arrays (about 2 bytes per document token and 9 bytes per
 * span): implements the `ExampleSource` contract of src/train/data.ts.
 */
export class StoreSource {
  readonly count: number;
  readonly files: string[];
  private readonly tokens: Uint16Array;
  private readonly docStart: Float64Array;
  private readonly exDoc: Uint32Array;
  private readonly exSpan: Float64Array;
  private readonly spanTok: Uint32Array;
  private readonly spanType: Uint8Array;
  private readonly task: Task;

  constructor(store: ExampleStore, readonly seqLen: number) {
    const c = store.header.counts;
    this.count = c.examples;
    this.files = [store.file];
    this.task = store.header.task;
    this.tokens = new Uint16Array(c.tokens);
    this.docStart = new Float64Array(c.documents + 1);
    this.exDoc = new Uint32Array(c.examples);
    this.exSpan = new Float64Array(c.examples + 1);
    this.spanTok = new Uint32Array(2 * c.spans);
    this.spanType = new Uint8Array(c.spans);
    let d = 0;
    let t = 0;
    let e = 0;
    let s = 0;
    for (const doc of store.documents()) {
      this.docStart[d] = t;
      this.tokens.set(doc.tokens, t);
      t += doc.tokens.length;
      for (const ex of doc.examples) {
        this.exDoc[e] = d;
        this.exSpan[e] = s;
        for (const sp of ex.spans) {
          this.spanTok[2 * s] = sp.tokStart;
          this.spanTok[2 * s + 1] = sp.tokEnd;
          this.spanType[s] = sp.type;
          s++;
        }
        e++;
      }
      d++;
    }
    this.docStart[d] = t;
    this.exSpan[e] = s;
  }

  batch(indices: number[]): { batchSize: number; seqLen: number; tokens: Int32Array; types: Uint8Array } {
    const T = this.seqLen;
    const tokens = new Int32Array(indices.length * T);
    const types = new Uint8Array(indices.length * T);
    indices.forEach((i, b) => {
      if (!(i >= 0 && i < this.count)) throw new RangeError(`example index ${i} outside 0..${this.count - 1}`);
      const d = this.exDoc[i];
      const doc = this.tokens.subarray(this.docStart[d], this.docStart[d + 1]);
      if (this.task === 'lm') {
        writeLmSequence(doc, T, tokens, types, b * T);
        return;
      }
      const runs: TokenRun[] = [];
      for (let s = this.exSpan[i]; s < this.exSpan[i + 1]; s++) runs.push({ tokStart: this.spanTok[2 * s], tokEnd: this.spanTok[2 * s + 1], type: this.spanType[s] });
      writeSequence(doc, runs, T, tokens, types, b * T);
    });
    return { batchSize: indices.length, seqLen: T, tokens, types };
  }
}
