/**
 * Pseudowords for yes/no items (Settles, LaFlair & Hagiwara 2020, sections 2.4 and 5.1): English-like strings
 * sampled from the character language model (src/charlm/kn.ts), at a configurable temperature, and kept only if
 * - their length is within [minLength, maxLength] (default 4..10 letters);
 * - they are not real words: not in the system word list (Debian `wamerican`, /usr/share/dict/american-english),
 *   the OpenSubtitles frequency list or the CEFR-J / Octanove profiles, and not a regular inflection of one
 *   (stripping -s, -es, -ed, -d, -ing, -er, -est, -ly, with or without a restored final e, gives no real word);
 * - they look English: no letter three times in a row, and a log-likelihood per symbol (characters and </s>) of
 *   at least `minLogProbPerSymbol` (default -2.6 nats; the same model's real words have a median near -2.1);
 * - they are new (no duplicates).
 * The result says how many were drawn per one kept (`drawnPerKept`) and why the others were rejected.
 */
import type { CharLm } from '../charlm/kn';
import { Rng } from '../runtime/rng';

export interface PseudowordOptions {
  n: number;
  seed?: number;
  temperature?: number;
  minLength?: number;
  maxLength?: number;
  minLogProbPerSymbol?: number;
  /** Real words to exclude (system list, frequency list, profiles), lower case. */
  realWords: ReadonlySet<string>;
  /** Give up after this many draws (default 500 n). */
  maxDraws?: number;
}

export interface PseudowordResult {
  pseudowords: string[];
  drawn: number;
  kept: number;
  acceptanceRate: number;
  drawnPerKept: number;
  rejected: Record<'length' | 'real' | 'inflection' | 'repeat' | 'unlikely' | 'duplicate', number>;
}

const SUFFIXES = ['s', 'es', 'ed', 'd', 'ing', 'er', 'est', 'ly'];

/** Whether `w` is a regular inflection of a word in `real` (see the module comment). */
export function isInflectionOf(w: string, real: ReadonlySet<string>): boolean {
  for (const suf of SUFFIXES) {
    if (w.length > suf.length + 2 && w.endsWith(suf)) {
      const stem = w.slice(0, -suf.length);
      if (real.has(stem) || real.has(stem + 'e')) return true;
      // doubled consonant: "stopped" -> "stop"
      if (stem.length > 2 && stem[stem.length - 1] === stem[stem.length - 2] && real.has(stem.slice(0, -1))) return true;
      // y -> i: "happier" -> "happy"
      if (stem.endsWith('i') && real.has(stem.slice(0, -1) + 'y')) return true;
    }
  }
  return false;
}

export function generatePseudowords(lm: CharLm, options: PseudowordOptions): PseudowordResult {
  const rng = new Rng(options.seed ?? 0);
  const t = options.temperature ?? 1;
  const minLen = options.minLength ?? 4;
  const maxLen = options.maxLength ?? 10;
  const minLp = options.minLogProbPerSymbol ?? -2.6;
  const maxDraws = options.maxDraws ?? 500 * options.n;
  const seen = new Set<string>();
  const out: string[] = [];
  const rejected = { length: 0, real: 0, inflection: 0, repeat: 0, unlikely: 0, duplicate: 0 };
  let drawn = 0;
  while (out.length < options.n && drawn < maxDraws) {
    drawn++;
    const w = lm.sample(rng, t, maxLen + 1);
    if (w.length < minLen || w.length > maxLen) rejected.length++;
    else if (options.realWords.has(w)) rejected.real++;
    else if (isInflectionOf(w, options.realWords)) rejected.inflection++;
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
