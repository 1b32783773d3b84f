/**
 * Masks for the evaluation harness. Every model sees the same masks: they depend only on the text, the
 * seed and the text's index (a generator derived from both), never on the model or on other texts, so a
 * run with a larger --limit keeps the masks of the first texts.
 *
 * - `human-tokens`: whole words (runs of letters and digits, with inner apostrophes and hyphens, so "don't"
 *   and "well-known" are one word); punctuation is never masked. As in training, a word becomes the smallest
 *   run of whole tokens covering it, which takes the space before it (spec section 3).
 * - `random`: random runs of 1..4 subword tokens of the whole text's GPT-2 tokens, wherever they fall.
 *
 * Spans never start at the first token, so the left-to-right baseline always has some text to condition on,
 * and never touch each other (at least one token of context between two spans).
 */
import { Rng } from '../runtime/rng';
import type { BlankType } from './blanks';
import { coveringTokens, tokenizeWithOffsets, type TokenizedText } from '../tokenize/gpt2-bpe';
import { decodeTokens, encodeText } from './vocab';

export type MaskingMode = 'human-tokens' | 'random';
export const MASKING_MODES: readonly MaskingMode[] = ['human-tokens', 'random'];

/** A text cut into context pieces around masked spans, in tokens and (for people) in characters. */
export interface MaskedText {
  /** Token ids of the context pieces (spans + 1). */
  pieceTokens: number[][];
  /** Token ids of the original spans. */
  spanTokens: number[][];
  types: BlankType[];
  /** The spans for people: [start, end) in the (cut) text and the original string. */
  spans: Array<{ start: number; end: number; type: BlankType; original: string }>;
}

/** Most subword tokens in a `random` span. */
export const RANDOM_MAX_RUN = 4;

/** The first `maxChars` characters, cut back to the last white space so no word is split, then trimmed. */
export function cutAtWord(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text.trim();
  let end = maxChars;
  if (!/\s/.test(text[end])) {
    const lastSpace = text.slice(0, end).search(/\s\S*$/);
    if (lastSpace > 0) end = lastSpace;
  }
  return text.slice(0, end).trim();
}

const WORD_RE = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

/** Character offset of a UTF-8 byte offset of `t`'s text (identity for ASCII). */
function byteToChar(t: TokenizedText, byte: number): number {
  const map = t.charToByte;
  if (!map) return byte;
  let lo = 0;
  let hi = map.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (map[mid] >= byte) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Choose `count` of `n` candidates, none next to another and each passing `ok`, uniformly among such sets:
 * draw `count` distinct indices and accept the first draw that qualifies (rejection sampling); null when
 * none qualifies in a bounded number of draws (the text is then too short for the request).
 */
function chooseApart(n: number, count: number, rng: Rng, ok: (i: number) => boolean): number[] | null {
  if (count > n) return null;
  const ids = Array.from({ length: n }, (_, i) => i);
  for (let attempt = 0; attempt < 1000; attempt++) {
    // Partial Fisher-Yates: the first `count` entries become a uniform random subset.
    for (let k = 0; k < count; k++) {
      const j = k + rng.int(n - k);
      [ids[k], ids[j]] = [ids[j], ids[k]];
    }
    const chosen = ids.slice(0, count).sort((a, b) => a - b);
    if (chosen.every((i, k) => ok(i) && (k === 0 || i - chosen[k - 1] > 1))) return chosen;
  }
  return null;
}

/** Cut a text's tokens at token runs (sorted, disjoint) into pieces, spans and human-readable spans. */
function cutTokens(tokens: number[], runs: Array<[number, number]>, types: BlankType[], charRanges: Array<[number, number]>): MaskedText {
  const pieceTokens: number[][] = [];
  const spanTokens: number[][] = [];
  let last = 0;
  for (const [s, e] of runs) {
    pieceTokens.push(tokens.slice(last, s));
    spanTokens.push(tokens.slice(s, e));
    last = e;
  }
  pieceTokens.push(tokens.slice(last));
  return {
    pieceTokens,
    spanTokens,
    types,
    spans: runs.map((_, i) => ({ start: charRanges[i][0], end: charRanges[i][1], type: types[i], original: decodeTokens(spanTokens[i]) })),
  };
}

/**
 * Mask `count` whole words; null when the text has too few. As in training (spec section 3), the text is
 * tokenized once and each word becomes the smallest run of whole tokens covering it, which takes the space
 * before the word with it, so the context and answers are exactly the tokens a trained model saw.
 */
export function maskWords(text: string, count: number, rng: Rng): MaskedText | null {
  const tokenized = tokenizeWithOffsets(text);
  const words = [...text.matchAll(WORD_RE)].map((m) => [m.index!, m.index! + m[0].length] as [number, number]);
  const runs = words.map(([s, e]) => coveringTokens(tokenized, s, e));
  // Words apart from each other have disjoint token runs; a run at token 0 would leave an LM no context.
  const chosen = chooseApart(words.length, count, rng, (i) => runs[i][0] > 0 && (i === 0 || runs[i - 1][1] <= runs[i][0]) && (i === runs.length - 1 || runs[i][1] <= runs[i + 1][0]));
  if (!chosen) return null;
  const charRanges = chosen.map((i) => [byteToChar(tokenized, tokenized.byteStarts[runs[i][0]]), byteToChar(tokenized, tokenized.byteStarts[runs[i][1]])] as [number, number]);
  return cutTokens(tokenized.ids, chosen.map((i) => runs[i]), chosen.map(() => 'word' as BlankType), charRanges);
}

/** Mask `count` runs of 1..RANDOM_MAX_RUN subword tokens; null when the text is too short. */
export function maskRandomTokens(text: string, count: number, rng: Rng): MaskedText | null {
  const tokens = encodeText(text);
  const runs: Array<[number, number]> = [];
  // Try a bounded number of draws; each keeps the first token and a token between spans unmasked.
  for (let attempt = 0; attempt < 64 * count && runs.length < count; attempt++) {
    const len = 1 + rng.int(RANDOM_MAX_RUN);
    if (tokens.length < len + 1) continue;
    const start = 1 + rng.int(tokens.length - len);
    if (runs.some(([s, e]) => start <= e && s <= start + len)) continue; // overlapping or touching
    runs.push([start, start + len]);
  }
  if (runs.length < count) return null;
  runs.sort((a, b) => a[0] - b[0]);
  // Character ranges for people, from the decoded lengths of the tokens before and in each span.
  const charRanges: Array<[number, number]> = [];
  let last = 0;
  let chars = 0;
  for (const [s, e] of runs) {
    chars += decodeTokens(tokens.slice(last, s)).length;
    const len = decodeTokens(tokens.slice(s, e)).length;
    charRanges.push([chars, chars + len]);
    chars += len;
    last = e;
  }
  return cutTokens(tokens, runs, runs.map(([s, e]) => (e - s === 1 ? 'word' : 'ngram') as BlankType), charRanges);
}

export function maskText(text: string, count: number, mode: MaskingMode, rng: Rng): MaskedText | null {
  return mode === 'human-tokens' ? maskWords(text, count, rng) : maskRandomTokens(text, count, rng);
}
