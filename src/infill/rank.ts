/**
 * Scored candidates, which the reference lacks and its users ask for (spec section 7): the log-probability the
 * model gives to fills a person proposes, and the most probable single-token fills of a blank.
 *
 * A fill's probability is that of its tokens followed by the end-of-answer token: without the end token,
 * " go" would also be credited with the probability of every longer fill that starts with it (" good").
 *
 * Scoring `with-next-word` widens each word blank over the word after it (an n-gram blank) and scores each
 * candidate followed by that word: P(x w | L, R) instead of P(x | L, w R). By the chain rule
 * P(x w | L, R) = P(w | L, R) P(x | L, w R), and the first factor is the same for every candidate, so an exact
 * model ranks alike either way. A small model does not: it reads the word after a blank poorly from the context
 * but well inside its own answer, left to right (after " an" it expects " elephant", not " car"), which is what
 * a/an hangs on (BENCHMARKS.md, "Scoring a fill with the word after it"). It is the default because it ranked
 * more held-out word choices right (rank-scoring.ts); `blank` remains for P(x | L, w R) itself.
 */
import * as tf from '@tensorflow/tfjs';
import type { GPT2 } from '../model/gpt2';
import { UserError } from '../runtime/errors';
import { DEFAULT_RANK_SCORING, RANK_SCORINGS, type RankScoring } from './rank-scoring';
import { encodePieces, fillBlanks, normalizeFill, parseBlankedText, type ParsedText } from './blanks';
import { branchCache, disposeCache, prefill } from './forward';
import { infillPrompt } from './infill';
import { logProbOf, logSoftmaxRow } from './sample';
import { END_ID, SEP_ID, allowedInAnswer, decodeTokens, encodeText } from './vocab';

/** One scored token of a fill. */
export interface TokenScore {
  id: number;
  /** The token's text ("<|endofinfill|>" for the end of an answer). */
  token: string;
  /** Natural-log probability given everything before it. */
  logProb: number;
  /** Index of the blank the token answers. */
  blank: number;
  /** True for the end-of-answer token. */
  end: boolean;
}

export interface RankedCandidate {
  /** The candidate as given. */
  candidate: string;
  /** The fills as scored (a blank written after a space gets a fill starting with a space). */
  fills: string[];
  /** The filled text. */
  text: string;
  /** Sum of the token log-probabilities, end tokens included (scoring `with-next-word`: the next word's too). */
  logProb: number;
  /** logProb per token (end tokens counted). */
  meanLogProb: number;
  /**
   * The candidate's probability among the candidates given (exp(logProb), normalised over them). Unlike logProb,
   * it means the same under both scorings (the next word's factor cancels): P(fill | context, one of these).
   */
  share: number;
  /** The scored answer tokens (scoring `with-next-word`: each fill's, then the next word's, then the end token). */
  tokens: TokenScore[];
}

/** Largest number of logits (rows x positions x V) one scoring step may hold (~64 MB). */
const MAX_LOGITS = 16 * 1024 * 1024;

/**
 * Log-probabilities of answer token sequences (one list of answers per candidate) after a shared prompt.
 * The prompt is fed once into a key/value cache, which is branched for each chunk of candidates; the answers
 * (each followed by its end token) are then scored with one step per chunk.
 */
