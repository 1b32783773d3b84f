/**
 * What training and evaluation need from an example set, and the deterministic orders over it.
 *
 * - An epoch is one pass over the examples (not over documents, as the reference counted). The order of
 *   epoch e is a Fisher-Yates shuffle from Rng.derive(seed, 'order', e): a pure function of (seed, epoch), so a
 *   resumed run needs only the epoch and the position inside it.
 * - A step takes up to `accum` micro-batches of `batchSize` examples and never crosses an epoch boundary:
 *   the last step of an epoch may be shorter. Nothing is dropped.
 * - Evaluation uses a fixed seeded sample (Rng.derive(seed, 'eval-sample')), in file order, so evaluations at
 *   different steps are comparable.
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

const orderCache = new Map<string, Int32Array>();

/** The example order of one epoch. */
export function epochOrder(seed: number, epoch: number, count: number): Int32Array {
  const key = `${seed}:${epoch}:${count}`;
  const cached = orderCache.get(key);
  if (cached) return cached;
  const order = Rng.derive(seed, 'order', epoch).shuffle(Array.from({ length: count }, (_, i) => i));
  const out = Int32Array.from(order);
  orderCache.clear(); // only the current epoch is ever needed
  orderCache.set(key, out);
  return out;
}

/** Up to `max` example indices drawn without replacement from Rng.derive(seed, 'eval-sample'), sorted. */
export function evalSample(seed: number, count: number, max: number): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  if (max <= 0 || max >= count) return all;
  return Rng.derive(seed, 'eval-sample').shuffle(all).slice(0, max).sort((a, b) => a - b);
}

/** The micro-batches (lists of example indices) of the step starting at `position` of `epoch`. */
export function planStep(seed: number, epoch: number, position: number, count: number, batchSize: number, accum: number): number[][] {
  const order = epochOrder(seed, epoch, count);
  const micro: number[][] = [];
  let pos = position;
  for (let k = 0; k < accum && pos < count; k++) {
    const end = Math.min(count, pos + batchSize);
    micro.push(Array.from(order.subarray(pos, end)));
    pos = end;
  }
  return micro;
}

/** Optimizer steps in one epoch. */
export function stepsPerEpoch(count: number, batchSize: number, accum: number): number {
  return Math.ceil(count / (batchSize * accum));
}

/** A uint32 dropout seed for micro-batch `micro` of step `step`. */
export function dropoutSeed(seed: number, step: number, micro: number): number {
  return Rng.derive(seed, 'dropout', step, micro).nextUint32();
}
