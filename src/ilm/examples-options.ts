/** Defaults of `cefrlab examples` (a light module, read by the command line to build its help). */
import type { MaskKind } from './masks';
import type { Task } from './store';

export const SPLITS = ['train', 'valid', 'test'] as const;

export const EXAMPLE_DEFAULTS = {
  task: 'ilm' as Task,
  mask: 'hierarchical' as MaskKind,
  p: 0.03,
  /** Word-walk probability inside sentences of a hierarchical mask (null: the same p as every other level). */
  pWord: null as number | null,
  /** Probability of a function word in a random-words mask (null: the same p as every other word). */
  pFunction: null as number | null,
  examplesPerDoc: 16,
  maxRetries: 16,
  minSpans: null as number | null,
  maxSpans: null as number | null,
  allowDuplicates: false,
  seqLen: 256,
  skipIncomplete: false,
  seed: 0,
};
