/**
 * The ILM losses (spec section 4) from logits [B,T,V] and the per-position target types of an ExampleBatch.
 *
 * Position i is predicted from the logits at i - 1. Target types: 1 context, 4 answer, 5 end of answer count;
 * 0 pad, 2 blank token, 3 separator and position 0 are never trained.
 * - Training loss = mean NLL over context targets + mean NLL over infill targets (answer and end-of-answer),
 *   two means with weight 1 each, taken over the whole micro-batch (the reference averages each term over
 *   the batch's tokens). "Minimal supervision" keeps the infill term alone. A term with no targets is 0.
 * - Evaluation sums NLL and counts tokens per group (context, infill, infill-text-only = answers alone), so
 *   several batches combine into token-weighted means.
 *
 * The cross-entropy has a hand-written gradient, softmax(logits) - onehot(target), scaled by each position's
 * weight: the wasm backend has no gradient kernel for `gather`, and the one-hot matrix over 50,264 tokens would
 * double the memory of the logits. The target entries are corrected in place with a scatter instead.
 */
import * as tf from '@tensorflow/tfjs';
import { tryWeightedCrossEntropyNative, tryTokenNllNative } from '../runtime/kernels/index';
import { TARGET } from '../ilm/sequence';

// The target types the example store writes (spec section 3), under the names the loss code reads best with.
export const TYPE_PAD = TARGET.pad;
export const TYPE_CONTEXT = TARGET.context;
export const TYPE_BLANK = TARGET.blank;
export const TYPE_SEPARATOR = TARGET.separator;
export const TYPE_ANSWER = TARGET.answer;
export const TYPE_END_OF_ANSWER = TARGET.endOfAnswer;

/** The next-token targets of a batch, flattened to N = B*T rows (row b*T+j predicts token j+1 of row b). */
export interface ShiftedTargets {
  rows: number;
  /** Target token of each logit row (0 where nothing is predicted). */
  targets: Int32Array;
  /** Target type of each logit row (TYPE_PAD where nothing is predicted, including the last position). */
  types: Uint8Array;
}

export function shiftTargets(tokens: Int32Array, types: Uint8Array, batchSize: number, seqLen: number): ShiftedTargets {
  const n = batchSize * seqLen;
  if (tokens.length !== n || types.length !== n) {
    throw new Error(`shiftTargets: tokens (${tokens.length}) and types (${types.length}) must both hold ${batchSize}x${seqLen}`);
  }
  const targets = new Int32Array(n);
  const shiftedTypes = new Uint8Array(n);
  for (let b = 0; b < batchSize; b++) {
    for (let j = 0; j < seqLen - 1; j++) {
      targets[b * seqLen + j] = tokens[b * seqLen + j + 1];
      shiftedTypes[b * seqLen + j] = types[b * seqLen + j + 1];
    }
  }
  return { rows: n, targets, types: shiftedTypes };
}

export const isContext = (t: number) => t === TYPE_CONTEXT;
export const isInfill = (t: number) => t === TYPE_ANSWER || t === TYPE_END_OF_ANSWER;
export const isInfillText = (t: number) => t === TYPE_ANSWER;

/**
 * Context-target sampling: keep each context target of example `exampleId` at step `step` with probability
 * `keep` and mark the others untrained (TYPE_PAD), in place. The context mean over a uniform random subset is
 * an unbiased estimate of the context mean, while the output layer (50,264 x width, most of a small model's
 * work) then runs at far fewer rows. Infill targets are never dropped. The draw is a hash of (seed, step,
 * example, position), so it does not depend on how the step is cut into micro-batches.
 */
export function sampleContextTargets(types: Uint8Array, seqLen: number, exampleIds: readonly number[], keep: number, seed: number, step: number): number {
  if (!(keep > 0 && keep <= 1)) throw new Error(`sampleContextTargets: keep must be in (0, 1], got ${keep}`);
  if (keep === 1) return 0;
  const threshold = Math.floor(keep * 4294967296);
  let dropped = 0;
  for (let b = 0; b < exampleIds.length; b++) {
    for (let j = 0; j < seqLen; j++) {
      const i = b * seqLen + j;
      if (types[i] !== TYPE_CONTEXT) continue;
      if (hash4(seed, step, exampleIds[b], j) >= threshold) {
        types[i] = TYPE_PAD;
        dropped++;
      }
    }
  }
  return dropped;
}

