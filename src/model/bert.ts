/**
 * The BERT encoder (Devlin et al. 2019, "BERT: Pre-training of Deep Bidirectional Transformers for Language
 * Understanding"; the Transformer encoder of Vaswani et al. 2017) in TensorFlow.js, for inference only, with
 * Hugging Face's `BertModel` parameter names so that a published checkpoint loads without renaming
 * (src/model/bert-load.ts reads the directory).
 *
 * For token ids w, positions p = 0..T-1 and token types 0 (single-sequence input):
 *   x = LayerNorm(E_word[w] + E_pos[p] + E_type[0])
 *   per layer (post-LN, as the original BERT):
 *     a = softmax(q kᵀ / sqrt(d) + m) v per head, q/k/v = x W_q/k/v + b, m = 0 for real keys, -1e9 for padding
 *     x = LayerNorm(x + a W_o + b_o)
 *     x = LayerNorm(x + GELU(x W_i + b_i) W_2 + b_2)
 * GELU is the exact one, x Φ(x) = 0.5 x (1 + erf(x / sqrt 2)) ("gelu" in config.json); the tanh approximation
 * ("gelu_new", "gelu_pytorch_tanh") and ReLU are also accepted.
 *
 * RoBERTa (Liu et al. 2019) is the same network with fairseq's position numbering, which Hugging Face's
 * `RobertaModel` keeps: with padding index P (config.json's pad_token_id), the real tokens of a sequence take
 * positions P+1, P+2, ... and padding takes P (so only max_position_embeddings - P - 1 tokens fit); its single
 * token type is type 0. `BertModelOptions.paddingIdx` selects that numbering; src/model/roberta-load.ts sets it.
 *
 * Linear weights are stored by PyTorch as [out, in]; they are transposed once at load to [in, out] so every
 * dense layer is one plain matrix product (the OpenBLAS kernels of src/runtime/kernels take it as is), and the
 * 1/sqrt(d) scale is folded into the query weight and bias. The residual stream is a 2-D [B*T, H] matrix.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../runtime/errors';
import { geluTanh, layerNorm } from './layers';

export type BertActivation = 'gelu' | 'gelu_tanh' | 'relu';

export interface BertConfig {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  hidden_act: string;
  max_position_embeddings: number;
  type_vocab_size: number;
  layer_norm_eps: number;
}

/** The published bert-base-uncased shape (110M parameters). */
export const BERT_BASE: BertConfig = {
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: 'gelu',
  max_position_embeddings: 512,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
};

/** Our activation for a config.json `hidden_act`, or null when unsupported. */
export function activationOf(name: string): BertActivation | null {
  if (name === 'gelu' || name === 'gelu_python') return 'gelu';
  if (name === 'gelu_new' || name === 'gelu_pytorch_tanh' || name === 'gelu_fast') return 'gelu_tanh';
  if (name === 'relu') return 'relu';
  return null;
}

/** Check a configuration; `where` names its source for the message. */
export function validateBertConfig(config: BertConfig, where = 'BERT configuration'): void {
  const ints: Array<keyof BertConfig> = ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'max_position_embeddings', 'type_vocab_size'];
  for (const key of ints) {
    const v = config[key];
    if (!Number.isInteger(v) || (v as number) < 1) throw new UserError(`${where}: "${key}" must be a positive integer, got ${JSON.stringify(v)}. Fix: correct config.json`);
  }
  if (config.hidden_size % config.num_attention_heads !== 0) {
    throw new UserError(`${where}: hidden_size ${config.hidden_size} is not a multiple of num_attention_heads ${config.num_attention_heads}. Fix: correct config.json`);
  }
  if (!(typeof config.layer_norm_eps === 'number' && config.layer_norm_eps > 0)) {
    throw new UserError(`${where}: "layer_norm_eps" must be a positive number, got ${JSON.stringify(config.layer_norm_eps)}. Fix: correct config.json`);
  }
  if (!activationOf(config.hidden_act)) {
    throw new UserError(`${where}: hidden_act "${config.hidden_act}" is not supported. Fix: use a BERT checkpoint with "gelu" (or gelu_new, gelu_pytorch_tanh, relu)`);
  }
}

