/**
 * Building the item bank from the embedded data and the two scales (see src/items/bank.ts for the schema).
 */
import type { Item } from './types';
import { buildCTestItems, buildYesNoItems, type BankOptions } from './bank';
import { generatePseudowords, type PseudowordResult } from './pseudowords';
import { WORD_RE, loadFrequencyList, loadSystemDictionary, loadVocabProfile } from '../scale/data';
import type { VocabScale } from '../scale/vocab';
import type { PassageScale } from '../scale/passage';
import { loadOneStop, ONESTOP_LEVELS } from '../scale/passage-data';
import { progress } from '../runtime/progress';

export interface RealWordSets {
  /** System list ∪ frequency list ∪ profiles: what a pseudoword must not be. */
  exclude: Set<string>;
  /** Candidate real-word stimuli: profile words, plus the most frequent frequency-list words that are in the system list. */
  stimuli: string[];
}

export function realWordSets(options: { dictFile?: string; frequentWords?: number } = {}): RealWordSets {
  const dict = loadSystemDictionary(options.dictFile);
  const freq = loadFrequencyList();
  const profile = loadVocabProfile();
  const exclude = new Set<string>(dict);
  for (const [w] of freq) exclude.add(w.toLowerCase());
  for (const p of profile) exclude.add(p.word);
  const stim = new Set(profile.map((p) => p.word).filter((w) => w.length >= 3));
  let added = 0;
  for (const [w] of freq) {
    if (added >= (options.frequentWords ?? 10000)) break;
    if (w.length >= 3 && WORD_RE.test(w) && dict.has(w) && !stim.has(w)) {
      stim.add(w);
      added++;
    }
  }
  return { exclude, stimuli: [...stim].sort() };
}

export interface BuildBankOptions extends BankOptions {
  vocab: VocabScale;
  passage: PassageScale;
  pseudowords?: number;
  temperature?: number;
  frequentWords?: number;
  dictFile?: string;
}

export interface BankBuild {
  items: Item[];
  pseudowordStats: Omit<PseudowordResult, 'pseudowords'>;
  perBin: Array<{ bin: number; words: number; pseudowords: number; items: number }>;
  counts: { yesno: number; ctest: number };
}

export function buildBank(options: BuildBankOptions): BankBuild {
  const seed = options.seed ?? 0;
  const sets = realWordSets({ dictFile: options.dictFile, frequentWords: options.frequentWords });
  const pw = generatePseudowords(options.vocab.lm, { n: options.pseudowords ?? 4000, seed, temperature: options.temperature, realWords: sets.exclude });
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
  return { items: [...yn.items, ...ct], pseudowordStats: stats, perBin: yn.perBin, counts: { yesno: yn.items.length, ctest: ct.length } };
}
