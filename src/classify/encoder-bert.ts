/**
 * `bert:DIR`: a local Hugging Face BERT (src/model/bert-load.ts) as a frozen encoder, as Schmalz & Brutti
 * (2021) use bert-base-uncased: each text is tokenized as `[CLS] text [SEP]` (WordPiece, cut to `maxTokens`,
 * 450 by default, the paper's EFCAMDAT setting; up to the model's 512 positions), and its vector is the global
 * average of the final hidden states over the real tokens ([CLS] and [SEP] included, padding excluded).
 *
 * The backend is the caller's: entry points call `initBackend()` (src/runtime/backend.ts) first.
 */
import { sha256 } from '../runtime/hash';
import { UserError } from '../runtime/errors';
import { loadBert } from '../model/bert-load';
import { padBatch } from '../model/bert';
import type { Encoder, EncodeOptions } from './encoder';
import { lengthSortedBatches, positiveInt } from './encoder-batches';

export const DEFAULT_BERT_MAX_TOKENS = 450;

export interface BertEncoderOptions {
  /** Tokens per text including [CLS] and [SEP] (default 450, or the model's positions if fewer). */
  maxTokens?: number;
  /** Texts per forward pass (default 8); does not change the vectors beyond float32 rounding. */
  batchSize?: number;
}

/** Bumped when the way vectors are computed changes, so that cached vectors of the old way are not reused. */
const BERT_ENCODER_VERSION = 1;

export function createBertEncoder(dir: string, options: BertEncoderOptions = {}): Encoder {
  const batchSize = positiveInt('batchSize', options.batchSize ?? 8);
  const loaded = loadBert(dir);
  const positions = loaded.config.max_position_embeddings;
  // The default is capped at the model's positions (small test models); an explicit value is checked.
  const maxTokens = options.maxTokens ?? Math.min(DEFAULT_BERT_MAX_TOKENS, positions);
  if (!Number.isInteger(maxTokens) || maxTokens < 3 || maxTokens > positions) {
    loaded.model.dispose();
    throw new UserError(`--max-tokens ${maxTokens}: the BERT model in ${dir} takes 3 to ${positions} tokens per text ([CLS] and [SEP] included). Fix: use a value in that range (the paper uses 450, or 512)`);
  }
  const { model, tokenizer } = loaded;
  const id = sha256(JSON.stringify({ encoder: 'bert', version: BERT_ENCODER_VERSION, files: loaded.contentHash, maxTokens }));
  return {
    spec: `bert:${dir}`,
    id,
    dim: loaded.config.hidden_size,
    async encode(texts: readonly string[], opts: EncodeOptions = {}): Promise<Float32Array[]> {
      const H = loaded.config.hidden_size;
      const sequences = texts.map((t) => tokenizer.encode(t, maxTokens).ids);
      const out: Float32Array[] = new Array(texts.length);
      let done = 0;
      for (const batch of lengthSortedBatches(sequences.map((s) => s.length), batchSize)) {
        const pooled = model.pooled(padBatch(batch.map((i) => sequences[i]), tokenizer.padId));
        const data = (await pooled.data()) as Float32Array;
        pooled.dispose();
        batch.forEach((i, b) => { out[i] = data.slice(b * H, (b + 1) * H); });
        done += batch.length;
        opts.onProgress?.(done, texts.length);
      }
      return out;
    },
    dispose() {
      model.dispose();
    },
  };
}

