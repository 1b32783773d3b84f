/**
 * The AWE model's features: the shared linguistic features of `src/features/text-features.ts` (length,
 * lexical diversity, vocabulary profile by CEFR-J level = lexical sophistication, frequency bands, spelling
 * and capitalisation error proxies, punctuation) followed by the features of Yancey et al.'s appendix A that
 * need the task prompt or are cheap further error proxies:
 *  - prompt_relevance: cosine between the IDF-weighted bags of words of the prompt and of the response
 *    (a bag-of-words reading of Rei & Cummins 2016's IDF-weighted relevance; IDF from the training responses,
 *    smoothed as log((1 + N) / (1 + df)) + 1);
 *  - prompt_copy_share: share of the response's words that are in the prompt (copying the prompt instead of
 *    answering it is one of the unscorable cases);
 *  - repeated_word_rate: immediately repeated words ("the the") per word;
 *  - space_before_punct_rate: " ," / " ." style spacing errors per word;
 *  - missing_space_after_punct_rate: ",word" / ".Word" per word;
 *  - no_final_punct: 1 when the text does not end with . ! ? or a closing quote/bracket after one.
 * Per-level ILM perplexities are not included (they need trained per-level models; see notebook 03).
 */
import { FEATURE_NAMES, textFeatures, words } from '../features/text-features';

export const EXTRA_FEATURE_NAMES = ['prompt_relevance', 'prompt_copy_share', 'repeated_word_rate', 'space_before_punct_rate', 'missing_space_after_punct_rate', 'no_final_punct'] as const;

export function aweFeatureNames(): string[] {
  return [...FEATURE_NAMES, ...EXTRA_FEATURE_NAMES];
}

export interface IdfTable {
  documents: number;
  df: Record<string, number>;
}

const lowerWords = (text: string) => words(text).map((w) => w.toLowerCase().replace(/’/g, "'"));

/** Document frequencies of the (lower-cased) words of the training responses. */
export function fitIdf(texts: readonly string[]): IdfTable {
  const df: Record<string, number> = Object.create(null);
  for (const t of texts) for (const w of new Set(lowerWords(t))) df[w] = (df[w] ?? 0) + 1;
  return { documents: texts.length, df };
}

const idfOf = (t: IdfTable, w: string) => Math.log((1 + t.documents) / (1 + (t.df[w] ?? 0))) + 1;

/** Cosine of the IDF-weighted term-frequency vectors of two texts (0 when either has no words). */
export function relevance(prompt: string, response: string, idf: IdfTable): number {
  const vec = (text: string) => {
    const v = new Map<string, number>();
    for (const w of lowerWords(text)) v.set(w, (v.get(w) ?? 0) + 1);
    for (const [w, c] of v) v.set(w, c * idfOf(idf, w));
    return v;
  };
  const a = vec(prompt);
  const b = vec(response);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [w, x] of a) {
    na += x * x;
    const y = b.get(w);
    if (y) dot += x * y;
  }
  for (const y of b.values()) nb += y * y;
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export function extraFeatures(text: string, prompt: string, idf: IdfTable): number[] {
  const ws = lowerWords(text);
  const n = ws.length;
  const promptWords = new Set(lowerWords(prompt));
  let copied = 0;
  let repeated = 0;
  for (let i = 0; i < n; i++) {
    if (promptWords.has(ws[i])) copied++;
    if (i > 0 && ws[i] === ws[i - 1]) repeated++;
  }
  const spaceBefore = text.match(/\p{L}\s+[,.;:!?](?!\S*\d)/gu)?.length ?? 0;
  const missingAfter = text.match(/\p{Ll}[,;:!?]\p{L}|\p{Ll}\.\p{Lu}/gu)?.length ?? 0;
  const trimmed = text.trim();
  return [
    prompt.trim() ? relevance(prompt, text, idf) : 0,
    n ? copied / n : 0,
    n ? repeated / n : 0,
    n ? spaceBefore / n : 0,
    n ? missingAfter / n : 0,
    trimmed && !/[.!?…]["'”’)\]]*$/.test(trimmed) ? 1 : 0,
  ];
}

/** The full AWE feature vector of one response to one prompt, in `aweFeatureNames()` order. */
const baseMemo = new Map<string, Float64Array>();

/** `textFeatures`, memoised per text (cross-validation computes the same essays' features once per fold). */
function baseFeatures(text: string): Float64Array {
  let v = baseMemo.get(text);
  if (!v) {
    v = textFeatures(text);
    if (baseMemo.size > 50_000) baseMemo.clear();
    baseMemo.set(text, v);
  }
  return v;
}

export function aweFeatures(text: string, prompt: string, idf: IdfTable): Float64Array {
  const base = baseFeatures(text);
  const out = new Float64Array(base.length + EXTRA_FEATURE_NAMES.length);
  out.set(base);
  out.set(extraFeatures(text, prompt, idf), base.length);
  return out;
}
