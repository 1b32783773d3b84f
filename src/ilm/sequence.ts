/**
 * The ILM training sequence (spec section 3): the context with each blank replaced by its type token, the
 * separator, then every answer followed by `<|endofinfill|>`, with a target type per position.
 *
 * Blanks are runs of whole document tokens: the document is tokenized once and each character span maps to
 * the smallest covering run of tokens (so a masked word takes its leading space with it, as GPT-2 tokens
 * carry it). The stored example is just these runs; the sequence is rebuilt from them when read.
 */
import { coveringTokens, END_OF_INFILL, START_OF_INFILL, typeToken, type TokenizedText } from '../tokenize/gpt2-bpe';
import type { MaskSpan } from './masks';

/** Target types per position (docs/ARCHITECTURE.md). */
export const TARGET = { pad: 0, context: 1, blank: 2, separator: 3, answer: 4, endOfAnswer: 5 } as const;
/** Padding token id; never trained (its target type is pad). */
export const PAD_ID = 0;

/** A blank as a run of document tokens [tokStart, tokEnd) with its mask type code. */
export interface TokenRun {
  tokStart: number;
  tokEnd: number;
  type: number;
}

/** Map sorted character spans to token runs; null when two runs would overlap (the mask is then dropped). */
export function spansToRuns(tok: TokenizedText, spans: MaskSpan[]): TokenRun[] | null {
  const runs: TokenRun[] = [];
  let prevEnd = 0;
  for (const s of spans) {
    const [a, b] = coveringTokens(tok, s.start, s.end);
    if (a < prevEnd || b <= a) return null;
    runs.push({ tokStart: a, tokEnd: b, type: s.type });
    prevEnd = b;
  }
  return runs;
}

/** Full (untruncated) length of the sequence: every document token, plus a blank and an end token per run, plus the separator. */
export function sequenceLength(docTokens: number, runs: number): number {
  return docTokens + 2 * runs + 1;
}

/**
 * How an example that is too long for `seqLen` is shortened (spec section 3 leaves this open; the reference cuts
 * the end, which is where every answer sits). The sequence of a document window [start, end) with k blanks is
 * (end - start) + 2k + 1 tokens long (each blank's tokens move behind the separator, plus a blank token and an
 * end-of-answer token per blank, plus the separator), so what matters is which blanks are kept and how much
 * context around them. Kept: the consecutive run of blanks with the most infill targets whose span fits, then
 * the context around them, split evenly before and after, up to `seqLen`. Blanks that do not fit are left as
 * ordinary context (their answers are lost, and counted); an example that fits is untouched.
 */
export interface SequencePlan {
  /** Index of the first kept run and the number kept (consecutive). */
  first: number;
  kept: number;
  /** The document tokens [start, end) in the sequence. */
  start: number;
  end: number;
  /** The untruncated length. */
  fullLength: number;
  /** Whether the sequence had to be shortened. */
  shortened: boolean;
}

export function planSequence(docLength: number, runs: ArrayLike<TokenRun>, seqLen: number): SequencePlan {
  const R = runs.length;
  const fullLength = sequenceLength(docLength, R);
  if (fullLength <= seqLen) return { first: 0, kept: R, start: 0, end: docLength, fullLength, shortened: false };
  // The consecutive runs i..j with the most infill targets (answer tokens + end-of-answer) that fit.
  let best = { i: 0, j: -1, value: 0 };
  let i = 0;
  let value = 0;
  for (let j = 0; j < R; j++) {
    value += runs[j].tokEnd - runs[j].tokStart + 1;
    while (i <= j && runs[j].tokEnd - runs[i].tokStart + 2 * (j - i + 1) + 1 > seqLen) {
      value -= runs[i].tokEnd - runs[i].tokStart + 1;
      i++;
    }
    if (i <= j && value > best.value) best = { i, j, value };
  }
  const kept = best.j - best.i + 1;
  if (kept <= 0) {
    // No answer fits: the document's beginning, as the reference would keep it.
    return { first: 0, kept: 0, start: 0, end: Math.min(docLength, seqLen - 1), fullLength, shortened: true };
  }
  const lo = runs[best.i].tokStart;
  const hi = runs[best.j].tokEnd;
  const extra = seqLen - (hi - lo + 2 * kept + 1);
  let right = Math.min(docLength - hi, extra - Math.min(lo, Math.floor(extra / 2)));
  const left = Math.min(lo, extra - right);
  right = Math.min(docLength - hi, extra - left);
  return { first: best.i, kept, start: lo - left, end: hi + right, fullLength, shortened: true };
}

/**
 * Write the sequence of one example into `tokens`/`types` at `offset`, padded to `seqLen`; one that is too long
 * is shortened around its blanks (`planSequence`). `runs` must be sorted and disjoint. Returns the untruncated
 * length.
 */
export function writeSequence(
  doc: ArrayLike<number>,
  runs: ArrayLike<TokenRun>,
  seqLen: number,
  tokens: Int32Array,
  types: Uint8Array,
  offset: number,
): number {
  const plan = planSequence(doc.length, runs, seqLen);
  let n = 0;
  const put = (id: number, type: number) => {
    if (n < seqLen) {
      tokens[offset + n] = id;
      types[offset + n] = type;
    }
    n++;
  };
  const last = plan.first + plan.kept;
  let t = plan.start;
  for (let r = plan.first; r < last; r++) {
    const run = runs[r];
    for (; t < run.tokStart; t++) put(doc[t], TARGET.context);
    put(typeToken(run.type), TARGET.blank);
    t = run.tokEnd;
  }
  for (; t < plan.end; t++) put(doc[t], TARGET.context);
  put(START_OF_INFILL, TARGET.separator);
  for (let r = plan.first; r < last; r++) {
    const run = runs[r];
    for (let k = run.tokStart; k < run.tokEnd; k++) put(doc[k], TARGET.answer);
    put(END_OF_INFILL, TARGET.endOfAnswer);
  }
  for (let k = n; k < seqLen; k++) {
    tokens[offset + k] = PAD_ID;
    types[offset + k] = TARGET.pad;
  }
  return plan.fullLength;
}

/** The left-to-right baseline (task `lm`): the document alone, every token context. */
export function writeLmSequence(doc: ArrayLike<number>, seqLen: number, tokens: Int32Array, types: Uint8Array, offset: number): number {
  const n = Math.min(seqLen, doc.length);
  for (let k = 0; k < n; k++) {
    tokens[offset + k] = doc[k];
    types[offset + k] = TARGET.context;
  }
  for (let k = n; k < seqLen; k++) {
    tokens[offset + k] = PAD_ID;
    types[offset + k] = TARGET.pad;
  }
  return doc.length;
}

/** One example as fresh arrays of length `seqLen` (tests, preview). */
export function buildSequence(doc: ArrayLike<number>, runs: TokenRun[], seqLen: number): { tokens: Int32Array; types: Uint8Array; length: number } {
  const tokens = new Int32Array(seqLen);
  const types = new Uint8Array(seqLen);
  const length = writeSequence(doc, runs, seqLen, tokens, types, 0);
  return { tokens, types, length };
}
