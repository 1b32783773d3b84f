/**
 * A frozen text encoder: maps each text to one fixed-width vector (Schmalz & Brutti 2021: a frozen pre-trained
 * encoder whose token outputs are averaged). Every encoder the classifier can use implements this; the encoder
 * spec parser and the on-disk embedding cache (keyed by text content and `id`) are in this folder too.
 */

import type { TrainingTexts } from './leakage';

export interface EncodeOptions {
  /** Called after each batch with the number of texts done so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface Encoder {
  /** The spec it was built from, e.g. `features`, `bert:/path/to/dir`, `perplexity:A,B`. */
  readonly spec: string;
  /**
   * A content hash of everything that determines the vectors (the spec's kind, weights and config hashes,
   * options such as max tokens); two encoders with the same id give the same vectors. Used as the cache key.
   */
  readonly id: string;
  /** Width of each vector. */
  readonly dim: number;
  /** Human-readable names of the dimensions where they have meaning (features, perplexities), else undefined. */
  readonly names?: readonly string[];
  /** One vector per text, in order. */
  encode(texts: readonly string[], options?: EncodeOptions): Promise<Float32Array[]>;
  /**
   * The texts the models behind the encoder trained on (./leakage.ts), for encoders built from trained models;
   * absent for encoders that learnt nothing from data (features). Evaluation refuses texts in these.
   */
  trainedOn?(): readonly TrainingTexts[];
  /** Release tensors or workers held by the encoder. */
  dispose?(): void;
}
