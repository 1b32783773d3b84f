/**
 * Yes/no vocabulary items (Settles, LaFlair & Hagiwara 2020, sections 2.4, 5.1 and appendix A.2): the
 * test-taker sees real words and English-like pseudowords from one difficulty bin and marks the real ones.
 *
 * Grading: the soft response r_i is the area under the ROC curve of the answers, real words (signal) against
 * pseudowords (noise). With one binary answer per stimulus, AUC = P(yes | word) > P(yes | pseudoword) pairs
 * counted 1, ties 1/2, i.e. AUC = (1 + hit rate - false-alarm rate) / 2: 1 for a perfect discriminator, 0.5
 * for saying yes (or no) to everything, 0 for exactly the wrong answers.
 */
import type { YesNoItem, YesNoStimulus } from './types';
import { binOf } from '../scale/cefr-scale';
import { auc } from '../metrics/auc';

/**
 * The graded (soft) response to a yes/no item: AUC of `saidYes` (one answer per stimulus, in the item's order),
 * real words against pseudowords, in 0..1.
 */
export function gradeYesNo(item: YesNoItem, saidYes: boolean[]): number {
  if (saidYes.length !== item.stimuli.length) {
    throw new RangeError(`gradeYesNo: item ${item.id} has ${item.stimuli.length} stimuli, got ${saidYes.length} answers`);
  }
  const words: number[] = [];
  const pseudo: number[] = [];
  item.stimuli.forEach((s, i) => (s.real ? words : pseudo).push(saidYes[i] ? 1 : 0));
  return auc(words, pseudo);
}

/** The minimum share of each kind (words, pseudowords) in an item (paper section 5.1). */
export const MIN_SHARE = 0.15;

/** Build a yes/no item from its stimuli: difficulty = mean δ of the stimuli, bin = binOf(difficulty). */
export function makeYesNoItem(id: string, stimuli: YesNoStimulus[]): YesNoItem {
  const real = stimuli.filter((s) => s.real).length;
  const minEach = Math.ceil(MIN_SHARE * stimuli.length);
  if (real < minEach || stimuli.length - real < minEach) {
    throw new RangeError(`makeYesNoItem: ${id} needs at least ${minEach} words and ${minEach} pseudowords of ${stimuli.length}, got ${real} words`);
  }
  const difficulty = stimuli.reduce((s, x) => s + x.difficulty, 0) / stimuli.length;
  return { id, format: 'yesno', difficulty, bin: binOf(difficulty), stimuli };
}
