/**
 * ILM tokens: GPT-2 byte-level BPE (`r50k_base`, ids 0..50256) plus seven tokens added by the project
 * (spec section 3), ids 50257..50263. The added tokens exist only as ids: text is always encoded as plain
 * text, so a string that merely looks like `<|startofinfill|>` (or GPT-2's own `<|endoftext|>`) becomes
 * ordinary BPE pieces and can never inject a control token.
 */
import type * as R50k from 'gpt-tokenizer/cjs/encoding/r50k_base';
import type * as BpeCore from 'gpt-tokenizer/cjs/BytePairEncodingCore';

/**
 * gpt-tokenizer (its 50k-entry rank table takes about 80 ms to load) is loaded on first use, so that modules
 * needing only the constants below (e.g. the command line's option lists) start fast.
 */
let bpe: { encode: typeof R50k.encode; decode: typeof R50k.decode; ranks: unknown; byteDecoder: typeof BpeCore.decoder } | null = null;
function tokenizer(): NonNullable<typeof bpe> {
  if (!bpe) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const enc = require('gpt-tokenizer/cjs/encoding/r50k_base') as typeof R50k;
    const ranks = require('gpt-tokenizer/cjs/bpeRanks/r50k_base') as { default?: unknown };
    const core = require('gpt-tokenizer/cjs/BytePairEncodingCore') as typeof BpeCore;
    bpe = { encode: enc.encode, decode: enc.decode, ranks: ranks.default ?? ranks, byteDecoder: core.decoder };
  }
  return bpe;
}

export const GPT2_VOCAB = 50257;
export const START_OF_INFILL = 50257;
export const END_OF_INFILL = 50258;
export const INFILL_DOCUMENT = 50259;
export const INFILL_PARAGRAPH = 50260;
export const INFILL_SENTENCE = 50261;
export const INFILL_NGRAM = 50262;
export const INFILL_WORD = 50263;
/** GPT-2's 50,257 plus the seven ILM tokens. */
export const ILM_VOCAB = 50264;

/** Mask (span) types in the order of their type tokens. */
export const MASK_TYPES = ['document', 'paragraph', 'sentence', 'ngram', 'word'] as const;
export type MaskType = (typeof MASK_TYPES)[number];
export const MASK_TYPE_CODE: Record<MaskType, number> = { document: 0, paragraph: 1, sentence: 2, ngram: 3, word: 4 };

/** The type token standing for a blank of the given type code (0 document .. 4 word). */
export function typeToken(typeCode: number): number {
  if (!(typeCode >= 0 && typeCode < MASK_TYPES.length)) throw new RangeError(`unknown mask type code ${typeCode}`);
  return INFILL_DOCUMENT + typeCode;
}

export const ILM_TOKEN_NAMES: Record<number, string> = {
  [START_OF_INFILL]: '<|startofinfill|>',
  [END_OF_INFILL]: '<|endofinfill|>',
  [INFILL_DOCUMENT]: '<|infill_document|>',
  [INFILL_PARAGRAPH]: '<|infill_paragraph|>',
  [INFILL_SENTENCE]: '<|infill_sentence|>',
  [INFILL_NGRAM]: '<|infill_ngram|>',
  [INFILL_WORD]: '<|infill_word|>',
};

const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** Encode text as GPT-2 BPE ids; special-token look-alikes stay plain text. */
export function encodeText(text: string): number[] {
  return tokenizer().encode(text, PLAIN_TEXT);
}

/**
 * gpt-tokenizer decodes through one shared streaming TextDecoder that it never flushes: ids ending inside a
 * UTF-8 character leave bytes behind that change the next, unrelated decode. Flushing before and after makes
 * decoding a pure function; an incomplete character at the end becomes U+FFFD.
 */
function decodeBpe(ids: number[]): string {
  const t = tokenizer();
  t.byteDecoder.decode();
  return t.decode(ids) + t.byteDecoder.decode();
}

