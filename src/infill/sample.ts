/**
 * Choosing the next token from a row of logits: temperature, top-k (Fan et al. 2018, "Hierarchical Neural
 * Story Generation") and nucleus / top-p sampling (Holtzman et al. 2020, "The Curious Case of Neural Text
 * Degeneration"), with randomness only from the project's seeded `Rng`, so the same seed gives the same fills.
 *
 * Ties in probability are broken by token id, so the kept set never depends on the sort algorithm.
 */
import { Rng } from '../runtime/rng';
import { UserError } from '../runtime/errors';

export interface SamplingOptions {
  /** Divide the logits by this before the softmax; 1 keeps the model's distribution. Must be > 0. */
  temperature?: number;
  /** Keep only the k most probable tokens (0 or undefined: no limit). */
  topK?: number;
  /** Keep the smallest set of most probable tokens whose probability reaches p (1: no limit). */
  nucleus?: number;
}

/** Defaults of the reference implementation (spec section 6): nucleus 0.95, temperature 1, no top-k. */
export const DEFAULT_SAMPLING: Required<SamplingOptions> = { temperature: 1, topK: 0, nucleus: 0.95 };

/** Fill in defaults and reject values that would make sampling meaningless, naming the option to fix. */
export function resolveSampling(options: SamplingOptions = {}): Required<SamplingOptions> {
  const s = {
    temperature: options.temperature ?? DEFAULT_SAMPLING.temperature,
    topK: options.topK ?? DEFAULT_SAMPLING.topK,
    nucleus: options.nucleus ?? DEFAULT_SAMPLING.nucleus,
  };
  if (!(s.temperature > 0) || !Number.isFinite(s.temperature)) {
    throw new UserError(`temperature must be a number > 0, got ${options.temperature}. Fix: use e.g. --temperature 1`);
  }
  if (!Number.isInteger(s.topK) || s.topK < 0) {
    throw new UserError(`top-k must be a whole number >= 0 (0 = no limit), got ${options.topK}. Fix: use e.g. --top-k 40`);
  }
  if (!(s.nucleus > 0 && s.nucleus <= 1)) {
    throw new UserError(`nucleus must be in (0, 1], got ${options.nucleus}. Fix: use e.g. --nucleus 0.95`);
  }
  return s;
}

/** Fraction of the top probability below which tokens are left out of the first, cheap attempt. */
const PREFILTER = 1e-4;

/**
 * Sample one token id from `logits[offset .. offset+vocab)`. `allowed(id)` false removes a token before
 * anything else (e.g. ILM control tokens inside an answer).
 *
 * The kept set (top-k, then the nucleus of the renormalised top-k distribution) is found from a sorted copy of
 * the probabilities: the cut value c is the probability at which the running count from the top reaches k,
 * or earlier, the running mass reaches p times the mass of those k tokens;
 * tokens above c are kept, and tokens equal to c in id order until the count is met. The draw then walks the
 * kept tokens in id order. Tokens far below the top one are set aside before sorting; that is exact because
 * when the remaining ones already reach the mass (or k) the cut lies among them; otherwise all are sorted.
 */
export function sampleToken(
  logits: ArrayLike<number>,
  offset: number,
  vocab: number,
  sampling: Required<SamplingOptions>,
  rng: Rng,
  allowed?: (id: number) => boolean,
): number {
  const invT = 1 / sampling.temperature;
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) {
    if (allowed && !allowed(i)) continue;
    const v = logits[offset + i] * invT;
    if (v > max) max = v;
  }
  if (max === -Infinity) throw new Error('sampleToken: no token is allowed or every logit is -Infinity');
  const probs = new Float64Array(vocab);
  let total = 0;
  let candidates = 0;
  for (let i = 0; i < vocab; i++) {
    if (allowed && !allowed(i)) continue;
    const p = Math.exp(logits[offset + i] * invT - max);
    probs[i] = p;
    total += p;
    if (p >= PREFILTER) candidates++;
  }
  const limitK = sampling.topK > 0 ? Math.min(sampling.topK, vocab) : vocab;
  const hasTopK = limitK < vocab;

  /**
   * The cut over `values` (sorted ascending here), or null when they cannot decide it (a first try over the
   * candidates alone that holds fewer than k tokens, or whose mass never reaches the nucleus). Top-k comes
   * first: the nucleus mass is p times the mass of the k kept tokens (the renormalised top-k distribution),
   * not p times the whole distribution.
   */
  const cut = (values: Float64Array, complete: boolean): { c: number; ties: number } | null => {
    values.sort();
    const n = values.length;
    if (hasTopK && n < limitK && !complete) return null;
    const kk = Math.min(limitK, n);
    let massK = total;
    if (hasTopK) {
      massK = 0;
      for (let j = n - 1; j >= n - kk; j--) massK += values[j];
    }
    const needMass = sampling.nucleus * massK * (1 - 1e-12);
    let cum = 0;
    for (let j = n - 1, count = 1; j >= n - kk; j--, count++) {
      cum += values[j];
      if ((hasTopK && count >= kk) || cum >= needMass) {
        const c = values[j];
        let above = j + 1;
        while (above < n && values[above] === c) above++;
        return { c, ties: above - j };
      }
    }
    return null;
  };

  let kept: { c: number; ties: number } | null = null;
  if (hasTopK || sampling.nucleus < 1) {
    const firstTry = new Float64Array(candidates);
    for (let i = 0, n = 0; i < vocab; i++) if (probs[i] >= PREFILTER) firstTry[n++] = probs[i];
    kept = cut(firstTry, false) ?? cut(probs.slice(), true) ?? { c: 0, ties: vocab };
  }
  let mass = total;
  if (kept) {
    mass = 0;
    let ties = kept.ties;
    for (let i = 0; i < vocab; i++) {
      const p = probs[i];
      if (p > kept.c || (p === kept.c && p > 0 && ties-- > 0)) mass += p;
      else probs[i] = 0;
    }
  }
  let u = rng.float() * mass;
  let last = -1;
  for (let i = 0; i < vocab; i++) {
    if (probs[i] === 0) continue;
    last = i;
    u -= probs[i];
    if (u < 0) return i;
  }
  return last;
}

/** Natural-log softmax probability of `id` in `logits[offset .. offset+vocab)` (temperature 1, no cuts). */
export function logProbOf(logits: ArrayLike<number>, offset: number, vocab: number, id: number): number {
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) if (logits[offset + i] > max) max = logits[offset + i];
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i] - max);
  return logits[offset + id] - max - Math.log(sum);
}

/** The whole log-softmax of one row, for callers that read many entries of it. */
export function logSoftmaxRow(logits: ArrayLike<number>, offset: number, vocab: number): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) if (logits[offset + i] > max) max = logits[offset + i];
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i] - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(vocab);
  for (let i = 0; i < vocab; i++) out[i] = logits[offset + i] - lse;
  return out;
}
