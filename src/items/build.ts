/**
 * Building the item bank from the embedded data and the two scales (see src/items/bank.ts for the schema).
 */
import type { Item } from './types';
import { bankHoles, buildCTestItems, buildYesNoItems, type BankHoles, type BankOptions } from './bank';
import { generatePseudowords, type PseudowordResult } from './pseudowords';
import { SYSTEM_DICT, WORD_RE, loadFrequencyList, loadSystemDictionary, loadVocabProfile } from '../scale/data';
import type { VocabScale } from '../scale/vocab';
import type { PassageScale } from '../scale/passage';
import { loadOneStop, ONESTOP_LEVELS } from '../scale/passage-data';
import { progress } from '../runtime/progress';

export interface RealWordSets {
  /** System lists ∪ frequency list ∪ profiles: what a pseudoword must not be. */
  exclude: Set<string>;
  /** Common words (wamerican, or the lists given, ∪ the profiles and the frequency list's a-z words): what a pseudoword must not be one edit from. */
  common: Set<string>;
  /** Candidate real-word stimuli: profile words, plus the most frequent frequency-list words that are in the system list. */
  stimuli: string[];
}

/**
 * `dictFiles`: the word lists to exclude (default: wamerican-insane and wamerican, src/scale/data.ts). Real-word
 * stimuli are checked against `wamerican` alone (common words; the large list also holds rare and archaic ones),
 * or against the lists given.
 */
export function realWordSets(options: { dictFiles?: readonly string[]; frequentWords?: number } = {}): RealWordSets {
  const dict = loadSystemDictionary(options.dictFiles);
  const common = options.dictFiles ? dict : loadSystemDictionary([SYSTEM_DICT]);
  const freq = loadFrequencyList();
  const profile = loadVocabProfile();
  const exclude = new Set<string>(dict);
  for (const [w] of freq) exclude.add(w.toLowerCase());
  for (const p of profile) exclude.add(p.word);
  const stim = new Set(profile.map((p) => p.word).filter((w) => w.length >= 3));
  let added = 0;
  for (const [w] of freq) {
    if (added >= (options.frequentWords ?? 10000)) break;
    if (w.length >= 3 && WORD_RE.test(w) && common.has(w) && !stim.has(w)) {
      stim.add(w);
      added++;
    }
  }
  const commonWords = new Set<string>([...common].filter((w) => WORD_RE.test(w)));
  for (const [w] of freq) if (WORD_RE.test(w)) commonWords.add(w);
  for (const p of profile) commonWords.add(p.word);
  return { exclude, common: commonWords, stimuli: [...stim].sort() };
}

export interface BuildBankOptions extends BankOptions {
  vocab: VocabScale;
  passage: PassageScale;
  pseudowords?: number;
  temperature?: number;
  frequentWords?: number;
  /** Word lists a pseudoword must not be in (default: src/scale/data.ts SYSTEM_WORD_LISTS). */
  dictFiles?: readonly string[];
}

export interface BankBuild {
  items: Item[];
  pseudowordStats: Omit<PseudowordResult, 'pseudowords'>;
  perBin: Array<{ bin: number; words: number; pseudowords: number; items: number }>;
  counts: { yesno: number; ctest: number };
  /** Bins without yes/no items, without C-tests, without anything. */
  holes: BankHoles;
}

export function buildBank(options: BuildBankOptions): BankBuild {
  const seed = options.seed ?? 0;
  const sets = realWordSets({ dictFiles: options.dictFiles, frequentWords: options.frequentWords });
  const pw = generatePseudowords(options.vocab.lm, { n: options.pseudowords ?? 4000, seed, temperature: options.temperature, realWords: sets.exclude, commonWords: sets.common });
  const all = [...sets.stimuli, ...pw.pseudowords];
  const bar = progress('scoring words', all.length);
  const scored = all.map((w, i) => {
    if (i % 200 === 0) bar.update(i);
    return { text: w, difficulty: options.vocab.predict(w) };
  });
  bar.stop();
  const yn = buildYesNoItems(scored.slice(0, sets.stimuli.length), scored.slice(sets.stimuli.length), options);
  const texts = loadOneStop().flatMap((a) => ONESTOP_LEVELS.map((l) => a.versions[l]));
  const ct = buildCTestItems(texts, (p) => options.passage.predict(p), options);
  const { pseudowords: _omit, ...stats } = pw;
  void _omit;
  const items = [...yn.items, ...ct];
  return { items, pseudowordStats: stats, perBin: yn.perBin, counts: { yesno: yn.items.length, ctest: ct.length }, holes: bankHoles(items) };
}
