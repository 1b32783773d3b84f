/**
 * `ilm:EXP_DIR`: one of the lab's own GPT-2 models (the shipped base model in data/models/base, or any trained
 * experiment: EXP_DIR/checkpoints/best, else last, else EXP_DIR itself as a model directory; see
 * src/experiment/load.ts) as a frozen encoder. A text is encoded as plain GPT-2 BPE (src/tokenize/gpt2-bpe.ts), cut to the
 * model's positions, and its vector is the mean of the final hidden states (after the last layer norm) over its
 * tokens. GPT-2 is causal, so the padding after a text in a batch changes none of its hidden states.
 *
 * The backend is the caller's: entry points call `initBackend()` (src/runtime/backend.ts) first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { sha256 } from '../runtime/hash';
import { UserError } from '../runtime/errors';
import { loadExperimentModel } from '../experiment/load';
import { CONFIG_FILE, WEIGHTS_FILE } from '../model/checkpoint';
import { encodeText } from '../tokenize/gpt2-bpe';
import { PAD_ID } from '../ilm/sequence';
import type { Encoder, EncodeOptions } from './encoder';
import { lengthSortedBatches, positiveInt } from './encoder-batches';
import { modelTrainingTexts, type TrainingTexts } from './leakage';

export interface IlmEncoderOptions {
  /** Texts per forward pass (default 8). */
  batchSize?: number;
  /** Tokens per text (default: the model's positions; larger values are capped there). */
  maxTokens?: number;
}

const ILM_ENCODER_VERSION = 1;

/** SHA-256 over a model directory's config.json and model.safetensors (names, sizes and contents). */
export function modelDirHash(dir: string): string {
  const hash = createHash('sha256');
  for (const file of [CONFIG_FILE, WEIGHTS_FILE]) {
    const bytes = fs.readFileSync(path.join(dir, file));
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

export function createIlmEncoder(expDir: string, options: IlmEncoderOptions = {}): Encoder {
  const batchSize = positiveInt('batchSize', options.batchSize ?? 8);
  const { model, dir } = loadExperimentModel(expDir);
  const positions = model.config.n_positions;
  // A larger value than the model's positions is capped there (one --max-tokens can serve bert:, 450 by
  // default, and ilm: in a combined spec); the id records the value used.
  const requested = options.maxTokens ?? positions;
  if (!Number.isInteger(requested) || requested < 1) {
    model.dispose();
    throw new UserError(`--max-tokens ${requested}: must be a positive whole number of tokens. Fix: give e.g. --max-tokens ${positions} (the positions of the model in ${dir})`);
  }
  const maxTokens = Math.min(requested, positions);
  const C = model.config.n_embd;
  const id = sha256(JSON.stringify({ encoder: 'ilm', version: ILM_ENCODER_VERSION, model: modelDirHash(dir), maxTokens }));
  let trained: TrainingTexts[] | null = null;
  return {
    spec: `ilm:${expDir}`,
    id,
    dim: C,
    trainedOn() {
      trained ??= [modelTrainingTexts(expDir)];
      return trained;
    },
    async encode(texts: readonly string[], opts: EncodeOptions = {}): Promise<Float32Array[]> {
      const sequences = texts.map((t) => encodeText(t).slice(0, maxTokens));
      const out: Float32Array[] = new Array(texts.length);
      let done = 0;
      // A text without tokens (empty) has no hidden states to average: its vector is zeros.
      sequences.forEach((s, i) => { if (s.length === 0) out[i] = new Float32Array(C); });
      const nonEmpty = sequences.map((s, i) => i).filter((i) => sequences[i].length > 0);
      done += texts.length - nonEmpty.length;
      for (const group of lengthSortedBatches(nonEmpty.map((i) => sequences[i].length), batchSize)) {
        const batch = group.map((g) => nonEmpty[g]);
        const B = batch.length;
        const T = sequences[batch[0]].length; // longest first
        const ids = new Int32Array(B * T).fill(PAD_ID);
        const weights = new Float32Array(B * T);
        batch.forEach((i, b) => {
          const s = sequences[i];
          ids.set(s, b * T);
          weights.fill(1 / s.length, b * T, b * T + s.length);
        });
        const pooled = tf.tidy(() => {
          const h = model.hidden(tf.tensor2d(ids, [B, T], 'int32'));
          return tf.reshape(tf.matMul(tf.tensor3d(weights, [B, 1, T]), h), [B, C]);
        });
        const data = (await pooled.data()) as Float32Array;
        pooled.dispose();
        batch.forEach((i, b) => { out[i] = data.slice(b * C, (b + 1) * C); });
        done += B;
        opts.onProgress?.(done, texts.length);
      }
      return out;
    },
    dispose() {
      model.dispose();
    },
  };
}
