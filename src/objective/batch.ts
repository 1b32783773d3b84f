/**
 * What training and evaluation share about examples: the batch contract of the example store
 * (docs/ARCHITECTURE.md), random access to an example set, cutting batches to a length, and the fixed seeded
 * evaluation sample (Rng.derive(seed, 'eval-sample')), in file order, so evaluations at different steps are
 * comparable.
 */
import { Rng } from '../runtime/rng';

/** The batch contract of the example store (docs/ARCHITECTURE.md). */
export interface ExampleBatch {
  batchSize: number;
  seqLen: number;
  /** [B*T] token ids. */
  tokens: Int32Array;
  /** [B*T] target types: 0 pad, 1 context, 2 blank, 3 separator, 4 answer, 5 end of answer. */
  types: Uint8Array;
}

/** Random access to a set of examples. */
export interface ExampleSource {
  /** Number of examples. */
  readonly count: number;
  /** Length of each stored example. */
  readonly seqLen: number;
  /** The examples at these indices, in this order, as one batch. */
  batch(indices: number[]): ExampleBatch;
  /** Files whose hashes identify the data (for manifests). */
  readonly files: string[];
}

/** An in-memory example set (tests, notebooks with small data). */
export class MemorySource implements ExampleSource {
  readonly files: string[] = [];
  constructor(readonly seqLen: number, private readonly rows: Array<{ tokens: Int32Array; types: Uint8Array }>) {
    for (const r of rows) {
      if (r.tokens.length !== seqLen || r.types.length !== seqLen) throw new Error(`MemorySource: every row must have ${seqLen} tokens and types`);
    }
  }
  get count(): number {
    return this.rows.length;
  }
  batch(indices: number[]): ExampleBatch {
    const T = this.seqLen;
    const tokens = new Int32Array(indices.length * T);
    const types = new Uint8Array(indices.length * T);
    indices.forEach((idx, b) => {
      tokens.set(this.rows[idx].tokens, b * T);
      types.set(this.rows[idx].types, b * T);
    });
    return { batchSize: indices.length, seqLen: T, tokens, types };
  }
}

/**
 * Several example sets of one length as one: indices 0 .. first.count - 1 are the first set's, the next the
 * second's, and so on. The seeded shuffle over the whole range then mixes them in proportion to their sizes.
 */
export class ConcatSource implements ExampleSource {
  readonly count: number;
  readonly seqLen: number;
  readonly files: string[];
  private readonly starts: number[] = [];

  constructor(private readonly parts: ExampleSource[]) {
    if (!parts.length) throw new Error('ConcatSource: no example sets');
    this.seqLen = parts[0].seqLen;
    if (parts.some((p) => p.seqLen !== this.seqLen)) throw new Error(`ConcatSource: example sets of different lengths (${parts.map((p) => p.seqLen).join(', ')})`);
    let n = 0;
    for (const p of parts) {
      this.starts.push(n);
      n += p.count;
    }
    this.count = n;
    this.files = parts.flatMap((p) => p.files);
  }

  batch(indices: number[]): ExampleBatch {
    if (indices.some((i) => !(i >= 0 && i < this.count))) throw new Error(`ConcatSource: index out of range 0..${this.count - 1}`);
    const T = this.seqLen;
    const tokens = new Int32Array(indices.length * T);
    const types = new Uint8Array(indices.length * T);
    // fetch each part's rows in one call, then put every row back at its place in `indices`
    this.parts.forEach((part, k) => {
      const start = this.starts[k];
      const end = start + part.count;
      const at: number[] = [];
      const local: number[] = [];
      indices.forEach((idx, b) => {
        if (idx >= start && idx < end) {
          at.push(b);
          local.push(idx - start);
        }
      });
      if (!local.length) return;
      const got = part.batch(local);
      at.forEach((b, j) => {
        tokens.set(got.tokens.subarray(j * T, (j + 1) * T), b * T);
        types.set(got.types.subarray(j * T, (j + 1) * T), b * T);
      });
    });
    return { batchSize: indices.length, seqLen: T, tokens, types };
  }
}

/** Cut or pad (token 0, type pad) every row of a batch to `seqLen`. */
export function fitLength(batch: ExampleBatch, seqLen: number): ExampleBatch {
  if (batch.seqLen === seqLen) return batch;
  const tokens = new Int32Array(batch.batchSize * seqLen);
  const types = new Uint8Array(batch.batchSize * seqLen);
  const keep = Math.min(seqLen, batch.seqLen);
  for (let b = 0; b < batch.batchSize; b++) {
    tokens.set(batch.tokens.subarray(b * batch.seqLen, b * batch.seqLen + keep), b * seqLen);
    types.set(batch.types.subarray(b * batch.seqLen, b * batch.seqLen + keep), b * seqLen);
  }
  return { batchSize: batch.batchSize, seqLen, tokens, types };
}

/** Up to `max` example indices drawn without replacement from Rng.derive(seed, 'eval-sample'), sorted. */
export function evalSample(seed: number, count: number, max: number): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  if (max <= 0 || max >= count) return all;
  return Rng.derive(seed, 'eval-sample').shuffle(all).slice(0, max).sort((a, b) => a - b);
}

