/**
 * Evaluation of an ILM model on an example set (spec section 4): token-weighted context loss, infill loss
 * (answers and end-of-answer tokens) and infill-text-only loss (answers alone), their token counts and
 * perplexities exp(loss). The headline number is the infill-text-only perplexity.
 *
 * Sums are accumulated in float64 in a fixed order, so the numbers do not depend on the batch size beyond
 * float32 rounding inside the model.
 */
import * as tf from '@tensorflow/tfjs';
import { GPT2 } from '../model/gpt2';
import { ExampleSource, fitLength } from '../objective/batch';
import { LossSums, accumulateSums, addSums, emptySums, evaluationRows, rowNll, shiftTargets } from '../objective/loss';

export interface GroupMetrics {
  /** Mean negative log-likelihood per token (nats); null without tokens. */
  loss: number | null;
  tokens: number;
  /** exp(loss); null without tokens. */
  perplexity: number | null;
}

export interface EvalMetrics {
  examples: number;
  context: GroupMetrics;
  infill: GroupMetrics;
  infillTextOnly: GroupMetrics;
}

function group(sum: number, count: number): GroupMetrics {
  if (count === 0) return { loss: null, tokens: 0, perplexity: null };
  const loss = sum / count;
  return { loss, tokens: count, perplexity: Math.exp(loss) };
}

export function metricsFromSums(sums: LossSums, examples: number): EvalMetrics {
  return {
    examples,
    context: group(sums.contextSum, sums.contextCount),
    infill: group(sums.infillSum, sums.infillCount),
    infillTextOnly: group(sums.infillTextSum, sums.infillTextCount),
  };
}

export interface EvalBatchOptions {
  batchSize?: number;
  /** Cut or pad examples to this length (default: the stored length, capped at the model's positions). */
  seqLen?: number;
  /** Called after each batch with the number of examples done. */
  onBatch?: (done: number) => void;
}

/**
 * Summed losses of `model` over the examples at `indices` (no dropout). The output layer is computed only at
 * the rows that are scored (context and infill targets). Runs on the active backend (see `initBackend`).
 */
export async function evaluateSums(model: GPT2, source: ExampleSource, indices: number[], opts: EvalBatchOptions = {}): Promise<LossSums> {
  const batchSize = opts.batchSize ?? 8;
  const seqLen = Math.min(opts.seqLen ?? source.seqLen, model.config.n_positions);
  let sums = emptySums();
  for (let start = 0; start < indices.length; start += batchSize) {
    const batch = fitLength(source.batch(indices.slice(start, start + batchSize)), seqLen);
    const rows = evaluationRows(shiftTargets(batch.tokens, batch.types, batch.batchSize, batch.seqLen));
    if (rows.positions.length > 0) {
      const tokens = tf.tensor2d(batch.tokens, [batch.batchSize, batch.seqLen], 'int32');
      const logits = model.logitsAt(tokens, rows.positions, { training: false });
      try {
        sums = addSums(sums, accumulateSums(emptySums(), await rowNll(logits, rows.targets), rows.types));
      } finally {
        tf.dispose([tokens, logits]);
      }
    }
    opts.onBatch?.(Math.min(indices.length, start + batchSize));
  }
  return sums;
}

/** Evaluate on every example of `source` (or the first `maxExamples` of a seeded sample, see train/data). */
export async function evaluateModel(model: GPT2, source: ExampleSource, indices: number[], opts: EvalBatchOptions = {}): Promise<EvalMetrics> {
  return metricsFromSums(await evaluateSums(model, source, indices, opts), indices.length);
}