/** A 32-bit integer hash of four integers (murmur3's finaliser over a running mix). */
function hash4(a: number, b: number, c: number, d: number): number {
  let h = 0x9e3779b9;
  for (const x of [a, b, c, d]) {
    h = Math.imul(h ^ (x | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Per-row weights such that sum(w * nll) is the training loss; also the counts behind each mean. */
export function lossWeights(types: Uint8Array, minimalSupervision: boolean): { weights: Float32Array; context: number; infill: number } {
  let context = 0;
  let infill = 0;
  for (const t of types) {
    if (isContext(t)) context++;
    else if (isInfill(t)) infill++;
  }
  const weights = new Float32Array(types.length);
  const wc = !minimalSupervision && context > 0 ? 1 / context : 0;
  const wi = infill > 0 ? 1 / infill : 0;
  for (let i = 0; i < types.length; i++) {
    if (isContext(types[i])) weights[i] = wc;
    else if (isInfill(types[i])) weights[i] = wi;
  }
  return { weights, context, infill };
}

function flatIndices(targets: Int32Array, vocab: number): Int32Array {
  const idx = new Int32Array(targets.length);
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (t < 0 || t >= vocab) throw new Error(`target token ${t} outside the vocabulary of ${vocab}`);
    idx[i] = i * vocab + t;
  }
  return idx;
}

/**
 * Weighted cross-entropy sum(w_i * -log softmax(logits_i)[target_i]) for logits [N,V], differentiable with
 * respect to the logits on every backend.
 */
export function weightedCrossEntropy(logits2d: tf.Tensor2D, targets: Int32Array, weights: Float32Array): tf.Scalar {
  // The same function as one fused OpenBLAS-side kernel when the native kernels are active (much faster).
  const native = tryWeightedCrossEntropyNative(logits2d, targets, weights);
  if (native) return native;
  return weightedCrossEntropyTf(logits2d, targets, weights);
}

/** `weightedCrossEntropy` in TensorFlow.js operations alone (any backend). */
export function weightedCrossEntropyTf(logits2d: tf.Tensor2D, targets: Int32Array, weights: Float32Array): tf.Scalar {
  const [n, vocab] = logits2d.shape;
  const idx = tf.tensor1d(flatIndices(targets, vocab), 'int32');
  const w = tf.tensor1d(weights, 'float32');
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x2 = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    const lse = tf.logSumExp(x2, 1);
    const picked = tf.gather(tf.reshape(x2, [n * vocab]), idx);
    const value = tf.sum(tf.mul(tf.sub(lse, picked), w)) as tf.Scalar;
    save([x2, w, idx]); // kept by the engine for the backward pass (the forward scope disposes the rest)
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sw, sidx] = saved;
        const wdy = tf.mul(sw, dy as tf.Tensor);
        const scaled = tf.reshape(tf.mul(tf.softmax(sx as tf.Tensor2D), tf.expandDims(wdy, 1)), [n * vocab]);
        const atTarget = tf.sub(tf.gather(scaled, sidx), wdy);
        return tf.reshape(tf.tensorScatterUpdate(scaled, tf.expandDims(sidx, 1), atTarget), [n, vocab]);
      },
    };
  });
  return f(logits2d) as tf.Scalar;
}

/** The ILM training loss of one micro-batch: infill mean + context mean (or the infill mean alone). */
export function ilmTrainingLoss(
  logits: tf.Tensor3D,
  tokens: Int32Array,
  types: Uint8Array,
  opts: { minimalSupervision?: boolean } = {},
): { loss: tf.Scalar; contextTokens: number; infillTokens: number } {
  const [b, t, v] = logits.shape;
  const shifted = shiftTargets(tokens, types, b, t);
  const { weights, context, infill } = lossWeights(shifted.types, opts.minimalSupervision ?? false);
  const loss = weightedCrossEntropy(tf.reshape(logits, [b * t, v]) as tf.Tensor2D, shifted.targets, weights);
  return { loss, contextTokens: context, infillTokens: infill };
}

/** Per-row negative log-likelihood of the targets (no gradient), for evaluation. */
export async function tokenNll(logits: tf.Tensor3D, targets: Int32Array): Promise<Float32Array> {
  const [b, t, v] = logits.shape;
  const nll = tf.tidy(() => {
    const x = tf.reshape(logits, [b * t, v]) as tf.Tensor2D;
    // One fused pass when the native kernels are active; else log-sum-exp and a gather in TensorFlow.js.
    const native = tryTokenNllNative(x, targets);
    if (native) return native;
    const idx = tf.tensor1d(flatIndices(targets, v), 'int32');
    return tf.sub(tf.logSumExp(x, 1), tf.gather(tf.reshape(x, [b * t * v]), idx));
  });
  const data = (await nll.data()) as Float32Array;
  nll.dispose();
  return data;
}

/** Summed NLL and token counts of the three evaluation groups; add batches with `addSums`. */
export interface LossSums {
  contextSum: number;
  contextCount: number;
  infillSum: number;
  infillCount: number;
  infillTextSum: number;
  infillTextCount: number;
}

export const emptySums = (): LossSums => ({ contextSum: 0, contextCount: 0, infillSum: 0, infillCount: 0, infillTextSum: 0, infillTextCount: 0 });

/** Accumulate per-row NLLs by target type, in float64 and in row order (deterministic). */
export function accumulateSums(sums: LossSums, nll: Float32Array, types: Uint8Array): LossSums {
  for (let i = 0; i < types.length; i++) {
    const ty = types[i];
    if (isContext(ty)) {
      sums.contextSum += nll[i];
      sums.contextCount++;
    } else if (isInfill(ty)) {
      sums.infillSum += nll[i];
      sums.infillCount++;
      if (isInfillText(ty)) {
        sums.infillTextSum += nll[i];
        sums.infillTextCount++;
      }
    }
  }
  return sums;
}

