/**
 * On-disk embedding cache, keyed by text content and encoder id: the second run of a learning curve, a
 * cross-validation or an evaluation encodes nothing it has seen. One append-only file per encoder,
 * `<dir>/<encoder id>.bin`, of fixed-size records: 32 bytes SHA-256 of the UTF-8 text, then `dim` float32
 * (little-endian). A record is appended whole with one write; a file whose length is not a whole number of
 * records (an interrupted append) is read up to its last whole record and truncated there before appending.
 *
 * Default directory: `$CEFRLAB_EMBED_CACHE`, else `experiments/cache/embeddings` under the project root.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { experimentsDir } from '../runtime/paths';
import type { Encoder } from './encoder';
import { isCombined } from './spec';

export function defaultCacheDir(): string {
  return process.env.CEFRLAB_EMBED_CACHE || path.join(experimentsDir, 'cache', 'embeddings');
}

const textKey = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

interface Loaded {
  file: string;
  dim: number;
  map: Map<string, Float32Array>;
}

const open = new Map<string, Loaded>();

function load(dir: string, encoder: Encoder): Loaded {
  const file = path.join(dir, `${encoder.id}.bin`);
  const known = open.get(file);
  if (known) return known;
  const dim = encoder.dim;
  const recordBytes = 32 + 4 * dim;
  const map = new Map<string, Float32Array>();
  if (fs.existsSync(file)) {
    const buf = fs.readFileSync(file);
    const whole = Math.floor(buf.length / recordBytes);
    for (let r = 0; r < whole; r++) {
      const at = r * recordBytes;
      const key = buf.toString('hex', at, at + 32);
      const v = new Float32Array(dim);
      for (let j = 0; j < dim; j++) v[j] = buf.readFloatLE(at + 32 + 4 * j);
      map.set(key, v);
    }
    if (whole * recordBytes !== buf.length) fs.truncateSync(file, whole * recordBytes);
  }
  const loaded = { file, dim, map };
  open.set(file, loaded);
  return loaded;
}

export interface CachedEncodeOptions {
  /** Cache directory; null disables the cache. Default `defaultCacheDir()`. */
  cacheDir?: string | null;
  onProgress?: (done: number, total: number) => void;
}

export interface CachedEncodeResult {
  vectors: Float32Array[];
  /** Distinct texts that had to be encoded (0 when all came from the cache). */
  encoded: number;
  /** Texts served from the cache. */
  hits: number;
}

/**
 * Encode texts through the cache: identical texts are encoded once, cached ones not at all. A combined
 * encoder (`features+ilm:...`) is cached part by part, so it reuses what each part alone has cached.
 */
export async function encodeCached(encoder: Encoder, texts: readonly string[], opts: CachedEncodeOptions = {}): Promise<CachedEncodeResult> {
  if (isCombined(encoder)) {
    const results: CachedEncodeResult[] = [];
    for (let p = 0; p < encoder.parts.length; p++) {
      const n = encoder.parts.length;
      results.push(await encodeCached(encoder.parts[p], texts, { ...opts, onProgress: (d, t) => opts.onProgress?.(Math.round(((p + d / t) / n) * t), t) }));
    }
    const vectors = texts.map((_, r) => {
      const v = new Float32Array(encoder.dim);
      let o = 0;
      for (const res of results) {
        v.set(res.vectors[r], o);
        o += res.vectors[r].length;
      }
      return v;
    });
    return { vectors, encoded: Math.max(...results.map((r) => r.encoded)), hits: Math.min(...results.map((r) => r.hits)) };
  }
  const dir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  const keys = texts.map(textKey);
  const cache = dir ? load(dir, encoder) : { file: '', dim: encoder.dim, map: new Map<string, Float32Array>() };
  const missing: number[] = [];
  const firstOf = new Map<string, number>();
  keys.forEach((k, i) => {
    if (cache.map.has(k) || firstOf.has(k)) return;
    firstOf.set(k, i);
    missing.push(i);
  });
  if (missing.length) {
    const served = texts.length - missing.length;
    const vecs = await encoder.encode(missing.map((i) => texts[i]), { onProgress: (d) => opts.onProgress?.(served + d, texts.length) });
    const recordBytes = 32 + 4 * encoder.dim;
    const out = Buffer.alloc(recordBytes * missing.length);
    missing.forEach((i, r) => {
      const v = vecs[r];
      if (v.length !== encoder.dim) throw new Error(`encoder ${encoder.spec} returned a vector of ${v.length} values, not ${encoder.dim}`);
      cache.map.set(keys[i], v);
      const at = r * recordBytes;
      out.write(keys[i], at, 'hex');
      for (let j = 0; j < v.length; j++) out.writeFloatLE(v[j], at + 32 + 4 * j);
    });
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      fs.appendFileSync(cache.file, out);
    }
  } else opts.onProgress?.(texts.length, texts.length);
  return { vectors: keys.map((k) => cache.map.get(k)!), encoded: missing.length, hits: texts.length - missing.length };
}

/** Forget the in-memory copies (tests; a process that changes CEFRLAB_EMBED_CACHE). */
export function clearCacheMemory(): void {
  open.clear();
}
