/**
 * The item bank's data: what `cefrlab items bank` writes (one JSON object a line, BANK.jsonl) and what the
 * adaptive test (src/cat) reads. Difficulties are on the CEFR-aligned 100-point scale (src/scale/cefr-scale.ts),
 * `bin` is binOf(difficulty). Answers are part of the item; a server must never send them to the page before
 * the response (src/cat strips them).
 */

export type ItemFormat = 'yesno' | 'ctest';

interface ItemBase {
  /** Unique within the bank, stable across runs with the same seed (e.g. "yesno-00042"). */
  id: string;
  format: ItemFormat;
  /** Predicted difficulty δ on the 100-point scale. */
  difficulty: number;
  /** 0..10, binOf(difficulty). */
  bin: number;
}

/** One stimulus of a yes/no vocabulary item: a real word or a pseudoword. */
export interface YesNoStimulus {
  text: string;
  /** True for a real English word, false for a pseudoword (the key). */
  real: boolean;
  /** δ of this stimulus on the 100-point scale. */
  difficulty: number;
}

/** Yes/no vocabulary item: click the real words. Difficulty = mean δ of the stimuli. */
export interface YesNoItem extends ItemBase {
  format: 'yesno';
  stimuli: YesNoStimulus[];
}

/** One gap of a C-test: the word's first half is shown, the rest must be typed. */
export interface CTestGap {
  /** The whole original word. */
  word: string;
  /** The part shown before the gap. */
  shown: string;
  /** The deleted part (the key). */
  answer: string;
}

/** A C-test passage as a sequence of plain text and gaps (segments refer to `gaps` by index). */
export type CTestSegment = { text: string } | { gap: number };

export interface CTestItem extends ItemBase {
  format: 'ctest';
  /** The original passage. */
  passage: string;
  segments: CTestSegment[];
  gaps: CTestGap[];
}

export type Item = YesNoItem | CTestItem;
