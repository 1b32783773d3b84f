/**
 * The on-disk response cache. Every request is keyed by the SHA-256 of the endpoint's address (scheme, host and
 * path, without user info or query, so no credential enters the key) and the full request body in a canonical
 * JSON form (model, messages, temperature and every other parameter sent): the same model name served by two
 * endpoints (a local vLLM and a hosted API) gives two entries, never one endpoint's reply for the other. The API
 * key is never stored. Entries are appended, one JSON object per line, to
 * `DIR/responses.jsonl`, and each append is flushed to disk (fsync) before the essay counts as done, so:
 *  - an interrupted run loses at most the requests in flight, and rerunning it sends only what is missing;
 *  - a repeated run sends nothing and gives the same ratings (the replies come from the file);
 *  - the tokens each reply cost stay known.
 * A line cut short by a kill is ignored when the file is read back (the request is then sent again).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256 } from '../runtime/hash';

/** JSON with object keys sorted at every depth, so equal requests give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** The cache key of a request `body` sent to `endpoint` (ChatEndpoint.safeBaseURL()). */
export function requestKey(endpoint: string, body: unknown): string {
  return sha256(canonicalJson({ endpoint, body }));
}

export interface CachedReply {
  content: string;
  promptTokens: number;
  completionTokens: number;
  finishReason: string | null;
  /** The model name the endpoint reported. */
  model: string | null;
}

export interface CacheEntry extends CachedReply {
  key: string;
  time: string;
}

export class ResponseCache {
  readonly file: string;
  private entries = new Map<string, CacheEntry>();
  private fd: number | null = null;
  /** Lines that could not be read back (a write cut short by a kill). */
  readonly skippedLines: number = 0;

  constructor(dir: string) {
    this.file = path.join(dir, 'responses.jsonl');
    // The directory is made with the first entry: a run stopped by the connection check leaves nothing behind.
    if (fs.existsSync(this.file)) {
      let skipped = 0;
      const text = fs.readFileSync(this.file, 'utf8');
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        try {
          const e = JSON.parse(line) as CacheEntry;
          if (typeof e.key === 'string' && typeof e.content === 'string') this.entries.set(e.key, e);
          else skipped++;
        } catch {
          skipped++;
        }
      }
      this.skippedLines = skipped;
      // A torn last line has no newline: start the next entry on a fresh line.
      if (text.length > 0 && !text.endsWith('\n')) fs.appendFileSync(this.file, '\n');
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CacheEntry | undefined {
    return this.entries.get(key);
  }

  /** Append one entry and flush it to disk before returning. */
  put(key: string, reply: CachedReply): CacheEntry {
    const entry: CacheEntry = { key, time: new Date().toISOString(), ...reply };
    if (this.fd == null) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this.fd = fs.openSync(this.file, 'a');
    }
    fs.writeSync(this.fd, JSON.stringify(entry) + '\n');
    fs.fsyncSync(this.fd);
    this.entries.set(key, entry);
    return entry;
  }

  close(): void {
    if (this.fd != null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
