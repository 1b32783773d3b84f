/**
 * Masks: sets of typed character spans sampled over a document's units (spec section 2), and the
 * acceptance rules for one example slot.
 *
 * Hierarchical sampling follows Donahue, Lee & Liang (ACL 2020): one probability p at every level (optionally a
 * different one, `pWord`, for the word walk inside sentences: denser word and n-gram blanks), a
 * masked unit hides all its sub-units, and inside a sentence a masked word starts either a single WORD or an
 * NGRAM of k ~ Uniform{1..min(8, words left)} words. Spans come out sorted and never overlap (defect fix in
 * spec section 7: a mask cut down to `maxSpans` stays in left-to-right order).
 *
 * The single-type masks (`--mask sentence`, ...) build the per-type test sets of spec section 4: each
 * example blanks exactly one unit of that type, chosen uniformly (for NGRAM a uniform word start and a
 * uniform length as above), so a document with three sentences yields at most three sentence examples.
 *
 * `initial-word` blanks the first word of a uniformly chosen sentence (a WORD span). Its answer is decided by
 * the text after the blank, hardly by the text before it, so examples of it reward a model for reading the
 * blank's right side, which the other masks reward little (the base model's second stage, src/pretrain).
 *
 * `random-words` blanks every word independently with probability p, each as its own WORD span (at least one:
 * a uniform word when the draw picks none). A one-word-blank example then trains several answers for one pass
 * over its context instead of one, as masked language models do with their 15 % of tokens. `pFunction` gives
 * function words (src/ilm/function-words.ts) a probability of their own.
 */
import type { Rng } from '../runtime/rng';
import { isFunctionWord } from './function-words';
import { MASK_TYPE_CODE, type MaskType } from '../tokenize/gpt2-bpe';
import type { DocumentUnits } from './units';

/** A masked span: characters [start, end) of the document, `type` a MASK_TYPE_CODE (0 document .. 4 word). */
export interface MaskSpan {
  start: number;
  end: number;
  type: number;
}

export type MaskKind = 'hierarchical' | MaskType | 'initial-word' | 'random-words';
export const MASK_KINDS: readonly MaskKind[] = ['hierarchical', 'document', 'paragraph', 'sentence', 'ngram', 'word', 'initial-word', 'random-words'];

const DOC = MASK_TYPE_CODE.document;
const PARA = MASK_TYPE_CODE.paragraph;
const SENT = MASK_TYPE_CODE.sentence;
const NGRAM = MASK_TYPE_CODE.ngram;
const WORD = MASK_TYPE_CODE.word;
const MAX_NGRAM = 8;

/** One hierarchical mask. */
export function sampleHierarchical(units: DocumentUnits, rng: Rng, p: number, pWord = p): MaskSpan[] {
  const spans: MaskSpan[] = [];
  if (rng.float() < p) {
    spans.push({ start: 0, end: units.length, type: DOC });
    return spans;
  }
  for (const para of units.paragraphs) {
    if (rng.float() < p) {
      spans.push({ start: para.span[0], end: para.span[1], type: PARA });
      continue;
    }
    for (const sent of para.sentences) {
      if (rng.float() < p) {
        spans.push({ start: sent.span[0], end: sent.span[1], type: SENT });
        continue;
      }
      const words = sent.words;
      let i = 0;
      while (i < words.length) {
        if (rng.float() < pWord) {
          if (rng.float() < 0.5) {
            const k = 1 + rng.int(Math.min(MAX_NGRAM, words.length - i));
            spans.push({ start: words[i][0], end: words[i + k - 1][1], type: NGRAM });
            i += k;
          } else {
            spans.push({ start: words[i][0], end: words[i][1], type: WORD });
            i += 1;
          }
        } else i += 1;
      }
    }
  }
  return spans;
}

