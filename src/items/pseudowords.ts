/**
 * Pseudowords for yes/no items (Settles, LaFlair & Hagiwara 2020, sections 2.4 and 5.1): English-like strings
 * sampled from the character language model (src/charlm/kn.ts), at a configurable temperature. The paper
 * filters its candidates against a dictionary and then by hand ("too similar to real words"); here the hand
 * review is replaced by rules, because a yes/no item whose "pseudoword" a strong test-taker knows, or reads
 * as a piece of a word they know, is a broken item. A candidate is kept only if
 * - its length is within [minLength, maxLength] (default 4..10 letters);
 * - it is not a real word: not in the word lists given (by default Debian's `wamerican-insane` and
 *   `wamerican`, the OpenSubtitles frequency list and the CEFR-J / Octanove profiles; src/items/build.ts);
 * - it is not a regular inflection of a real word (-s, -es, -ed, -d, -ing, -er, -ers, -est, -ly, -ings, with
 *   a restored final e, a doubled consonant undone, or y for i: "happier" -> "happy");
 * - it is not a real word (at least 3 letters) with a common English derivational prefix or suffix
 *   ("un-", "re-", "dis-", ...; "-ness", "-y", "-ling", ...; the lists below, after the affix inventories of
 *   Bauer, Lieber & Plag, "The Oxford Reference Guide to English Morphology", 2013): such a string is a
 *   possible word whose meaning a reader can work out, so saying "yes" to it is not an error;
 * - it is not a fragment: no more than `fragmentWords - 1` (default 4) real words end with it, and no more
 *   than that begin with it. A string that ends many words ("ment", "ster", "stic", "kling", "ional") reads as
 *   a suffix, one that begins many ("prepa", "telepho") as a clipped word; a real English-like pseudoword
 *   ("cload", "knoce") ends and begins almost none (half of the candidates end and begin none at all);
 * - when it has at least `misspellingMinLength` letters (default 6), it is not a misspelling of a common word
 *   (`commonWords`, when given: by default `wamerican` and the profiles' and frequency list's words): no single
 *   insertion, deletion, substitution or swap of adjacent letters (Damerau 1964) turns it into one ("awfull",
 *   "babana", "cambride"), or a test-taker who reads past the typo says "yes" for knowing the word. Shorter
 *   candidates are exempt: short English strings nearly all have one-edit neighbours (Coltheart et al. 1977's
 *   N falls steeply with length), which is part of what makes a short pseudoword ("knoce") English-like;
 * - it looks English: no letter three times in a row, and a log-likelihood per symbol (characters and </s>) of
 *   at least `minLogProbPerSymbol` (default -2.6 nats; the same model's real words have a median near -2.1);
 * - it is new (no duplicates).
 * The result says how many were drawn per one kept (`drawnPerKept`) and why the others were rejected.
 */
import type { CharLm } from '../charlm/kn';
import { Rng } from '../runtime/rng';

/** The defaults of the pseudoword filter (library, CLI help and manifests read this table). */
export const PSEUDOWORD_DEFAULTS = {
  temperature: 1,
  minLength: 4,
  maxLength: 10,
  minLogProbPerSymbol: -2.6,
  /** A candidate that ends, or begins, at least this many real words is a fragment. */
  fragmentWords: 5,
  /** Candidates this long or longer must not be one edit from a common word. */
  misspellingMinLength: 6,
  /** Give up after this many draws per pseudoword asked for. */
  drawsPerPseudoword: 500,
} as const;

export interface PseudowordOptions {
  n: number;
  seed?: number;
  temperature?: number;
  minLength?: number;
  maxLength?: number;
  minLogProbPerSymbol?: number;
  fragmentWords?: number;
  misspellingMinLength?: number;
  /** Real words to exclude (system lists, frequency list, profiles), lower case. */
  realWords: ReadonlySet<string>;
  /** Common words whose one-edit misspellings are excluded too (none when absent). */
  commonWords?: ReadonlySet<string>;
  /** Give up after this many draws (default 500 n). */
  maxDraws?: number;
}