export interface BertParamSpec {
  /** `BertModel` name without the "bert." prefix, e.g. "encoder.layer.0.attention.self.query.weight". */
  name: string;
  /** As stored (PyTorch layout: linear weights [out, in]). */
  shape: number[];
  kind: 'embedding' | 'linear' | 'bias' | 'gain';
}

/** Every weight the encoder uses (the pooler and pre-training heads are not needed), in BertModel's order. */
export function bertParameterSpecs(c: BertConfig): BertParamSpec[] {
  const H = c.hidden_size;
  const I = c.intermediate_size;
  const specs: BertParamSpec[] = [
    { name: 'embeddings.word_embeddings.weight', shape: [c.vocab_size, H], kind: 'embedding' },
    { name: 'embeddings.position_embeddings.weight', shape: [c.max_position_embeddings, H], kind: 'embedding' },
    { name: 'embeddings.token_type_embeddings.weight', shape: [c.type_vocab_size, H], kind: 'embedding' },
    { name: 'embeddings.LayerNorm.weight', shape: [H], kind: 'gain' },
    { name: 'embeddings.LayerNorm.bias', shape: [H], kind: 'bias' },
  ];
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const p = `encoder.layer.${l}.`;
    for (const part of ['query', 'key', 'value']) {
      specs.push({ name: `${p}attention.self.${part}.weight`, shape: [H, H], kind: 'linear' }, { name: `${p}attention.self.${part}.bias`, shape: [H], kind: 'bias' });
    }
    specs.push(
      { name: `${p}attention.output.dense.weight`, shape: [H, H], kind: 'linear' },
      { name: `${p}attention.output.dense.bias`, shape: [H], kind: 'bias' },
      { name: `${p}attention.output.LayerNorm.weight`, shape: [H], kind: 'gain' },
      { name: `${p}attention.output.LayerNorm.bias`, shape: [H], kind: 'bias' },
      { name: `${p}intermediate.dense.weight`, shape: [I, H], kind: 'linear' },
      { name: `${p}intermediate.dense.bias`, shape: [I], kind: 'bias' },
      { name: `${p}output.dense.weight`, shape: [H, I], kind: 'linear' },
      { name: `${p}output.dense.bias`, shape: [H], kind: 'bias' },
      { name: `${p}output.LayerNorm.weight`, shape: [H], kind: 'gain' },
      { name: `${p}output.LayerNorm.bias`, shape: [H], kind: 'bias' },
    );
  }
  return specs;
}

export function countBertParameters(c: BertConfig): number {
  return bertParameterSpecs(c).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
}

/** A large negative score that softmax turns into an exact zero in float32. */
const MASKED = -1e9;

interface Layer {
  wq: tf.Tensor2D; bq: tf.Tensor1D;
  wk: tf.Tensor2D; bk: tf.Tensor1D;
  wv: tf.Tensor2D; bv: tf.Tensor1D;
  wo: tf.Tensor2D; bo: tf.Tensor1D;
  ln1g: tf.Tensor1D; ln1b: tf.Tensor1D;
  wi: tf.Tensor2D; bi: tf.Tensor1D;
  w2: tf.Tensor2D; b2: tf.Tensor1D;
  ln2g: tf.Tensor1D; ln2b: tf.Tensor1D;
}

/** [rows, cols] row-major -> [cols, rows], times `scale`. */
function transpose(data: Float32Array, rows: number, cols: number, scale = 1): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[base + c] * scale;
  }
  return out;
}

export interface BertModelOptions {
  /** RoBERTa's position numbering with this padding index (header); absent or null: BERT's 0..T-1. */
  paddingIdx?: number | null;
}

