/**
 * One optimizer step's gradients: the step's examples are cut into micro-batches, each micro-batch's loss is
 * computed at its trained rows only (the output layer and the cross-entropy skip padding, blanks and
 * separators), and the gradients are summed.
 *
 * Weighting: the training loss of a step is context mean + infill mean over ALL the step's trained tokens
 * (spec section 4, as one big batch). Each micro-batch's rows are weighted with the step's totals
 * (1 / step context tokens, 1 / step infill tokens), so the sum of the micro-batch losses and gradients is
 * exactly the loss and gradient of the whole step taken at once: a micro-batch with more trained tokens counts
 * more, and accumulation equals one big batch up to float rounding (test/train-accumulation.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { GPT2 } from '../model/gpt2';
import type { ExampleBatch } from './data';
import { ShiftedTargets, countTargets, sampleContextTargets, shiftTargets, trainingRows, weightedCrossEntropy } from '../objective/loss';
import { GradientAccumulator } from './optimizer';

export interface StepGradients {
  /** Summed gradients by Hugging Face weight name (owned by the caller). */
  grads: Map<string, tf.Tensor>;
  /** The step's loss (context mean + infill mean over the step). */
  loss: number;
  /** Tokens in the step's sequences (B x T summed), for tokens/s. */
  tokens: number;
  /** Rows that carried a loss. */
  trainedTokens: number;
  examples: number;
}

/** Called before each micro-batch's forward pass (tests inject failures here). */
export type MicroBatchHook = (info: { step: number; micro: number; batchSize: number; seqLen: number }) => void;

export interface StepOptions {
  /** The step number (1-based, as logged) and a dropout seed per micro-batch. */
  step: number;
  dropoutSeed: (micro: number) => number;
  minimalSupervision: boolean;
  /**
   * Keep this share of the context targets (drawn per example and position, see sampleContextTargets);
   * `examples` are the example indices of each micro-batch. Absent: every context target is trained.
   */
  contextSample?: { keep: number; seed: number; examples: number[][] };
  beforeMicroBatch?: MicroBatchHook;
  /**
   * Sum the micro-batches' gradients in JavaScript memory (GradientAccumulator's `onHost`): on wasm the
   * 4 GiB heap then holds one micro-batch's gradients, not two sets. Bit-identical to summing on the backend.
   */
  accumulateOnHost?: boolean;
}

/** Cut a list of example indices into micro-batches of at most `size`. */
export function chunk(indices: number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < indices.length; i += size) out.push(indices.slice(i, i + size));
  return out;
}

/** Gradients and loss of one optimizer step over `batches` (its micro-batches, already cut to length). */
export async function stepGradients(model: GPT2, batches: ExampleBatch[], opts: StepOptions): Promise<StepGradients> {
  const shifted: ShiftedTargets[] = batches.map((b) => shiftTargets(b.tokens, b.types, b.batchSize, b.seqLen));
  const cs = opts.contextSample;
  if (cs && cs.keep < 1) {
    shifted.forEach((s, k) => sampleContextTargets(s.types, batches[k].seqLen, cs.examples[k], cs.keep, cs.seed, opts.step));
  }
  const totals = { context: 0, infill: 0 };
  for (const s of shifted) {
    const c = countTargets(s.types, opts.minimalSupervision);
    totals.context += c.context;
    totals.infill += c.infill;
  }
  const varNames = new Map<string, string>();
  for (const [name, v] of model.weights) varNames.set(v.name, name);
  const varList = [...model.weights.values()];
  // A single micro-batch needs no sum: its gradients stay where they are.
  const acc = new GradientAccumulator({ onHost: opts.accumulateOnHost === true && batches.length > 1 });
  let loss = 0;
  let tokens = 0;
  let trainedTokens = 0;
  let examples = 0;
  try {
    for (let k = 0; k < batches.length; k++) {
      const batch = batches[k];
      tokens += batch.batchSize * batch.seqLen;
      examples += batch.batchSize;
      const rows = trainingRows(shifted[k], { minimalSupervision: opts.minimalSupervision, totals });
      if (rows.positions.length === 0) continue; // nothing to learn from: no forward pass at all
      trainedTokens += rows.positions.length;
      opts.beforeMicroBatch?.({ step: opts.step, micro: k, batchSize: batch.batchSize, seqLen: batch.seqLen });
      const input = tf.tensor2d(batch.tokens, [batch.batchSize, batch.seqLen], 'int32');
      const seed = opts.dropoutSeed(k);
      try {
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.logitsAt(input, rows.positions, { training: true, dropoutSeed: seed });
          return weightedCrossEntropy(logits, rows.targets, rows.weights);
        }, varList);
        try {
          loss += (await value.data())[0];
          const named = new Map<string, tf.Tensor>();
          for (const [vn, t] of Object.entries(grads)) named.set(varNames.get(vn)!, t);
          await acc.add(named);
        } finally {
          tf.dispose([value, ...Object.values(grads)]);
        }
      } finally {
        input.dispose();
      }
    }
    const grads = acc.count > 0 ? acc.sum() : zeroGradients(model);
    return { grads, loss, tokens, trainedTokens, examples };
  } catch (err) {
    acc.dispose();
    throw err;
  }
}

/** Zero gradients for every weight (a step whose examples carry no trained token). */
function zeroGradients(model: GPT2): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, v] of model.weights) out.set(name, tf.zerosLike(v));
  return out;
}
