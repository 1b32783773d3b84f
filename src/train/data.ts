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

export { MemorySource, fitLength, evalSample } from '../objective/batch';
export type { ExampleBatch, ExampleSource } from '../objective/batch';

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