export async function scoreAnswerSets(model: GPT2, prompt: number[], answerSets: number[][][]): Promise<TokenScore[][]> {
  const V = model.config.vocab_size;
  const seqs = answerSets.map((answers) => {
    const ids: number[] = [];
    const blank: number[] = [];
    answers.forEach((a, i) => {
      for (const id of [...a, END_ID]) {
        ids.push(id);
        blank.push(i);
      }
    });
    return { ids, blank };
  });
  const longest = Math.max(...seqs.map((s) => s.ids.length));
  if (prompt.length + longest > model.config.n_positions) {
    throw new UserError(`the text and its longest candidate take ${prompt.length + longest} tokens, more than the model's ${model.config.n_positions}. Fix: shorten the text or the candidates`);
  }
  const single = model.newCache(1);
  const results: TokenScore[][] = [];
  try {
    const first = await prefill(model, single, [prompt]);
    const firstLogp = logSoftmaxRow(first, 0, V);
    // Token j of a sequence is predicted by the logits after token j-1; token 0 by the prompt's last position.
    const cacheFloats = 2 * model.config.n_layer * model.config.n_embd * (prompt.length + longest);
    const chunk = Math.max(1, Math.min(Math.floor(MAX_LOGITS / (Math.max(1, longest - 1) * V)), Math.floor(MAX_LOGITS / cacheFloats)));
    for (let start = 0; start < seqs.length; start += chunk) {
      const group = seqs.slice(start, start + chunk);
      const L = longest - 1; // inputs: every token but the last of the longest
      let logits: Float32Array | null = null;
      if (L > 0) {
        const cache = branchCache(model, single, group.length);
        try {
          const ids = new Int32Array(group.length * L).fill(END_ID); // padding after a short sequence is never read
          group.forEach((s, r) => ids.set(s.ids.slice(0, Math.min(L, s.ids.length - 1)), r * L));
          const out = tf.tidy(() => model.step(tf.tensor2d(ids, [group.length, L], 'int32'), cache));
          logits = (await out.data()) as Float32Array;
          out.dispose();
        } finally {
          disposeCache(cache);
        }
      }
      group.forEach((s, r) => {
        const scores: TokenScore[] = s.ids.map((id, j) => {
          const logProb = j === 0 ? firstLogp[id] : logSoftmaxRow(logits!, (r * L + j - 1) * V, V)[id];
          return { id, token: id === END_ID ? '<|endofinfill|>' : decodeTokens([id]), logProb, blank: s.blank[j], end: id === END_ID };
        });
        results.push(scores);
      });
    }
  } finally {
    disposeCache(single);
  }
  return results;
}

/** Split a candidate into one fill per blank: `|` separates fills when the text has several blanks. */
export function candidateFills(parsed: ParsedText, candidate: string | string[]): string[] {
  const n = parsed.blanks.length;
  const parts = Array.isArray(candidate) ? candidate : n === 1 ? [candidate] : candidate.split('|');
  if (parts.length !== n) {
    throw new UserError(`candidate "${Array.isArray(candidate) ? candidate.join('|') : candidate}" gives ${parts.length} fill(s) for ${n} blank(s). Fix: give one fill per blank, separated by "|" (e.g. "goes|home")`);
  }
  return parts.map((p, i) => normalizeFill(parsed.blanks[i], p.trim()));
}

export { DEFAULT_RANK_SCORING, RANK_SCORINGS, type RankScoring };

export interface RankOptions {
  /** A word blank widened over the next word ('with-next-word', the default) or the blank as written (module comment). */
  scoring?: RankScoring;
}

