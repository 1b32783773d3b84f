/**
 * The units a mask can blank out (spec section 2): the document, its paragraphs (lines), their sentences
 * and the Treebank-style words of each sentence, all as absolute character offsets into the document.
 *
 * Sentences come from `sbd` (a rule-based English sentence boundary detector; measured on the Brown corpus
 * in bench/units-brown.ts). sbd may drop or rewrite characters at a boundary it invents (e.g. "anna.i like"),
 * so each sentence is located by searching for its start, and a sentence runs up to the start of the next
 * one (trailing spaces removed): every non-space character of a paragraph belongs to exactly one sentence.
 */
import { treebankWords, type Span } from './words';

const sbd: { sentences(text: string, options?: Record<string, unknown>) : string[] } = require('sbd');

const SBD_OPTIONS = { newline_boundaries: false, html_boundaries: false, sanitize: false, preserve_whitespace: false };

export interface SentenceUnit {
  span: Span;
  words: Span[];
}
export interface ParagraphUnit {
  span: Span;
  sentences: SentenceUnit[];
}
export interface DocumentUnits {
  length: number;
  paragraphs: ParagraphUnit[];
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xa0;

function trimSpan(text: string, s: number, e: number): Span {
  while (s < e && isSpace(text.charCodeAt(s))) s++;
  while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
  return [s, e];
}

/** Paragraphs: the document's lines, trimmed, empty lines dropped. */
export function paragraphSpans(doc: string): Span[] {
  const out: Span[] = [];
  let start = 0;
  for (;;) {
    const nl = doc.indexOf('\n', start);
    const end = nl < 0 ? doc.length : nl;
    const [s, e] = trimSpan(doc, start, end);
    if (e > s) out.push([s, e]);
    if (nl < 0) break;
    start = nl + 1;
  }
  return out;
}

/** Sentences of the paragraph doc[ps, pe), absolute offsets. */
export function sentenceSpans(doc: string, ps: number, pe: number): Span[] {
  const para = doc.slice(ps, pe);
  const pieces = sbd.sentences(para, SBD_OPTIONS);
  const starts: number[] = [];
  let cursor = 0;
  for (const piece of pieces) {
    const t = piece.trim();
    if (!t) continue;
    let at = para.indexOf(t, cursor);
    if (at < 0) {
      // sbd altered the text: fall back to its first characters
      at = para.indexOf(t.slice(0, Math.min(8, t.length)), cursor);
    }
    if (at < 0) continue;
    starts.push(at);
    cursor = at + 1;
  }
  if (starts.length === 0 || starts[0] !== 0) starts.unshift(0);
  const out: Span[] = [];
  for (let k = 0; k < starts.length; k++) {
    const [s, e] = trimSpan(para, starts[k], k + 1 < starts.length ? starts[k + 1] : para.length);
    if (e > s) out.push([ps + s, ps + e]);
  }
  return out;
}

/** Sentence spans [start, end) of a passage, across its paragraphs (C-tests and the passage scale split alike). */
export function passageSentences(passage: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [ps, pe] of paragraphSpans(passage)) for (const s of sentenceSpans(passage, ps, pe)) out.push([s[0], s[1]]);
  return out;
}

/** Words of the sentence doc[ss, se), absolute offsets. */
export function wordSpans(doc: string, ss: number, se: number): Span[] {
  const words = treebankWords(doc.slice(ss, se));
  for (const w of words) {
    w[0] += ss;
    w[1] += ss;
  }
  return words;
}

/** All units of a document. */
export function documentUnits(doc: string): DocumentUnits {
  const paragraphs: ParagraphUnit[] = [];
  for (const [ps, pe] of paragraphSpans(doc)) {
    const sentences: SentenceUnit[] = [];
    for (const [ss, se] of sentenceSpans(doc, ps, pe)) sentences.push({ span: [ss, se], words: wordSpans(doc, ss, se) });
    paragraphs.push({ span: [ps, pe], sentences });
  }
  return { length: doc.length, paragraphs };
}
