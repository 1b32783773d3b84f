/**
 * The safetensors format (Hugging Face, https://huggingface.co/docs/safetensors), read and written by hand:
 *
 *   8 bytes    N, the header length, unsigned 64-bit little-endian
 *   N bytes    a UTF-8 JSON object: name -> {"dtype", "shape", "data_offsets": [begin, end]}, plus an optional
 *              "__metadata__" object of string -> string; padded at the end with spaces (0x20)
 *   the rest   the byte buffer; offsets are relative to its start, tensors are little-endian and row-major,
 *              and the tensors cover the buffer exactly (no holes, no overlaps)
 *
 * We write float32 only, with the header padded to a multiple of 8 bytes so every tensor starts 8-byte
 * aligned, and names in sorted order so the same weights always give the same bytes. We read F32, F16, BF16,
 * F64 and the integer and boolean types, converting to float32 (GPT-2 checkpoints carry F32 weights, F16/BF16
 * in half-precision exports, and sometimes boolean or float attention-mask buffers).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { UserError } from '../runtime/errors';
import { writeFileAtomic } from '../runtime/atomic';

/** Bytes per element of each safetensors dtype. */
const DTYPE_SIZE: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};

/** The reference implementation refuses headers over 100 MB; so do we (a corrupt length would be huge). */
const MAX_HEADER = 100_000_000;

export interface StoredTensor {
  /** The dtype as stored in the file ("F32", "F16", ...); `data` is always float32. */
  dtype: string;
  shape: number[];
  data: Float32Array;
}

export interface TensorToWrite {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, StoredTensor>;
  metadata: Record<string, string> | null;
}

export interface ReadOptions {
  /** Names for which no data is decoded (they are still validated): e.g. attention-mask buffers. */
  skip?: (name: string) => boolean;
}

interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

/** Read a safetensors file; a truncated or corrupt file gives a UserError naming the file and the problem. */
export function readSafetensors(file: string, opts: ReadOptions = {}): Map<string, StoredTensor> {
  return readSafetensorsFile(file, opts).tensors;
}

/** Like `readSafetensors`, with the `__metadata__` map. */
export function readSafetensorsFile(file: string, opts: ReadOptions = {}): SafetensorsFile {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new UserError(`${file}: cannot read the weights file (${(err as Error).message}). Fix: check the path`);
  }
  return parseSafetensors(bytes, file, opts);
}

