/**
 * `bert:DIR`: a local Hugging Face BERT (src/model/bert-load.ts) as a frozen encoder, as Schmalz & Brutti
 * (2021) use bert-base-uncased: each text is tokenized as `[CLS] text [SEP]` (WordPiece, cut to `maxTokens`,
 * 450 by default, the paper's EFCAMDAT setting; up to the model's 512 positions), and its vector is the global
 * average of the final hidden states over the real tokens ([CLS] and [SEP] included, padding excluded).
 *
 * `roberta:DIR`: a local Hugging Face RoBERTa (src/model/roberta-load.ts) the same way: `<s> text </s>`
 * (byte-level BPE), the same network with RoBERTa's position numbering (512 tokens for roberta-base's 514
 * positions), the same average.
 *
 * The backend is the caller's: entry points call `initBackend()` (src/runtime/backend.ts) first.
 */
import { sha256 } from '../runtime/hash';
import { UserError } from '../runtime/errors';
import { loadBert } from '../model/bert-load';
import { loadRoberta } from '../model/roberta-load';
import { Bert, padBatch } from '../model/bert';
import type { Encoded } from '../tokenize/wordpiece';
import type { Encoder, EncodeOptions } from './encoder';
import { lengthSortedBatches, positiveInt } from './encoder-batches';

export const DEFAULT_BERT_MAX_TOKENS = 450;

export interface BertEncoderOptions {
  /** Tokens per text including [CLS] and [SEP] (<s> and </s>) (default 450, or the model's positions if fewer). */
  maxTokens?: number;
  /** Texts per forward pass (default 8); does not change the vectors beyond float32 rounding. */
  batchSize?: number;
}

/** Bumped when the way vectors are computed changes, so that cached vectors of the old way are not reused. */
const BERT_ENCODER_VERSION = 1;

/** What the frozen encoder needs of a loaded model: the network, a tokenizer, the files' hash. */
interface LoadedEncoderModel {
  model: Bert;
  tokenizer: { encode(text: string, maxTokens: number): Encoded; padId: number };
  contentHash: string;
}

/** The average-of-final-hidden-states encoder over a loaded model; `kind` is the spec's name (bert, roberta). */
function frozenEncoder(kind: 'bert' | 'roberta', dir: string, loaded: LoadedEncoderModel, options: BertEncoderOptions, batchSize: number): Encoder {
  const { model, tokenizer } = loaded;
  const positions = model.maxSequence;
  const [first, last] = kind === 'bert' ? ['[CLS]', '[SEP]'] : ['<s>', '</s>'];
  // The default is capped at the model's positions (small test models); an explicit value is checked.
  const maxTokens = options.maxTokens ?? Math.min(DEFAULT_BERT_MAX_TOKENS, positions);
  if (!Number.isInteger(maxTokens) || maxTokens < 3 || maxTokens > positions) {
    model.dispose();
    throw new UserError(`--max-tokens ${maxTokens}: the ${kind === 'bert' ? 'BERT' : 'RoBERTa'} model in ${dir} takes 3 to ${positions} tokens per text (${first} and ${last} included). Fix: use a value in that range (the paper uses 450, or 512)`);
  }
  const H = model.config.hidden_size;
  // BERT's id is as before RoBERTa was added, so that cached BERT vectors stay valid.
  const id = sha256(JSON.stringify({ encoder: kind, version: BERT_ENCODER_VERSION, files: loaded.contentHash, maxTokens }));
  return {
    spec: `${kind}:${dir}`,
    id,
    dim: H,
    async encode(texts: readonly string[], opts: EncodeOptions = {}): Promise<Float32Array[]> {
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

export function createBertEncoder(dir: string, options: BertEncoderOptions = {}): Encoder {
  const batchSize = positiveInt('batchSize', options.batchSize ?? 8);
  return frozenEncoder('bert', dir, loadBert(dir), options, batchSize);
}

export function createRobertaEncoder(dir: string, options: BertEncoderOptions = {}): Encoder {
  const batchSize = positiveInt('batchSize', options.batchSize ?? 8);
  return frozenEncoder('roberta', dir, loadRoberta(dir), options, batchSize);
}