/** A padded batch of token-id sequences: ids and a 0/1 mask, both [B*T] row-major. */
export interface BertBatch {
  batchSize: number;
  seqLen: number;
  ids: Int32Array;
  /** 1 for a real token, 0 for padding. */
  mask: Uint8Array;
}

/** Pad sequences to their longest with `padId` (mask 0 there). */
export function padBatch(sequences: readonly number[][], padId: number): BertBatch {
  const B = sequences.length;
  const T = Math.max(1, ...sequences.map((s) => s.length));
  const ids = new Int32Array(B * T).fill(padId);
  const mask = new Uint8Array(B * T);
  sequences.forEach((s, b) => {
    ids.set(s, b * T);
    mask.fill(1, b * T, b * T + s.length);
  });
  return { batchSize: B, seqLen: T, ids, mask };
}

export class Bert {
  readonly config: BertConfig;
  private readonly activation: BertActivation;
  private readonly wordEmb: tf.Tensor2D;
  private readonly posEmb: tf.Tensor2D;
  /** Row 0 of the token-type table (every token of a single-sequence input has type 0), [1, H]. */
  private readonly typeEmb: tf.Tensor2D;
  private readonly embLnG: tf.Tensor1D;
  private readonly embLnB: tf.Tensor1D;
  private readonly layers: Layer[] = [];
  /** RoBERTa's padding index, or null for BERT's positions. */
  readonly paddingIdx: number | null;
  private disposed = false;

  private constructor(config: BertConfig, arrays: Map<string, Float32Array>, options: BertModelOptions) {
    this.config = { ...config };
    this.paddingIdx = options.paddingIdx ?? null;
    this.activation = activationOf(config.hidden_act)!;
    const H = config.hidden_size;
    const I = config.intermediate_size;
    const D = H / config.num_attention_heads;
    const get = (name: string) => arrays.get(name)!;
    const vec = (name: string, scale = 1) => {
      const d = get(name);
      return tf.tensor1d(scale === 1 ? d : d.map((x) => x * scale), 'float32');
    };
    // [out, in] -> [in, out]
    const lin = (name: string, out: number, inp: number, scale = 1) => tf.tensor2d(transpose(get(name), out, inp, scale), [inp, out], 'float32');
    this.wordEmb = tf.tensor2d(get('embeddings.word_embeddings.weight'), [config.vocab_size, H]);
    this.posEmb = tf.tensor2d(get('embeddings.position_embeddings.weight'), [config.max_position_embeddings, H]);
    this.typeEmb = tf.tensor2d(get('embeddings.token_type_embeddings.weight').slice(0, H), [1, H]);
    this.embLnG = vec('embeddings.LayerNorm.weight');
    this.embLnB = vec('embeddings.LayerNorm.bias');
    const qScale = 1 / Math.sqrt(D);
    for (let l = 0; l < config.num_hidden_layers; l++) {
      const p = `encoder.layer.${l}.`;
      this.layers.push({
        wq: lin(`${p}attention.self.query.weight`, H, H, qScale), bq: vec(`${p}attention.self.query.bias`, qScale),
        wk: lin(`${p}attention.self.key.weight`, H, H), bk: vec(`${p}attention.self.key.bias`),
        wv: lin(`${p}attention.self.value.weight`, H, H), bv: vec(`${p}attention.self.value.bias`),
        wo: lin(`${p}attention.output.dense.weight`, H, H), bo: vec(`${p}attention.output.dense.bias`),
        ln1g: vec(`${p}attention.output.LayerNorm.weight`), ln1b: vec(`${p}attention.output.LayerNorm.bias`),
        wi: lin(`${p}intermediate.dense.weight`, I, H), bi: vec(`${p}intermediate.dense.bias`),
        w2: lin(`${p}output.dense.weight`, H, I), b2: vec(`${p}output.dense.bias`),
        ln2g: vec(`${p}output.LayerNorm.weight`), ln2b: vec(`${p}output.LayerNorm.bias`),
      });
    }
  }

