/**
 * Automatic corrections for the paper's "text + correction" inputs (Schmalz & Brutti 2021 used LanguageTool,
 * which needs Java and a server; the nearest thing that installs here is a spelling checker): each word the
 * dictionary rejects (src/features/text-features.ts `isKnownWord`, nspell + dictionary-en) is replaced by a
 * suggestion, keeping the word's initial capital; a word without a suggestion is kept, and so are words of one
 * or two letters and all-capital words (abbreviations such as "TV"). Only spelling is corrected, not grammar,
 * so these corrections are weaker than the paper's.
 *
 * The suggestion is found as in Norvig's corrector ("How to write a spelling corrector", 2007): the words one
 * edit away (a deletion, transposition, substitution or insertion of a letter) that the dictionary accepts,
 * the most frequent in OpenSubtitles first (ties alphabetical). Words two or more edits away are left as they are:
 * about 80 % of misspellings are one edit (Damerau 1964, CACM 7(3)), and searching two edits cost 0.1-0.3 s
 * per word. nspell's own `suggest()` was measured at about 0.24 s per learner
 * answer here (708 answers: almost 3 minutes), which is why it is not used. Suggestions are memoised per word
 * and, when a cache directory is given, kept on disk between runs (`spelling-suggestions.json`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isKnownWord, frequencyRank } from '../features/text-features';
import { writeJsonAtomic } from '../runtime/atomic';

const WORD = /\p{L}[\p{L}\p{M}]*(?:['’-]\p{L}[\p{L}\p{M}]*)*/gu;
const memo = new Map<string, string | null>();
let loadedFrom: string | null = null;
let dirty = false;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

/** Every string one edit (deletion, transposition, substitution, insertion of a-z) away from `w`. */
export function edits1(w: string): string[] {
  const out: string[] = [];
  for (let i = 0; i <= w.length; i++) {
    const a = w.slice(0, i);
    const b = w.slice(i);
    if (b) out.push(a + b.slice(1));
    if (b.length > 1) out.push(a + b[1] + b[0] + b.slice(2));
    for (const c of ALPHABET) {
      if (b && c !== b[0]) out.push(a + c + b.slice(1));
      out.push(a + c + b);
    }
  }
  return out;
}

const rankOf = (w: string) => {
  const r = frequencyRank(w);
  return r === 0 ? Infinity : r;
};

function best(candidates: Iterable<string>, accept: (c: string) => boolean): string | null {
  let bestWord: string | null = null;
  let bestRank = Infinity;
  for (const c of candidates) {
    if (!accept(c)) continue;
    const r = rankOf(c);
    if (bestWord === null || r < bestRank || (r === bestRank && c < bestWord)) {
      bestWord = c;
      bestRank = r;
    }
  }
  return bestWord;
}

/** The suggestion for a misspelt lower-cased word, or null (see the module comment). */
export function suggestSpelling(lower: string): string | null {
  return best(edits1(lower), (c) => c.length > 0 && isKnownWord(c));
}

function suggestion(word: string): string | null {
  const lower = word.toLowerCase();
  let s = memo.get(lower);
  if (s === undefined) {
    s = suggestSpelling(lower);
    memo.set(lower, s);
    dirty = true;
  }
  return s;
}

/** The text with each misspelt word replaced by the spelling checker's first suggestion. */
export function spellingCorrection(text: string): string {
  return text.replace(WORD, (w) => {
    if (w.length <= 2 || w === w.toUpperCase() || isKnownWord(w)) return w;
    const s = suggestion(w);
    if (!s) return w;
    return w[0] !== w[0].toLowerCase() && s[0] === s[0].toLowerCase() ? s[0].toUpperCase() + s.slice(1) : s;
  });
}

/** Corrections of many texts, with the memo read from and saved to `cacheDir` when given. */
export function spellingCorrections(texts: readonly string[], cacheDir: string | null = null, onProgress?: (done: number, total: number) => void): string[] {
  const file = cacheDir ? path.join(cacheDir, 'spelling-suggestions.json') : null;
  if (file && loadedFrom !== file && fs.existsSync(file)) {
    try {
      for (const [k, v] of Object.entries(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string | null>)) if (!memo.has(k)) memo.set(k, v);
    } catch {
      /* a damaged memo is rebuilt */
    }
    loadedFrom = file;
  }
  const out: string[] = [];
  for (let i = 0; i < texts.length; i++) {
    out.push(spellingCorrection(texts[i]));
    if ((i + 1) % 100 === 0 || i + 1 === texts.length) onProgress?.(i + 1, texts.length);
  }
  if (file && dirty) {
    const keys = [...memo.keys()].sort();
    writeJsonAtomic(file, Object.fromEntries(keys.map((k) => [k, memo.get(k) ?? null])));
    dirty = false;
    loadedFrom = file;
  }
  return out;
}