export type RejectReason = 'length' | 'real' | 'inflection' | 'affix' | 'fragment' | 'misspelling' | 'repeat' | 'unlikely' | 'duplicate';

export interface PseudowordResult {
  pseudowords: string[];
  drawn: number;
  kept: number;
  acceptanceRate: number;
  drawnPerKept: number;
  rejected: Record<RejectReason, number>;
}

const INFLECTIONS = ['s', 'es', 'ed', 'd', 'ing', 'er', 'ers', 'est', 'ly', 'ings'];

/** Common derivational suffixes of English (see the module comment). */
export const DERIVATIONAL_SUFFIXES = [
  'y', 'ie', 'en', 'ish', 'ness', 'ment', 'ful', 'less', 'able', 'ible', 'ism', 'ist', 'ity', 'ive', 'ous', 'al', 'ic',
  'ian', 'an', 'ize', 'ise', 'ship', 'hood', 'dom', 'ward', 'wards', 'wise', 'like', 'some', 'let', 'ling', 'ster', 'ery', 'ee', 'eer',
];

/** Common derivational prefixes of English (see the module comment). */
export const DERIVATIONAL_PREFIXES = [
  'un', 're', 'dis', 'mis', 'non', 'pre', 'pro', 'over', 'under', 'out', 'in', 'im', 'ir', 'il', 'de', 'sub', 'super', 'inter',
  'anti', 'counter', 'co', 'en', 'em', 'fore', 'mid', 'semi', 'trans', 'ex', 'post', 'bi', 'tri', 'multi', 'up', 'down', 'back',
];

/** Stems shorter than this are not taken as words inside a longer one (word lists hold many two-letter oddities). */
const MIN_STEM = 3;

/** Whether `stem` (what is left after removing a suffix) is a real word, allowing the usual spelling changes. */
function stemIsWord(stem: string, real: ReadonlySet<string>): boolean {
  if (stem.length < MIN_STEM) return false;
  if (real.has(stem) || real.has(stem + 'e')) return true;
  // doubled consonant: "stopped" -> "stop"
  if (stem.length > MIN_STEM && stem[stem.length - 1] === stem[stem.length - 2] && real.has(stem.slice(0, -1))) return true;
  // y -> i: "happier" -> "happy"
  return stem.endsWith('i') && real.has(stem.slice(0, -1) + 'y');
}

/** Whether `w` is a regular inflection of a word in `real` (see the module comment). */
export function isInflectionOf(w: string, real: ReadonlySet<string>): boolean {
  return INFLECTIONS.some((suf) => w.length > suf.length + 2 && w.endsWith(suf) && stemIsWord(w.slice(0, -suf.length), real));
}

/** Whether `w` is a word of `real` with a derivational prefix or suffix (see the module comment). */
export function isDerivedFrom(w: string, real: ReadonlySet<string>): boolean {
  if (DERIVATIONAL_SUFFIXES.some((suf) => w.length > suf.length && w.endsWith(suf) && stemIsWord(w.slice(0, -suf.length), real))) return true;
  return DERIVATIONAL_PREFIXES.some((pre) => w.length - pre.length >= MIN_STEM && w.startsWith(pre) && real.has(w.slice(pre.length)));
}

/**
 * The real words sorted forwards and by their reversed spelling, so that the number of words beginning or ending
 * with a string is two binary searches.
 */
export class WordIndex {
  private forward: string[];
  private backward: string[];

  constructor(words: Iterable<string>) {
    this.forward = [...words].sort();
    this.backward = this.forward.map(reverse).sort();
  }

  /** Real words other than `s` itself that begin with `s`. */
  beginning(s: string): number {
    return countWithPrefix(this.forward, s);
  }

  /** Real words other than `s` itself that end with `s`. */
  ending(s: string): number {
    return countWithPrefix(this.backward, reverse(s));
  }
}

const reverse = (s: string) => [...s].reverse().join('');

function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function countWithPrefix(sorted: readonly string[], prefix: string): number {
  const from = lowerBound(sorted, prefix);
  const to = lowerBound(sorted, prefix + '\uffff');
  return to - from - (sorted[from] === prefix ? 1 : 0);
}

