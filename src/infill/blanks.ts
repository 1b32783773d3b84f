/**
 * Blanks written by a person. `[MASK]` (a word) and the typed forms `[word]`, `[ngram]`, `[sentence]`,
 * `[paragraph]`, `[document]` become the ILM type tokens as ids, never as text (spec section 6: typing a
 * special token's text gives the model nonsense). `\[MASK]` writes the bracketed text literally.
 *
 * GPT-2 tokens carry their leading space, and training masks the smallest run of whole tokens covering a
 * span, so a masked word swallows the space before it (spec section 3: the answer is " cereal"). A blank
 * written after a space therefore takes that space with it; the model's answer brings its own.
 */
import { UserError } from '../runtime/errors';
import { BLANK_TYPES, type BlankType, blankTokenId, encodeText } from './vocab';

export { BLANK_TYPES, type BlankType };

/** One blank in the user's text. */
export interface Blank {
  type: BlankType;
  /** How it was written, e.g. "[MASK]". */
  written: string;
  /** Character offset of the blank in the original text. */
  at: number;
  /** True when the blank took the space before it (the fill is expected to start with a space). */
  spaceBefore: boolean;
}

/** A text cut at its blanks: `pieces[i]` is the text before blank i, the last piece the text after the last. */
export interface ParsedText {
  source: string;
  pieces: string[];
  blanks: Blank[];
}

const FORMS: Record<string, BlankType> = {
  mask: 'word',
  word: 'word',
  ngram: 'ngram',
  sentence: 'sentence',
  paragraph: 'paragraph',
  document: 'document',
};

/** `\\?` catches the escape; the names are matched without regard to case ("[mask]" works too). */
const BLANK_RE = /(\\?)\[(mask|word|ngram|sentence|paragraph|document)\]/gi;

/** Cut a text at its blanks. A text without any blank is returned with one piece and no blanks. */
export function parseBlanks(text: string): ParsedText {
  const pieces: string[] = [];
  const blanks: Blank[] = [];
  let current = '';
  let last = 0;
  for (const m of text.matchAll(BLANK_RE)) {
    const at = m.index!;
    current += text.slice(last, at);
    last = at + m[0].length;
    if (m[1] === '\\') {
      current += m[0].slice(1); // escaped: literal text
      continue;
    }
    const spaceBefore = current.endsWith(' ');
    pieces.push(spaceBefore ? current.slice(0, -1) : current);
    blanks.push({ type: FORMS[m[2].toLowerCase()], written: m[0], at, spaceBefore });
    current = '';
  }
  pieces.push(current + text.slice(last));
  return { source: text, pieces, blanks };
}

/** The model's view of a blanked text: context token ids with one type token per blank. */
export interface EncodedContext {
  /** Context ids: text pieces' tokens with each blank replaced by its type token id (no separator). */
  tokens: number[];
  /** Index in `tokens` of each blank's type token, left to right. */
  blankPositions: number[];
  /** Token ids of each text piece (`pieces.length` = blanks + 1). */
  pieceTokens: number[][];
}

/** Encode text pieces and blanks into ids; pieces are encoded separately, so no token spans a blank. */
export function encodePieces(pieceTokens: number[][], types: BlankType[]): EncodedContext {
  if (pieceTokens.length !== types.length + 1) {
    throw new Error(`encodePieces: ${pieceTokens.length} pieces for ${types.length} blanks (need blanks + 1)`);
  }
  const tokens: number[] = [];
  const blankPositions: number[] = [];
  for (let i = 0; i < types.length; i++) {
    tokens.push(...pieceTokens[i]);
    blankPositions.push(tokens.length);
    tokens.push(blankTokenId(types[i]));
  }
  tokens.push(...pieceTokens[types.length]);
  return { tokens, blankPositions, pieceTokens };
}

/** Parse a user's text; `requireBlank` turns "no blank" into a UserError that shows the forms. */
export function parseBlankedText(text: string, requireBlank = true): ParsedText {
  const parsed = parseBlanks(text);
  if (requireBlank && parsed.blanks.length === 0) {
    throw new UserError(
      'the text has no blank. Fix: write a blank as [MASK] (a word) or [word], [ngram], [sentence], [paragraph], [document], e.g. "She ate [MASK] for breakfast."',
    );
  }
  return parsed;
}

/** Parse and encode a user's text (see `parseBlankedText`). */
export function encodeBlankedText(text: string, requireBlank = true): { parsed: ParsedText; context: EncodedContext } {
  const parsed = parseBlankedText(text, requireBlank);
  const context = encodePieces(parsed.pieces.map(encodeText), parsed.blanks.map((b) => b.type));
  return { parsed, context };
}

/**
 * A fill as the model should see it: a blank that took the space before it expects an answer starting with a
 * space, so a candidate typed without one ("goes") gets it (" goes").
 */
export function normalizeFill(blank: Blank, fill: string): string {
  return blank.spaceBefore && !/^\s/.test(fill) && fill.length > 0 ? ` ${fill}` : fill;
}

/** A filled text and where each fill landed in it. */
export interface FilledText {
  text: string;
  /** [start, end) character range of each fill in `text`, in blank order. */
  spans: Array<[number, number]>;
}

/**
 * Put the fills back into the blanks. The reference replaces blanks right to left so that earlier offsets
 * stay valid; building from the pieces gives the same text and also records where each fill landed.
 * A missing fill (the model stopped early) leaves the blank empty.
 */
export function fillBlanks(parsed: ParsedText, fills: string[]): FilledText {
  let text = '';
  const spans: Array<[number, number]> = [];
  for (let i = 0; i < parsed.blanks.length; i++) {
    text += parsed.pieces[i];
    const fill = fills[i] ?? '';
    spans.push([text.length, text.length + fill.length]);
    text += fill;
  }
  text += parsed.pieces[parsed.blanks.length];
  return { text, spans };
}

/**
 * The filled text with each fill between markers, for people: `She ate [[cereal]] for breakfast.`
 * A fill's leading space stays outside the markers so the text still reads normally.
 */
export function markFills(filled: FilledText, open = '[[', close = ']]'): string {
  let out = '';
  let last = 0;
  for (const [start, end] of filled.spans) {
    out += filled.text.slice(last, start);
    const fill = filled.text.slice(start, end);
    const lead = /^\s*/.exec(fill)![0];
    out += `${lead}${open}${fill.slice(lead.length)}${close}`;
    last = end;
  }
  return out + filled.text.slice(last);
}