/**
 * Decode ids to text; ILM ids become their names (for display). Runs of BPE ids are decoded together so
 * that characters split across byte-level tokens come back whole.
 */
export function decodeTokens(ids: ArrayLike<number>): string {
  let out = '';
  let run: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id < GPT2_VOCAB) {
      run.push(id);
      continue;
    }
    if (run.length) out += decodeBpe(run);
    run = [];
    const name = ILM_TOKEN_NAMES[id];
    if (name === undefined) throw new RangeError(`token id ${id} is outside the ILM vocabulary (0..${ILM_VOCAB - 1})`);
    out += name;
  }
  if (run.length) out += decodeBpe(run);
  return out;
}

let byteLengths: Uint8Array | null = null;

/** UTF-8 byte length of every GPT-2 token (the ranks table holds a string or the raw bytes of each). */
function tokenByteLengths(): Uint8Array {
  if (byteLengths) return byteLengths;
  const ranks = tokenizer().ranks as unknown as ReadonlyArray<string | readonly number[]>;
  const lens = new Uint8Array(GPT2_VOCAB);
  for (let id = 0; id < ranks.length && id < GPT2_VOCAB; id++) {
    const r = ranks[id];
    lens[id] = typeof r === 'string' ? Buffer.byteLength(r, 'utf8') : r ? r.length : 0;
  }
  lens[50256] = '<|endoftext|>'.length;
  byteLengths = lens;
  return lens;
}

/** A document's tokens with the UTF-8 byte offset where each starts (plus the end offset last). */
export interface TokenizedText {
  ids: number[];
  /** byteStarts[i] = first byte of token i; byteStarts[ids.length] = total bytes. */
  byteStarts: Uint32Array;
  /** charToByte[c] = UTF-8 offset of UTF-16 index c, or null when the text is ASCII (identity). */
  charToByte: Uint32Array | null;
}

/** Tokenize a text once and keep the byte offsets needed to map character spans onto tokens. */
export function tokenizeWithOffsets(text: string): TokenizedText {
  const ids = encodeText(text);
  const lens = tokenByteLengths();
  const byteStarts = new Uint32Array(ids.length + 1);
  let b = 0;
  for (let i = 0; i < ids.length; i++) {
    byteStarts[i] = b;
    b += lens[ids[i]];
  }
  byteStarts[ids.length] = b;
  let charToByte: Uint32Array | null = null;
  if (b !== text.length) {
    charToByte = new Uint32Array(text.length + 1);
    let off = 0;
    for (let c = 0; c < text.length; c++) {
      charToByte[c] = off;
      const code = text.charCodeAt(c);
      if (code < 0x80) off += 1;
      else if (code < 0x800) off += 2;
      else if (code >= 0xd800 && code <= 0xdbff && c + 1 < text.length) {
        // a surrogate pair is one 4-byte character; its low half starts at the same byte
        charToByte[c + 1] = off;
        off += 4;
        c++;
      } else off += 3;
    }
    charToByte[text.length] = off;
    if (off !== b) throw new Error(`internal: token bytes ${b} != text bytes ${off}`);
  }
  return { ids, byteStarts, charToByte };
}

/**
 * The smallest run of whole tokens [start, end) covering the characters [charStart, charEnd): every token
 * sharing at least one byte with the span. Found by binary search on the byte offsets.
 */
export function coveringTokens(t: TokenizedText, charStart: number, charEnd: number): [number, number] {
  const bs = t.charToByte ? t.charToByte[charStart] : charStart;
  const be = t.charToByte ? t.charToByte[charEnd] : charEnd;
  const n = t.ids.length;
  // first token whose end is after bs
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t.byteStarts[mid + 1] > bs) hi = mid;
    else lo = mid + 1;
  }
  const start = lo;
  // first token starting at or after be
  lo = start;
  hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t.byteStarts[mid] >= be) hi = mid;
    else lo = mid + 1;
  }
  return [start, lo];
}
