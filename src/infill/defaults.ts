/**
 * Defaults of infilling (`infill`, `interactive`, `ilm-eval`, the library): how many tokens a sample may
 * generate when --max-new-tokens is not given. A blank's type bounds its answer: a word is a few subword tokens
 * (test/cli-newcomer.test.ts checks that every word of the embedded learner corpus fits), a sentence a few
 * dozen; letting every sample run to the end of the model's positions made a one-word blank cost 300 tokens.
 * Each budget counts the answer and its end-of-answer token; a text's budget is the sum over its blanks, never
 * more than the positions left in the model.
 */
import type { BlankType } from './vocab';

export const MAX_NEW_TOKENS_PER_BLANK: Readonly<Record<BlankType, number>> = {
  word: 8,
  ngram: 24,
  sentence: 96,
  paragraph: 256,
  document: 1024,
};

/** The default generation budget for these blanks (before the cap by the model's positions). */
export function defaultMaxNewTokens(types: readonly BlankType[]): number {
  return types.reduce((sum, t) => sum + MAX_NEW_TOKENS_PER_BLANK[t], 0);
}

/** The table in words, for --help: "word 8, ngram 24, ...". */
export function describeMaxNewTokens(): string {
  return Object.entries(MAX_NEW_TOKENS_PER_BLANK).map(([t, n]) => `${t} ${n}`).join(', ');
}
