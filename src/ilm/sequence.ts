/**
 * The ILM training sequence (spec section 3): the context with each blank replaced by its type token, the
 * separator, then every answer followed by `<|endofinfill|>`, with a target type per position.
 *
 * Blanks are runs of whole document tokens: the document is tokenized once and each character span maps to
 * the smallest covering run of tokens (so a masked word takes its leading space with it, as GPT-2 tokens
 * carry it). The stored example is just these runs; the sequence is rebuilt from them when read.
 */
import { coveringTokens, END_OF_INFILL, START_OF_INFILL, typeToken, type TokenizedText } from './tokens';
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
 * Write the sequence of one example into `tokens`/`types` at `offset`, cut or padded to `seqLen`.
 * `runs` must be sorted and disjoint. Returns the untruncated length.
 */
export function writeSequence(
  doc: ArrayLike<number>,
  runs: ArrayLike<TokenRun>,
  seqLen: number,
  tokens: Int32Array,
  types: Uint8Array,
  offset: number,
): number {
  let n = 0;
  const put = (id: number, type: number) => {
    if (n < seqLen) {
      tokens[offset + n] = id;
      types[offset + n] = type;
    }
    n++;
  };
  let t = 0;
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r];
    for (; t < run.tokStart; t++) put(doc[t], TARGET.context);
    put(typeToken(run.type), TARGET.blank);
    t = run.tokEnd;
  }
  for (; t < doc.length; t++) put(doc[t], TARGET.context);
  put(START_OF_INFILL, TARGET.separator);
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r];
    for (let k = run.tokStart; k < run.tokEnd; k++) put(doc[k], TARGET.answer);
    put(END_OF_INFILL, TARGET.endOfAnswer);
  }
  for (let k = n; k < seqLen; k++) {
    tokens[offset + k] = PAD_ID;
    types[offset + k] = TARGET.pad;
  }
  return n;
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
