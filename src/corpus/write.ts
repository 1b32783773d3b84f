/**
 * Writing the split files from byte offsets into the input (the second pass of `prepare`). Reading each
 * text with its own positioned read costs one system call per document, which dominates at EFCAMDAT
 * scale (723k documents); instead the output is produced in windows of consecutive documents (in output
 * order, across the three splits), and for each window the input is read sequentially in large blocks,
 * copying every needed text to its place in the window's buffer. A window covers tens of megabytes, so a
 * full EFCAMDAT run takes a handful of sequential passes over a file the page cache already holds, and
 * memory stays bounded by the window size whatever the corpus size.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { UserError, locate } from '../runtime/errors';
import type { DocTable } from './learner';
import { ESCAPED, NORMALISE } from './learner';
import { DOCUMENT_SEPARATOR, normaliseText } from './text';

export interface WrittenFile {
  file: string;
  bytes: number;
  sha256: string;
}

export interface WriteOptions {
  /** Output bytes per window (default 48 MiB). */
  windowBytes?: number;
  /** Input block size (default 1 MiB). */
  blockBytes?: number;
  onProgress?: (documents: number) => void;
}

const SEP = Buffer.from(DOCUMENT_SEPARATOR, 'utf8');

/** The bytes to write for document d, given its stored bytes (unescape and normalise when flagged). */
function finalText(raw: Buffer, flags: number): string {
  let text = raw.toString('utf8');
  if (flags & ESCAPED) text = text.replace(/""/g, '"');
  if (flags & NORMALISE) text = normaliseText(text).text;
  return text;
}

/**
 * Write `splits[k]` (document indices in output order) to `files[k]`, documents joined by the separator.
 * Returns each file's size and SHA-256.
 */
export function writeSplitTexts(input: string, table: DocTable, splits: readonly (readonly number[])[], files: readonly string[], options: WriteOptions = {}): WrittenFile[] {
  const windowBytes = options.windowBytes ?? 48 * 1024 * 1024;
  const blockBytes = options.blockBytes ?? 1024 * 1024;
  const fdIn = fs.openSync(input, 'r');
  const outs = files.map((f) => ({ fd: fs.openSync(f, 'w'), hash: createHash('sha256'), bytes: 0, file: path.basename(f) }));
  // Global output order: all of split 0, then split 1, ...
  const total = splits.reduce((a, s) => a + s.length, 0);
  const docOf = new Int32Array(total);
  const splitOf = new Uint8Array(total);
  const firstOfSplit = new Uint8Array(total);
  {
    let g = 0;
    splits.forEach((docs, k) => docs.forEach((d, i) => {
      docOf[g] = d;
      splitOf[g] = k;
      firstOfSplit[g] = i === 0 ? 1 : 0;
      g++;
    }));
  }
  let maxOffset = 0;
  for (let d = 0; d < table.n; d++) if (table.offset[d] > maxOffset) maxOffset = table.offset[d];
  let window = Buffer.allocUnsafe(0);
  let block = Buffer.allocUnsafe(blockBytes);
  let done = 0;
  try {
    for (let a = 0; a < total; ) {
      // The window: ranks [a, b) whose bytes fit in windowBytes (at least one document).
      let size = 0;
      let b = a;
      while (b < total) {
        const need = (firstOfSplit[b] ? 0 : SEP.length) + table.outBytes[docOf[b]];
        if (b > a && size + need > windowBytes) break;
        size += need;
        b++;
      }
      if (window.length < size) window = Buffer.allocUnsafe(Math.max(size, Math.min(windowBytes, 2 * window.length)));
      // Where each document goes in the window; separators written in place.
      const at = new Float64Array(b - a);
      let pos = 0;
      for (let g = a; g < b; g++) {
        if (!firstOfSplit[g]) {
          SEP.copy(window, pos);
          pos += SEP.length;
        }
        at[g - a] = pos;
        pos += table.outBytes[docOf[g]];
      }
      // Fill the window in input order, so the input is read sequentially. Sort keys pack offset and
      // window index into one exact double (offset * count + i) so a native numeric sort does the work.
      const count = b - a;
      const keys = new Float64Array(count);
      const packed = (table.offset.length === 0 ? 0 : maxOffset) * count + count < Number.MAX_SAFE_INTEGER;
      for (let i = 0; i < count; i++) keys[i] = packed ? table.offset[docOf[a + i]] * count + i : i;
      if (packed) keys.sort();
      else keys.sort((x, y) => table.offset[docOf[a + x]] - table.offset[docOf[a + y]]);
      let blockStart = 0;
      let blockEnd = 0;
      for (let r = 0; r < count; r++) {
        const i = packed ? keys[r] % count : keys[r];
        const d = docOf[a + i];
        const off = table.offset[d];
        const len = table.bytes[d];
        if (!(off >= blockStart && off + len <= blockEnd)) {
          if (len > block.length) block = Buffer.allocUnsafe(len);
          const n = fs.readSync(fdIn, block, 0, block.length, off);
          blockStart = off;
          blockEnd = off + n;
          if (n < len) throw new UserError(locate(input, table.line[d], `the file changed while prepare was reading it (the text that started here is gone)`, 'leave the CSV unchanged while prepare runs, then run it again'));
        }
        const flags = table.flags[d];
        const s = off - blockStart;
        if (flags === 0) block.copy(window, at[i], s, s + len);
        else window.write(finalText(block.subarray(s, s + len), flags), at[i], 'utf8');
      }
      // Hand each split's part of the window to its file.
      let from = 0;
      for (let g = a; g < b; ) {
        const k = splitOf[g];
        let h = g;
        while (h < b && splitOf[h] === k) h++;
        const to = h < b ? at[h - a] - (firstOfSplit[h] ? 0 : SEP.length) : size;
        const part = window.subarray(from, to);
        outs[k].hash.update(part);
        fs.writeSync(outs[k].fd, part);
        outs[k].bytes += part.length;
        from = to;
        g = h;
      }
      done += b - a;
      options.onProgress?.(done);
      a = b;
    }
    for (const o of outs) fs.fsyncSync(o.fd);
  } finally {
    fs.closeSync(fdIn);
    for (const o of outs) fs.closeSync(o.fd);
  }
  return outs.map((o) => ({ file: o.file, bytes: o.bytes, sha256: o.hash.digest('hex') }));
}