/** One single-type mask: exactly one unit of `kind` (empty when the document has none). */
export function sampleSingle(units: DocumentUnits, rng: Rng, kind: MaskType): MaskSpan[] {
  if (kind === 'document') return units.length > 0 ? [{ start: 0, end: units.length, type: DOC }] : [];
  if (kind === 'paragraph') {
    if (!units.paragraphs.length) return [];
    const para = units.paragraphs[rng.int(units.paragraphs.length)];
    return [{ start: para.span[0], end: para.span[1], type: PARA }];
  }
  const sentences = units.paragraphs.flatMap((p) => p.sentences);
  if (kind === 'sentence') {
    if (!sentences.length) return [];
    const s = sentences[rng.int(sentences.length)];
    return [{ start: s.span[0], end: s.span[1], type: SENT }];
  }
  // word / ngram: a uniform word over the whole document
  let total = 0;
  for (const s of sentences) total += s.words.length;
  if (!total) return [];
  let r = rng.int(total);
  for (const s of sentences) {
    if (r >= s.words.length) {
      r -= s.words.length;
      continue;
    }
    const w = s.words;
    if (kind === 'word') return [{ start: w[r][0], end: w[r][1], type: WORD }];
    const k = 1 + rng.int(Math.min(MAX_NGRAM, w.length - r));
    return [{ start: w[r][0], end: w[r + k - 1][1], type: NGRAM }];
  }
  return [];
}

/** The first word of one uniformly chosen sentence that has words (empty when none has). */
export function sampleInitialWord(units: DocumentUnits, rng: Rng): MaskSpan[] {
  const sentences = units.paragraphs.flatMap((p) => p.sentences).filter((s) => s.words.length > 0);
  if (!sentences.length) return [];
  const w = sentences[rng.int(sentences.length)].words[0];
  return [{ start: w[0], end: w[1], type: WORD }];
}

/** Function words of a document's text blanked with their own probability (`random-words`). */
export interface FunctionWordRate {
  text: string;
  p: number;
}

/**
 * Every word with probability p (a function word, src/ilm/function-words.ts, with `functionWords.p` when given),
 * each its own WORD span; one uniform word when none was drawn.
 */
export function sampleRandomWords(units: DocumentUnits, rng: Rng, p: number, functionWords?: FunctionWordRate): MaskSpan[] {
  const spans: MaskSpan[] = [];
  for (const para of units.paragraphs) {
    for (const sent of para.sentences) {
      for (const w of sent.words) {
        const pw = functionWords && isFunctionWord(functionWords.text.slice(w[0], w[1])) ? functionWords.p : p;
        if (rng.float() < pw) spans.push({ start: w[0], end: w[1], type: WORD });
      }
    }
  }
  return spans.length ? spans : sampleSingle(units, rng, 'word');
}

export function sampleMask(units: DocumentUnits, rng: Rng, kind: MaskKind, p: number, pWord = p, functionWords?: FunctionWordRate): MaskSpan[] {
  if (kind === 'hierarchical') return sampleHierarchical(units, rng, p, pWord);
  if (kind === 'random-words') return sampleRandomWords(units, rng, p, functionWords);
  return kind === 'initial-word' ? sampleInitialWord(units, rng) : sampleSingle(units, rng, kind);
}

/** Keep a uniform random subset of `max` spans, still in left-to-right order. */
export function limitSpans(spans: MaskSpan[], max: number, rng: Rng): MaskSpan[] {
  if (spans.length <= max) return spans;
  const idx = spans.map((_, i) => i);
  // partial Fisher-Yates: the first `max` slots are a uniform sample without replacement
  for (let i = 0; i < max; i++) {
    const j = i + rng.int(idx.length - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx
    .slice(0, max)
    .sort((a, b) => a - b)
    .map((i) => spans[i]);
}

/** Why a sampled mask was not accepted (counted in the statistics). */
export type FailureReason = 'too-few-spans' | 'invalid-span' | 'duplicate' | 'token-overlap' | 'too-long';
export const FAILURE_REASONS: readonly FailureReason[] = ['too-few-spans', 'invalid-span', 'duplicate', 'token-overlap', 'too-long'];

/** Spans inside [0, length), non-empty, sorted and not overlapping (adjacent is fine). */
export function validSpans(spans: MaskSpan[], length: number): boolean {
  let prevEnd = 0;
  for (const s of spans) {
    if (!(s.start >= prevEnd && s.end > s.start && s.end <= length)) return false;
    prevEnd = s.end;
  }
  return true;
}

/** A key identifying a mask, to refuse duplicates within one document. */
export function maskKey(spans: MaskSpan[]): string {
  let k = '';
  for (const s of spans) k += `${s.start},${s.end},${s.type};`;
  return k;
}