export function addSums(a: LossSums, b: LossSums): LossSums {
  return {
    contextSum: a.contextSum + b.contextSum,
    contextCount: a.contextCount + b.contextCount,
    infillSum: a.infillSum + b.infillSum,
    infillCount: a.infillCount + b.infillCount,
    infillTextSum: a.infillTextSum + b.infillTextSum,
    infillTextCount: a.infillTextCount + b.infillTextCount,
  };
}

/** Token-weighted evaluation sums of one batch. */
export async function ilmEvalSums(logits: tf.Tensor3D, tokens: Int32Array, types: Uint8Array): Promise<LossSums> {
  const [b, t] = logits.shape;
  const shifted = shiftTargets(tokens, types, b, t);
  const nll = await tokenNll(logits, shifted.targets);
  return accumulateSums(emptySums(), nll, shifted.types);
}

// ---------------------------------------------------------------- losses at the trained rows only

/**
 * The rows of a batch that carry a loss, in row order: what the output layer and the cross-entropy are computed
 * for (padding, blanks, separators and the last position are skipped before the 50k-wide output layer).
 */
export interface LossRows {
  /** Flattened row indices b * T + j (row j of sequence b predicts token j + 1). */
  positions: Int32Array;
  targets: Int32Array;
  /** Target type of each kept row. */
  types: Uint8Array;
  /** sum(weights * nll) over all micro-batches of a step is the step's loss (training only). */
  weights: Float32Array;
}

/** Context and infill target counts of a shifted batch (what the loss means are taken over). */
export function countTargets(types: Uint8Array, minimalSupervision = false): { context: number; infill: number } {
  let context = 0;
  let infill = 0;
  for (const t of types) {
    if (isContext(t)) context++;
    else if (isInfill(t)) infill++;
  }
  return { context: minimalSupervision ? 0 : context, infill };
}

/**
 * The trained rows of one micro-batch and their weights. `totals` are the context and infill counts of the
 * whole optimizer step (every micro-batch of it), so that the micro-batch losses add up to the loss of one big
 * batch: context mean + infill mean over all the step's tokens. Gradient accumulation then weights each
 * micro-batch by its trained tokens, not equally. Without `totals` the micro-batch is the whole step.
 */
export function trainingRows(shifted: ShiftedTargets, opts: { minimalSupervision?: boolean; totals?: { context: number; infill: number } } = {}): LossRows {
  const minimal = opts.minimalSupervision ?? false;
  const totals = opts.totals ?? countTargets(shifted.types, minimal);
  const wc = !minimal && totals.context > 0 ? 1 / totals.context : 0;
  const wi = totals.infill > 0 ? 1 / totals.infill : 0;
  let n = 0;
  for (const t of shifted.types) if ((isContext(t) && wc > 0) || (isInfill(t) && wi > 0)) n++;
  const rows: LossRows = { positions: new Int32Array(n), targets: new Int32Array(n), types: new Uint8Array(n), weights: new Float32Array(n) };
  let k = 0;
  for (let i = 0; i < shifted.rows; i++) {
    const t = shifted.types[i];
    const w = isContext(t) ? wc : isInfill(t) ? wi : 0;
    if (w === 0) continue;
    rows.positions[k] = i;
    rows.targets[k] = shifted.targets[i];
    rows.types[k] = t;
    rows.weights[k] = w;
    k++;
  }
  return rows;
}

/** The rows evaluation scores (every context and infill target), with weight 1. */
export function evaluationRows(shifted: ShiftedTargets): LossRows {
  let n = 0;
  for (const t of shifted.types) if (isContext(t) || isInfill(t)) n++;
  const rows: LossRows = { positions: new Int32Array(n), targets: new Int32Array(n), types: new Uint8Array(n), weights: new Float32Array(n).fill(1) };
  let k = 0;
  for (let i = 0; i < shifted.rows; i++) {
    const t = shifted.types[i];
    if (!(isContext(t) || isInfill(t))) continue;
    rows.positions[k] = i;
    rows.targets[k] = shifted.targets[i];
    rows.types[k] = t;
    k++;
  }
  return rows;
}

/** Per-row negative log-likelihood of `targets` under logits [P, V] (no gradient). */
export async function rowNll(logits2d: tf.Tensor2D, targets: Int32Array): Promise<Float32Array> {
  const [p, v] = logits2d.shape;
  if (p === 0) return new Float32Array(0);
  const nll = tf.tidy(() => {
    const native = tryTokenNllNative(logits2d, targets);
    if (native) return native;
    const idx = tf.tensor1d(flatIndices(targets, v), 'int32');
    return tf.sub(tf.logSumExp(logits2d, 1), tf.gather(tf.reshape(logits2d, [p * v]), idx));
  });
  const data = (await nll.data()) as Float32Array;
  nll.dispose();
  return data;
}
