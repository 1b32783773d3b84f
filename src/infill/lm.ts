/**
 * The left-to-right baseline of the ILM paper (Donahue et al. 2020, the "LM" rows): a model trained on
 * documents alone sees only the text before a blank. It scores a span by the log-probability of the span's
 * tokens given everything to their left, and fills a blank by sampling as many tokens as the original span
 * had (it has no end-of-answer token, so the original length is the sensible stop). Later blanks are sampled
 * after the model's own earlier fills and the text between them, as left-to-right generation goes.
 */
import type { GPT2 } from '../model/gpt2';
import { Rng } from '../runtime/rng';
import { UserError } from '../runtime/errors';
import { branchCache, decodeStep, disposeCache, prefill, tokenLogProbs } from './forward';
import { logProbOf, resolveSampling, sampleToken, type SamplingOptions } from './sample';
import { isPlainTextToken } from './vocab';

/** The document as pieces of context around spans: pieces.length = spans.length + 1. */
export interface SpannedTokens {
  pieces: number[][];
  spans: number[][];
}

function checkShape(doc: SpannedTokens, model: GPT2): number {
  if (doc.pieces.length !== doc.spans.length + 1) throw new Error('lm: need one more context piece than spans');
  if (doc.pieces[0].length === 0) {
    throw new UserError('a left-to-right model cannot score or fill a span at the very start of a text (it has no left context). Fix: keep the first token unmasked');
  }
  if (doc.spans.some((s) => s.length === 0)) throw new Error('lm: empty span');
  const total = doc.pieces.reduce((a, p) => a + p.length, 0) + doc.spans.reduce((a, s) => a + s.length, 0);
  if (total > model.config.n_positions) {
    throw new UserError(`the text is ${total} tokens, more than the model's ${model.config.n_positions}. Fix: cut the texts shorter (e.g. --max-chars)`);
  }
  return total;
}

/** Log-probability of every span token given the original text to its left, per span. One forward pass. */
export async function lmSpanLogProbs(model: GPT2, doc: SpannedTokens): Promise<number[][]> {
  checkShape(doc, model);
  const seq: number[] = [];
  const ranges: Array<[number, number]> = [];
  doc.spans.forEach((span, i) => {
    seq.push(...doc.pieces[i]);
    ranges.push([seq.length, seq.length + span.length]);
    seq.push(...span);
  });
  const lastSpanEnd = seq.length;
  seq.push(...doc.pieces[doc.spans.length]);
  const all = await tokenLogProbs(model, seq, 1, lastSpanEnd);
  return ranges.map(([a, b]) => all.slice(a - 1, b - 1));
}

export interface LmSample {
  /** Sampled token ids per span (each as long as the original span). */
  spans: number[][];
  /** Sum of the model's log-probabilities (temperature 1, no cut) of the sampled tokens. */
  logProb: number;
}

/**
 * Sample `n` fills of every span left to right, each exactly as many tokens as the original span. Rows are
 * a batch with a key/value cache; the shared left context is fed once and the cache branched.
 */
export async function lmSampleSpans(model: GPT2, doc: SpannedTokens, n: number, rng: Rng, options: SamplingOptions = {}): Promise<LmSample[]> {
  const sampling = resolveSampling(options);
  checkShape(doc, model);
  const V = model.config.vocab_size;
  const rows: LmSample[] = Array.from({ length: n }, () => ({ spans: [], logProb: 0 }));
  const single = model.newCache(1);
  let cache = single;
  try {
    let logits = await prefill(model, single, [doc.pieces[0]]);
    let stride = 0;
    cache = branchCache(model, single, n);
    disposeCache(single);
    for (let s = 0; s < doc.spans.length; s++) {
      const length = doc.spans[s].length;
      for (const row of rows) row.spans.push([]);
      for (let t = 0; t < length; t++) {
        const next = rows.map((row, b) => {
          const id = sampleToken(logits, b * stride, V, sampling, rng, isPlainTextToken);
          row.logProb += logProbOf(logits, b * stride, V, id);
          row.spans[s].push(id);
          return id;
        });
        const lastOfSpan = t === length - 1;
        if (!lastOfSpan) logits = await decodeStep(model, cache, next);
        else if (s < doc.spans.length - 1) logits = await prefill(model, cache, next.map((id) => [id, ...doc.pieces[s + 1]]));
        stride = V;
      }
    }
  } finally {
    disposeCache(cache);
    if (cache !== single) disposeCache(single);
  }
  return rows;
}