const indexes = new WeakMap<ReadonlySet<string>, WordIndex>();

/** The index of a word set, built once per set. */
export function wordIndexOf(real: ReadonlySet<string>): WordIndex {
  let ix = indexes.get(real);
  if (!ix) {
    ix = new WordIndex(real);
    indexes.set(real, ix);
  }
  return ix;
}

/** Whether `w` reads as a piece of real words: at least `minWords` of them end, or begin, with it. */
export function isFragment(w: string, index: WordIndex, minWords: number = PSEUDOWORD_DEFAULTS.fragmentWords): boolean {
  return index.ending(w) >= minWords || index.beginning(w) >= minWords;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Whether one insertion, deletion, substitution or adjacent swap of a-z letters turns `w` into a word of `words`. */
export function isOneEditFrom(w: string, words: ReadonlySet<string>): boolean {
  for (let i = 0; i <= w.length; i++) {
    const head = w.slice(0, i);
    for (const c of LETTERS) if (words.has(head + c + w.slice(i))) return true;
    if (i < w.length) {
      const tail = w.slice(i + 1);
      if (words.has(head + tail)) return true;
      for (const c of LETTERS) if (c !== w[i] && words.has(head + c + tail)) return true;
      if (i < w.length - 1 && w[i] !== w[i + 1] && words.has(head + w[i + 1] + w[i] + w.slice(i + 2))) return true;
    }
  }
  return false;
}

/** Why `w` is not acceptable as a pseudoword (the dictionary-based rules only), or null when it is. */
export function realWordRule(
  w: string,
  real: ReadonlySet<string>,
  fragmentWords: number = PSEUDOWORD_DEFAULTS.fragmentWords,
  common?: ReadonlySet<string>,
  misspellingMinLength: number = PSEUDOWORD_DEFAULTS.misspellingMinLength,
): 'real' | 'inflection' | 'affix' | 'fragment' | 'misspelling' | null {
  if (real.has(w)) return 'real';
  if (isInflectionOf(w, real)) return 'inflection';
  if (isDerivedFrom(w, real)) return 'affix';
  if (isFragment(w, wordIndexOf(real), fragmentWords)) return 'fragment';
  if (common && w.length >= misspellingMinLength && isOneEditFrom(w, common)) return 'misspelling';
  return null;
}

export function generatePseudowords(lm: CharLm, options: PseudowordOptions): PseudowordResult {
  const d = PSEUDOWORD_DEFAULTS;
  const rng = new Rng(options.seed ?? 0);
  const t = options.temperature ?? d.temperature;
  const minLen = options.minLength ?? d.minLength;
  const maxLen = options.maxLength ?? d.maxLength;
  const minLp = options.minLogProbPerSymbol ?? d.minLogProbPerSymbol;
  const fragmentWords = options.fragmentWords ?? d.fragmentWords;
  const maxDraws = options.maxDraws ?? d.drawsPerPseudoword * options.n;
  const seen = new Set<string>();
  const out: string[] = [];
  const rejected: Record<RejectReason, number> = { length: 0, real: 0, inflection: 0, affix: 0, fragment: 0, misspelling: 0, repeat: 0, unlikely: 0, duplicate: 0 };
  let drawn = 0;
  while (out.length < options.n && drawn < maxDraws) {
    drawn++;
    const w = lm.sample(rng, t, maxLen + 1);
    if (w.length < minLen || w.length > maxLen) {
      rejected.length++;
      continue;
    }
    const rule = realWordRule(w, options.realWords, fragmentWords, options.commonWords, options.misspellingMinLength ?? d.misspellingMinLength);
    if (rule) rejected[rule]++;
    else if (/(.)\1\1/.test(w)) rejected.repeat++;
    else if (lm.logProb(w) / (w.length + 1) < minLp) rejected.unlikely++;
    else if (seen.has(w)) rejected.duplicate++;
    else {
      seen.add(w);
      out.push(w);
    }
  }
  return { pseudowords: out, drawn, kept: out.length, acceptanceRate: drawn ? out.length / drawn : 0, drawnPerKept: out.length ? drawn / out.length : Infinity, rejected };
}