/** Parse safetensors bytes; `source` names them in error messages. */
export function parseSafetensors(bytes: Uint8Array, source: string, opts: ReadOptions = {}): SafetensorsFile {
  const bad = (problem: string) =>
    new UserError(`${source}: not a valid safetensors file: ${problem}. Fix: re-download or re-save the checkpoint (the file may be truncated or corrupt)`);
  if (bytes.length < 8) throw bad(`only ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER) throw bad(`header length ${headerLen} is implausibly large`);
  if (8 + headerLen > bytes.length) throw bad(`header of ${headerLen} bytes does not fit in the ${bytes.length}-byte file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw bad(`the header is not UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('the header is not a JSON object');
  const bufferStart = 8 + headerLen;
  const bufferLen = bytes.length - bufferStart;

  let metadata: Record<string, string> | null = null;
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.values(raw).some((v) => typeof v !== 'string')) {
        throw bad('"__metadata__" must map strings to strings');
      }
      metadata = { ...(raw as Record<string, string>) };
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== 'object' || info === null) throw bad(`entry "${name}" is not an object`);
    if (typeof info.dtype !== 'string' || !(info.dtype in DTYPE_SIZE)) throw bad(`tensor "${name}" has unknown dtype ${JSON.stringify(info.dtype)}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw bad(`tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_SIZE[info.dtype];
    if (end - begin !== expected) throw bad(`tensor "${name}" (${info.dtype} [${shape}]) should take ${expected} bytes but its offsets span ${end - begin}`);
    if (end > bufferLen) throw bad(`tensor "${name}" needs bytes up to ${end} of the data buffer, which has only ${bufferLen}`);
    entries.push({ name, dtype: info.dtype, shape: shape as number[], begin, end });
  }
  // The tensors must tile the buffer exactly: sorted by offset, each starts where the previous ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at) throw bad(e.begin < at ? `tensor "${e.name}" overlaps the previous tensor` : `a hole in the data buffer before tensor "${e.name}"`);
    at = e.end;
  }
  if (at !== bufferLen) throw bad(`the data buffer has ${bufferLen - at} bytes after the last tensor`);

  const tensors = new Map<string, StoredTensor>();
  for (const e of entries) {
    if (opts.skip?.(e.name)) continue;
    if (e.dtype === 'F8_E5M2' || e.dtype === 'F8_E4M3') {
      throw new UserError(`${source}: tensor "${e.name}" is stored as ${e.dtype}, which is not supported. Fix: save the checkpoint in float32, float16 or bfloat16`);
    }
    const count = e.shape.reduce((a, b) => a * b, 1);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(bytes, bufferStart + e.begin, count, e.dtype) });
  }
  return { tensors, metadata };
}

/** Convert `count` little-endian elements of `dtype` at byte `offset` to float32. */
function decode(bytes: Uint8Array, offset: number, count: number, dtype: string): Float32Array {
  const out = new Float32Array(count);
  if (dtype === 'F32' && LITTLE_ENDIAN_HOST) {
    // Copy into a fresh (hence aligned) buffer, then view it as float32.
    new Uint8Array(out.buffer).set(bytes.subarray(offset, offset + 4 * count));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * DTYPE_SIZE[dtype]);
  switch (dtype) {
    case 'F32': for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true); break;
    case 'F64': for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true); break;
    case 'F16': for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true)); break;
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u32[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
    case 'BOOL': case 'U8': for (let i = 0; i < count; i++) out[i] = view.getUint8(i); break;
    case 'I8': for (let i = 0; i < count; i++) out[i] = view.getInt8(i); break;
    case 'I16': for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, true); break;
    case 'U16': for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, true); break;
    case 'I32': for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true); break;
    case 'U32': for (let i = 0; i < count; i++) out[i] = view.getUint32(4 * i, true); break;
    case 'I64': for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(8 * i, true)); break;
    case 'U64': for (let i = 0; i < count; i++) out[i] = Number(view.getBigUint64(8 * i, true)); break;
    default: throw new Error(`decode: unhandled dtype ${dtype}`);
  }
  return out;
}

/** IEEE 754 binary16 bits to a number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** number -> IEEE 754 binary16 bits, round to nearest even; overflow gives infinity, NaN stays NaN. */
const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
export function floatToHalf(x: number): number {
  f32Scratch[0] = x;
  const bits = u32Scratch[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++; // a carry into the exponent is the right result
  return sign | half;
}

/**
 * The bytes of a safetensors file holding `tensors` (names sorted, header padded to 8 bytes) and optional
 * metadata, every tensor stored as `dtype`: F32 (exact) or F16 (half the size, rounded to nearest even).
 */
export function encodeSafetensors(tensors: Map<string, TensorToWrite>, metadata?: Record<string, string>, dtype: 'F32' | 'F16' = 'F32'): Uint8Array {
  const width = dtype === 'F32' ? 4 : 2;
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new Error('encodeSafetensors: "__metadata__" is reserved');
    const t = tensors.get(name)!;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`encodeSafetensors: "${name}" has ${t.data.length} values for shape [${t.shape}]`);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + width * count] };
    offset += width * count;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const name of names) {
    const data = tensors.get(name)!.data;
    if (dtype === 'F16') {
      for (let i = 0; i < data.length; i++) view.setUint16(at + 2 * i, floatToHalf(data[i]), true);
    } else if (LITTLE_ENDIAN_HOST) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    } else {
      for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i], true);
    }
    at += width * data.length;
  }
  return out;
}

export function writeSafetensors(file: string, tensors: Map<string, TensorToWrite>, metadata?: Record<string, string>): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