  /**
   * A model from float32 arrays by canonical name (`bertParameterSpecs`, PyTorch layout). Missing or
   * mis-shaped arrays are UserErrors naming `source`.
   */
  static fromArrays(config: BertConfig, arrays: Map<string, Float32Array>, source = 'weights', options: BertModelOptions = {}): Bert {
    validateBertConfig(config, source);
    const p = options.paddingIdx;
    if (p != null && !(Number.isInteger(p) && p >= 0 && p < config.max_position_embeddings - 1)) {
      throw new UserError(`${source}: the padding index ${p} leaves no position for a token among max_position_embeddings ${config.max_position_embeddings}. Fix: correct pad_token_id in config.json`);
    }
    for (const spec of bertParameterSpecs(config)) {
      const data = arrays.get(spec.name);
      if (!data) throw new UserError(`${source}: missing weight "${spec.name}". Fix: use a complete BERT checkpoint`);
      const size = spec.shape.reduce((a, b) => a * b, 1);
      if (data.length !== size) {
        throw new UserError(`${source}: weight "${spec.name}" has ${data.length} values, expected shape [${spec.shape}] (${size}). Fix: use the config.json that came with the weights`);
      }
    }
    return new Bert(config, arrays, options);
  }

  /** The most tokens per sequence ([CLS]/<s> and [SEP]/</s> included) the position table holds. */
  get maxSequence(): number {
    return this.config.max_position_embeddings - (this.paddingIdx === null ? 0 : this.paddingIdx + 1);
  }

