/**
 * What inference needs from the ILM vocabulary (src/tokenize/gpt2-bpe.ts), named for its use here: the separator,
 * the end-of-answer token, the blank type tokens, and which ids may appear inside an answer.
 */
import {
  END_OF_INFILL,
  GPT2_VOCAB,
  MASK_TYPE_CODE,
  MASK_TYPES,
  START_OF_INFILL,
  decodeTokens,
  encodeText,
  typeToken,
  type MaskType,
} from '../tokenize/gpt2-bpe';

export { encodeText, decodeTokens };

/** The kinds of blank, in the order of their type tokens (document .. word). */
export type BlankType = MaskType;
export const BLANK_TYPES: readonly BlankType[] = MASK_TYPES;

/** `<|startofinfill|>`: ends the context, answers follow. */
export const SEP_ID = START_OF_INFILL;
/** `<|endofinfill|>`: ends one answer. */
export const END_ID = END_OF_INFILL;

/** The type token id of a blank (`<|infill_word|>` for a word, ...). */
export function blankTokenId(type: BlankType): number {
  return typeToken(MASK_TYPE_CODE[type]);
}

/** Ordinary text tokens: GPT-2's ids without `<|endoftext|>` (unused by ILM) and without the ILM tokens. */
export function isPlainTextToken(id: number): boolean {
  return id >= 0 && id < GPT2_VOCAB - 1;
}

/** What an answer may contain: text and the end-of-answer token, never a separator or a blank. */
export function allowedInAnswer(id: number): boolean {
  return isPlainTextToken(id) || id === END_ID;
}
