/**
 * CRC-32 (the reflected 0xEDB88320 polynomial of ISO 3309 / ITU-T V.42, as in zlib, gzip and PNG), used as the
 * example store's per-block checksum. Node's native zlib.crc32 (Node >= 20.15) when present, else a
 * table-driven version (Sarwate, "Computation of cyclic redundancy checks via table look-up", CACM 1988).
 */
import * as zlib from 'node:zlib';

let table: Uint32Array | null = null;

function crc32Table(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export function crc32(data: Uint8Array, value = 0): number {
  return native ? native(data, value) >>> 0 : crc32Table(data, value);
}

/** The portable version, exported so tests can check both agree. */
export const crc32Portable = crc32Table;
