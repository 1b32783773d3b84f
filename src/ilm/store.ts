/**
 * Writing and reading example stores (the format is in store-format.ts): `StoreWriter` writes a store block by
 * block, `ExampleStore` opens one, checks its structure and checksums, and reads documents in file order;
 * `loadSource()` gives random access by example index (store-source.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../runtime/errors';
import { crc32 } from './crc32';
import {
  BLOCK_HEAD, BLOCK_MAGIC, FOOTER_BYTES, FOOTER_MAGIC, FORMAT_VERSION, HEADER_BYTES, STORE_FILE, STORE_MAGIC,
  decodeBlock, encodeHeader, type StoreHeader, type StoredDocument,
} from './store-format';
import { StoreSource } from './store-source';

export * from './store-format';
export { StoreSource } from './store-source';

// ---------------------------------------------------------------- writing

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

/**
 * A store opened for reading: header, block index, documents in file order, and (`loadSource`) random access
 * by example index, the one data order training and evaluation use (src/train/data.ts).
 */
export class ExampleStore {
  readonly header: StoreHeader;
  readonly blocks: BlockInfo[] = [];
  private fd: number;

  private constructor(readonly file: string) {
    if (!fs.existsSync(file)) throw new UserError(`${file}: example store not found. Fix: check the path (an example store is OUT_DIR/<split> of \`cefrlab examples SPLIT DATA_DIR OUT_DIR\`), or build it with that command`);
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

