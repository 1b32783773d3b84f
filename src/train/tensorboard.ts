/**
 * TensorBoard event files, written by hand so that training needs no TensorFlow (Python) install.
 *
 * Layout (TensorFlow's "TFRecords format details", tensorflow/docs api_guides/python/python_io.md): a file is a
 * sequence of records, each
 *   uint64 length (little-endian) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)
 * with masked_crc = ((crc >>> 15) | (crc << 17)) + 0xa282ead8 and CRC-32C the Castagnoli polynomial
 * (RFC 3720, appendix B.4). Each record's data is a serialised `tensorflow.Event` protocol buffer
 * (tensorflow/core/util/event.proto): wall_time = 1 (double), step = 2 (int64), file_version = 3 (string),
 * summary = 5 (Summary), session_log = 6 (SessionLog). A `Summary` holds repeated `value` = 1, each with
 * tag = 1 (string) and simple_value = 2 (float) — the scalar plots TensorBoard draws. Protocol-buffer encoding
 * follows protobuf.dev "Encoding" (varints, wire types 0/1/2/5).
 *
 * The first record of a file carries file_version "brain.Event:2". After a resume we write a SessionLog START
 * at the resumed step: TensorBoard then drops events of the abandoned run with a larger step, so curves show
 * no doubled segment.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// ---- CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table driven --------------------------------
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The TFRecord mask: rotate right by 15 bits and add a constant, so CRCs of CRCs stay strong. */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord: length, masked CRC of the length, data, masked CRC of the data. */
export function tfRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskCrc(crc32c(out.subarray(0, 8))), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskCrc(crc32c(data)), 12 + data.length);
  return out;
}

// ---- minimal protocol-buffer writer ------------------------------------------------------------------------
class ProtoWriter {
  private parts: Buffer[] = [];
  private varint(value: bigint): void {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, value);
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v) b |= 0x80;
      bytes.push(b);
    } while (v);
    this.parts.push(Buffer.from(bytes));
  }
  private key(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }
  int64(field: number, value: number): this {
    this.key(field, 0);
    this.varint(BigInt(Math.trunc(value)));
    return this;
  }
  double(field: number, value: number): this {
    this.key(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value, 0);
    this.parts.push(b);
    return this;
  }
  float(field: number, value: number): this {
    this.key(field, 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value, 0);
    this.parts.push(b);
    return this;
  }
  bytes(field: number, value: Uint8Array | string): this {
    const b = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    this.key(field, 2);
    this.varint(BigInt(b.length));
    this.parts.push(b);
    return this;
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Serialised Event with a Summary of scalar values. */
export function scalarEvent(step: number, wallTime: number, scalars: Record<string, number>): Buffer {
  const summary = new ProtoWriter();
  for (const [tag, value] of Object.entries(scalars)) {
    summary.bytes(1, new ProtoWriter().bytes(1, tag).float(2, value).finish());
  }
  return new ProtoWriter().double(1, wallTime).int64(2, step).bytes(5, summary.finish()).finish();
}

export function fileVersionEvent(wallTime: number): Buffer {
  return new ProtoWriter().double(1, wallTime).int64(2, 0).bytes(3, 'brain.Event:2').finish();
}

/** SessionLog START (status = 1) at `step`: TensorBoard discards later-step events of a run that was cut off. */
export function sessionStartEvent(step: number, wallTime: number): Buffer {
  return new ProtoWriter().double(1, wallTime).int64(2, step).bytes(6, new ProtoWriter().int64(1, 1).finish()).finish();
}

/**
 * Appends scalar summaries to a new `events.out.tfevents.<seconds>.<host>` file in `logDir`. Each write is
 * appended synchronously, so a killed run leaves at most one partial trailing record, which TensorBoard skips.
 */
export class EventWriter {
  readonly file: string;
  private fd: number;

  constructor(logDir: string, opts: { resumedAtStep?: number } = {}) {
    fs.mkdirSync(logDir, { recursive: true });
    const now = Date.now() / 1000;
    let name = `events.out.tfevents.${Math.floor(now)}.${os.hostname()}`;
    for (let i = 1; fs.existsSync(path.join(logDir, name)); i++) name = `events.out.tfevents.${Math.floor(now)}.${os.hostname()}.${i}`;
    this.file = path.join(logDir, name);
    this.fd = fs.openSync(this.file, 'a');
    this.append(fileVersionEvent(now));
    if (opts.resumedAtStep !== undefined) this.append(sessionStartEvent(opts.resumedAtStep, now));
  }

  private append(event: Buffer): void {
    fs.writeSync(this.fd, tfRecord(event));
  }

  /** Scalars for one step; non-finite values are written too (TensorBoard shows NaN), the caller decides. */
  scalars(step: number, values: Record<string, number>, wallTime = Date.now() / 1000): void {
    this.append(scalarEvent(step, wallTime, values));
  }

  flush(): void {
    fs.fsyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
