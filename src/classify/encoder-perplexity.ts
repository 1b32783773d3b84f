/**
 * `perplexity:EXP_DIR,...`: the perplexity of a text under each of several of the lab's GPT-2 models (for
 * example notebook 03's per-level models), one dimension per model, named by its directory as given: a text is
 * likely written at the level whose model finds it least surprising.
 *
 * The perplexity of tokens w_0..w_{L-1} (plain GPT-2 BPE, src/tokenize/gpt2-bpe.ts) is exp(-(1/(L-1)) Σ_{j≥1} ln p(w_j |
 * w_<j)): the first token has no context, as in the ILM training sequences, which begin with the document. A
 * text of one token is scored after a newline (the token that separates documents); an empty text gets the
 * vocabulary size (a uniform guess). Texts longer than the model's positions W are scored with a sliding window
 * of W tokens and stride W/2, each token once, with at least W/2 tokens of context after the first window.
 * Log-probabilities come from the evaluation code (`GPT2.logitsAt` and `rowNll`, src/objective/loss.ts), which
 * projects only the scored positions onto the vocabulary. With `log: true` the values are ln(perplexity) (the
 * mean negative log-likelihood in nats), better scaled for a linear head.
 *
 * The backend is the caller's: entry points call `initBackend()` (src/runtime/backend.ts) first.
 */
import * as tf from '@tensorflow/tfjs';
import { sha256 } from '../runtime/hash';
import { UserError } from '../runtime/errors';
import { loadExperimentModel } from '../experiment/load';
import type { GPT2 } from '../model/gpt2';
import { rowNll } from '../objective/loss';
import { encodeText } from '../tokenize/gpt2-bpe';
import { PAD_ID } from '../ilm/sequence';
import type { Encoder, EncodeOptions } from './encoder';
import { modelDirHash } from './encoder-ilm';
import { lengthSortedBatches, positiveInt } from './encoder-batches';
import { modelTrainingTexts, type TrainingTexts } from './leakage';

export interface PerplexityEncoderOptions {
  /** Values are ln(perplexity) instead of perplexity (default false). */
  log?: boolean;
  /** Most token positions (batch x length) per forward pass (default 512: the [rows, 50264] logits stay near 100 MB). */
  maxBatchTokens?: number;
}

const PERPLEXITY_ENCODER_VERSION = 1;
/** GPT-2's "\n": the context of a one-token text. */
const NEWLINE = 198;

/** One scoring window: its tokens, and which of its positions predict which targets (window-relative). */
interface Window {
  text: number;
  tokens: number[];
  /** Row r of the window predicts tokens[r + 1]. */
  rows: number[];
}

/** The windows that score every token of `tokens` once (see the header). */
export function scoringWindows(text: number, tokens: number[], width: number): Window[] {
  const seq = tokens.length === 1 ? [NEWLINE, tokens[0]] : tokens;
  const L = seq.length;
  if (L < 2) return [];
  const stride = Math.max(1, Math.floor(width / 2));
  const windows: Window[] = [];
  let prevEnd = 1; // targets before this absolute position are scored already (position 0 never is)
  for (let begin = 0; ; begin += stride) {
    const end = Math.min(begin + width, L);
    const rows: number[] = [];
    for (let j = Math.max(prevEnd, begin + 1); j < end; j++) rows.push(j - 1 - begin);
    if (rows.length) windows.push({ text, tokens: seq.slice(begin, end), rows });
    prevEnd = end;
    if (end === L) break;
  }
  return windows;
}

/** Parse "A,B,C" or a list into directories (empty entries dropped). */
function dirList(expDirs: string | readonly string[]): string[] {
  const list = (typeof expDirs === 'string' ? expDirs.split(',') : [...expDirs]).map((d) => d.trim()).filter((d) => d !== '');
  if (list.length === 0) throw new UserError('perplexity: no model directories given. Fix: write perplexity:EXP_DIR[,EXP_DIR...], e.g. one model per CEFR level');
  return list;
}

/** Mean negative log-likelihood (nats per token) of each text under `model`. */
export async function meanNll(model: GPT2, tokenized: number[][], maxBatchTokens: number, onBatch?: (rowsDone: number, rows: number) => void): Promise<Float64Array> {
  const width = model.config.n_positions;
  const windows = tokenized.flatMap((t, i) => scoringWindows(i, t, width));
  const sums = new Float64Array(tokenized.length);
  const counts = new Float64Array(tokenized.length);
  const totalRows = windows.reduce((a, w) => a + w.rows.length, 0);
  let rowsDone = 0;
  for (const batch of lengthSortedBatches(windows.map((w) => w.tokens.length), Infinity, maxBatchTokens)) {
    const B = batch.length;
    const T = windows[batch[0]].tokens.length;
    const ids = new Int32Array(B * T).fill(PAD_ID);
    const positions: number[] = [];
    const targets: number[] = [];
    batch.forEach((w, b) => {
      const win = windows[w];
      ids.set(win.tokens, b * T);
      for (const r of win.rows) {
        positions.push(b * T + r);
        targets.push(win.tokens[r + 1]);
      }
    });
    const logits = tf.tidy(() => model.logitsAt(tf.tensor2d(ids, [B, T], 'int32'), positions));
    let nll: Float32Array;
    try {
      nll = await rowNll(logits, Int32Array.from(targets));
    } finally {
      logits.dispose();
    }
    let k = 0;
    for (const w of batch) {
      const win = windows[w];
      for (let r = 0; r < win.rows.length; r++, k++) {
        sums[win.text] += nll[k];
        counts[win.text]++;
      }
    }
    rowsDone += positions.length;
    onBatch?.(rowsDone, totalRows);
  }
  const uniform = Math.log(model.config.vocab_size);
  return sums.map((s, i) => (counts[i] > 0 ? s / counts[i] : uniform));
}

export function createPerplexityEncoder(expDirs: string | readonly string[], options: PerplexityEncoderOptions = {}): Encoder {
  const dirs = dirList(expDirs);
  const log = options.log ?? false;
  const maxBatchTokens = positiveInt('maxBatchTokens', options.maxBatchTokens ?? 512);
  const models: GPT2[] = [];
  const hashes: string[] = [];
  try {
    for (const d of dirs) {
      const { model, dir } = loadExperimentModel(d);
      models.push(model);
      hashes.push(modelDirHash(dir));
    }
  } catch (err) {
    for (const m of models) m.dispose();
    throw err;
  }
  const id = sha256(JSON.stringify({ encoder: 'perplexity', version: PERPLEXITY_ENCODER_VERSION, models: hashes, log }));
  let trained: TrainingTexts[] | null = null;
  return {
    spec: `perplexity:${dirs.join(',')}`,
    id,
    dim: dirs.length,
    names: dirs,
    trainedOn() {
      trained ??= dirs.map((d) => modelTrainingTexts(d));
      return trained;
    },
    async encode(texts: readonly string[], opts: EncodeOptions = {}): Promise<Float32Array[]> {
      const tokenized = texts.map((t) => encodeText(t));
      const out = texts.map(() => new Float32Array(dirs.length));
      for (let m = 0; m < models.length; m++) {
        // Progress in texts: model m of M is done when all its rows are.
        const nll = await meanNll(models[m], tokenized, maxBatchTokens, (done, total) =>
          opts.onProgress?.(Math.floor(((m + (total ? done / total : 1)) / models.length) * texts.length), texts.length));
        nll.forEach((x, i) => { out[i][m] = log ? x : Math.exp(x); });
      }
      opts.onProgress?.(texts.length, texts.length);
      return out;
    },
    dispose() {
      for (const m of models) m.dispose();
    },
  };
}