  /** RoBERTa's position ids [B*T] (header): P + (number of real tokens up to and including t) for a real token, P for padding. */
  private robertaPositions(batch: BertBatch, P: number): Int32Array {
    const { batchSize: B, seqLen: T, mask } = batch;
    const out = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      let seen = 0;
      for (let t = 0; t < T; t++) {
        const i = b * T + t;
        seen += mask[i];
        out[i] = mask[i] ? P + seen : P;
      }
    }
    return out;
  }

  /** Final hidden states [B*T, H] of a padded batch (padding positions hold values that mean nothing). */
  hidden2d(batch: BertBatch): tf.Tensor2D {
    if (this.disposed) throw new Error('Bert: used after dispose()');
    const c = this.config;
    const { batchSize: B, seqLen: T, ids, mask } = batch;
    if (ids.length !== B * T || mask.length !== B * T) throw new Error('Bert: ids and mask must have B*T entries');
    if (T > this.maxSequence) {
      throw new UserError(`a sequence of ${T} tokens is longer than the model's ${this.maxSequence} positions. Fix: use a smaller --max-tokens`);
    }
    for (let i = 0; i < ids.length; i++) {
      if (!(ids[i] >= 0 && ids[i] < c.vocab_size)) throw new Error(`Bert: token id ${ids[i]} outside the vocabulary of ${c.vocab_size}`);
    }
    const H = c.hidden_size;
    const NH = c.num_attention_heads;
    const D = H / NH;
    const N = B * T;
    // Additive key mask per (sequence, head): [B*NH, 1, T].
    const maskData = new Float32Array(B * NH * T);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        if (mask[b * T + t]) continue;
        for (let h = 0; h < NH; h++) maskData[(b * NH + h) * T + t] = MASKED;
      }
    }
    // Each layer in its own scope: one tidy around all layers would keep every layer's [B*NH, T, T]
    // attention tensors alive until the end (gigabytes for BERT-base at 450 tokens).
    const keyMask = mask.includes(0) ? tf.tensor3d(maskData, [B * NH, 1, T]) : null; // none without padding
    try {
      let x = tf.tidy(() => {
        const words = tf.gather(this.wordEmb, tf.tensor1d(ids, 'int32'));
        let emb: tf.Tensor2D;
        if (this.paddingIdx === null) {
          const positions = tf.add(tf.slice(this.posEmb, [0, 0], [T, H]), this.typeEmb);
          emb = tf.reshape(tf.add(tf.reshape(words, [B, T, H]), positions), [N, H]) as tf.Tensor2D;
        } else {
          const positions = tf.gather(this.posEmb, tf.tensor1d(this.robertaPositions(batch, this.paddingIdx), 'int32'));
          emb = tf.add(tf.add(words, positions), this.typeEmb) as tf.Tensor2D;
        }
        return layerNorm(emb, this.embLnG, this.embLnB, c.layer_norm_eps);
      });
      const heads = (m: tf.Tensor2D) => tf.reshape(tf.transpose(tf.reshape(m, [B, T, NH, D]), [0, 2, 1, 3]), [B * NH, T, D]) as tf.Tensor3D;
      const dense = (a: tf.Tensor2D, w: tf.Tensor2D, bias: tf.Tensor1D) => tf.fused.matMul({ a, b: w, bias }) as tf.Tensor2D;
      for (const L of this.layers) {
        const next = tf.tidy(() => {
          const q = heads(dense(x, L.wq, L.bq));
          const k = heads(dense(x, L.wk, L.bk));
          const v = heads(dense(x, L.wv, L.bv));
          const scores = tf.matMul(q, k, false, true);
          const probs = tf.softmax(keyMask ? tf.add(scores, keyMask) : scores);
          const ctx = tf.matMul(probs, v);
          const merged = tf.reshape(tf.transpose(tf.reshape(ctx, [B, NH, T, D]), [0, 2, 1, 3]), [N, H]) as tf.Tensor2D;
          const y = layerNorm(tf.add(x, dense(merged, L.wo, L.bo)), L.ln1g, L.ln1b, c.layer_norm_eps);
          const inner = this.activate(dense(y, L.wi, L.bi));
          return layerNorm(tf.add(y, dense(inner, L.w2, L.b2)), L.ln2g, L.ln2b, c.layer_norm_eps);
        });
        x.dispose();
        x = next;
      }
      return x;
    } finally {
      keyMask?.dispose();
    }
  }

  /** Final hidden states [B, T, H]. */
  hidden(batch: BertBatch): tf.Tensor3D {
    return tf.tidy(() => tf.reshape(this.hidden2d(batch), [batch.batchSize, batch.seqLen, this.config.hidden_size]) as tf.Tensor3D);
  }

  /**
   * Global average pooling over the real tokens ([CLS] and [SEP] included, padding excluded): [B, H], the
   * mean of each sequence's final hidden states where mask = 1.
   */
  pooled(batch: BertBatch): tf.Tensor2D {
    const { batchSize: B, seqLen: T, mask } = batch;
    const weights = new Float32Array(B * T);
    for (let b = 0; b < B; b++) {
      let n = 0;
      for (let t = 0; t < T; t++) n += mask[b * T + t];
      if (n === 0) throw new Error(`Bert.pooled: sequence ${b} has no tokens`);
      for (let t = 0; t < T; t++) weights[b * T + t] = mask[b * T + t] / n;
    }
    return tf.tidy(() => {
      const h = this.hidden(batch);
      // [B, 1, T] x [B, T, H] -> [B, 1, H]: one batched product (and exact zeros for the padding).
      const mean = tf.matMul(tf.tensor3d(weights, [B, 1, T]), h);
      return tf.reshape(mean, [B, this.config.hidden_size]) as tf.Tensor2D;
    });
  }

  private activate(x: tf.Tensor2D): tf.Tensor2D {
    if (this.activation === 'relu') return tf.relu(x);
    if (this.activation === 'gelu_tanh') return geluTanh(x);
    // 0.5 x (1 + erf(x / sqrt 2))
    return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as tf.Tensor2D);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([this.wordEmb, this.posEmb, this.typeEmb, this.embLnG, this.embLnB]);
    for (const L of this.layers) tf.dispose(Object.values(L));
  }
}