/** A word right after a blank: its white space and the word ("she ate [MASK] apple": " ", "apple"). */
const NEXT_WORD = /^(\s+)([\p{L}\p{N}][\p{L}\p{N}'’-]*)/u;

/**
 * The text as scored `with-next-word`: every word blank followed by a word becomes an n-gram blank over both,
 * and `suffixes[i]` is what each fill of blank i is scored with after it ('' where nothing was widened).
 */
export function widenOverNextWord(parsed: ParsedText): { parsed: ParsedText; suffixes: string[] } {
  const pieces = [...parsed.pieces];
  const suffixes: string[] = [];
  const blanks = parsed.blanks.map((b, i) => {
    const m = b.type === 'word' ? NEXT_WORD.exec(pieces[i + 1]) : null;
    if (!m) {
      suffixes.push('');
      return b;
    }
    suffixes.push(m[0]);
    pieces[i + 1] = pieces[i + 1].slice(m[0].length);
    return { ...b, type: 'ngram' as const };
  });
  return { parsed: { source: parsed.source, pieces, blanks }, suffixes };
}

/** Each candidate's log-probability as the fill(s) of `text`'s blanks, most probable first (ties: given order). */
export async function rank(model: GPT2, text: string, candidates: Array<string | string[]>, options: RankOptions = {}): Promise<RankedCandidate[]> {
  if (candidates.length === 0) throw new UserError('no candidates to rank. Fix: give at least one candidate fill, e.g. --rank goes go');
  const scoring = options.scoring ?? DEFAULT_RANK_SCORING;
  if (!RANK_SCORINGS.includes(scoring)) throw new UserError(`scoring must be one of ${RANK_SCORINGS.join(', ')}, got "${scoring}". Fix: pass one of them`);
  const parsed = parseBlankedText(text);
  const fillSets = candidates.map((c) => candidateFills(parsed, c));
  const scored = scoring === 'with-next-word' ? widenOverNextWord(parsed) : { parsed, suffixes: parsed.blanks.map(() => '') };
  const prompt = [...encodePieces(scored.parsed.pieces.map(encodeText), scored.parsed.blanks.map((b) => b.type)).tokens, SEP_ID];
  const scores = await scoreAnswerSets(model, prompt, fillSets.map((fills) => fills.map((f, i) => encodeText(f + scored.suffixes[i]))));
  const logProbs = scores.map((tokens) => tokens.reduce((a, t) => a + t.logProb, 0));
  const logShares = logSoftmaxRow(logProbs, 0, logProbs.length); // from the largest term: no share underflows to 0 / 0
  const ranked = candidates.map((c, i) => {
    const tokens = scores[i];
    const logProb = logProbs[i];
    return {
      candidate: Array.isArray(c) ? c.join('|') : c,
      fills: fillSets[i],
      text: fillBlanks(parsed, fillSets[i]).text,
      logProb,
      meanLogProb: logProb / tokens.length,
      share: Math.exp(logShares[i]),
      tokens,
      order: i,
    };
  });
  ranked.sort((a, b) => b.logProb - a.logProb || a.order - b.order);
  return ranked.map(({ order: _order, ...rest }) => rest);
}

export interface TopFill {
  id: number;
  /** The fill's text (with its leading space, as the model writes it). */
  fill: string;
  /** P(token, then end of answer). */
  probability: number;
  logProb: number;
}

export interface TopFills {
  fills: TopFill[];
  /** First-token candidates whose end-of-answer probability was computed. */
  examined: number;
  /** True when the list is provably the exact top K (see `topFills`). */
  exact: boolean;
}

/**
 * The K most probable single-token fills of a one-blank text: P(t) x P(end | t) over tokens t. A fill's
 * probability is at most its first factor, so the candidates are examined in order of P(t), in doubling batches,
 * until the K-th best complete probability is at least the next unexamined P(t): then no token left out can
 * enter the list and the answer is exact. `maxExamined` caps the work (the result says whether it is exact).
 */
export async function topFills(model: GPT2, text: string, k: number, maxExamined = 256): Promise<TopFills> {
  if (!Number.isInteger(k) || k < 1) throw new UserError(`--top must be a whole number >= 1, got ${k}. Fix: use e.g. --top 10`);
  const { parsed, prompt } = infillPrompt(text);
  if (parsed.blanks.length !== 1) {
    throw new UserError(`single-token fills need a text with exactly one blank, this one has ${parsed.blanks.length}. Fix: keep one [MASK] in the text`);
  }
  if (prompt.length + 1 > model.config.n_positions) {
    throw new UserError(`the text takes ${prompt.length} tokens, the model reads at most ${model.config.n_positions - 1} before a fill. Fix: shorten the text`);
  }
  const V = model.config.vocab_size;
  const single = model.newCache(1);
  try {
    const first = logSoftmaxRow(await prefill(model, single, [prompt]), 0, V);
    const order: number[] = [];
    for (let id = 0; id < V; id++) if (id !== END_ID && allowedInAnswer(id)) order.push(id);
    order.sort((a, b) => first[b] - first[a] || a - b);
    const found: TopFill[] = [];
    let examined = 0;
    let batch = Math.max(16, 2 * k);
    // Bounded by the logits of a step and by the branched cache (2 x layers x width x prompt per row).
    const cacheFloats = 2 * model.config.n_layer * model.config.n_embd * prompt.length;
    const chunk = Math.max(1, Math.min(Math.floor(MAX_LOGITS / V), Math.floor(MAX_LOGITS / cacheFloats)));
    for (;;) {
      const upto = Math.min(order.length, maxExamined, examined + batch);
      for (let s = examined; s < upto; s += chunk) {
        const ids = order.slice(s, Math.min(upto, s + chunk));
        const cache = branchCache(model, single, ids.length);
        try {
          const out = tf.tidy(() => tf.reshape(model.step(tf.tensor2d(Int32Array.from(ids), [ids.length, 1], 'int32'), cache), [ids.length * V]));
          const logits = (await out.data()) as Float32Array;
          out.dispose();
          ids.forEach((id, r) => {
            const logProb = first[id] + logProbOf(logits, r * V, V, END_ID);
            found.push({ id, fill: decodeTokens([id]), probability: Math.exp(logProb), logProb });
          });
        } finally {
          disposeCache(cache);
        }
      }
      examined = upto;
      found.sort((a, b) => b.logProb - a.logProb || a.id - b.id);
      const kth = found.length >= k ? found[k - 1].logProb : -Infinity;
      const exact = examined >= order.length || kth >= first[order[examined]];
      if (exact || examined >= Math.min(order.length, maxExamined)) return { fills: found.slice(0, k), examined, exact };
      batch *= 2;
    }
  } finally {
    disposeCache(single);
  }
}
