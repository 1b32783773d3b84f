/**
 * GPT-2 (Radford et al. 2019, "Language Models are Unsupervised Multitask Learners") in TensorFlow.js, with
 * Hugging Face's `GPT2LMHeadModel` architecture, parameter names and shapes, so that weights move between the
 * two without renaming: learned position embeddings, pre-layer-norm blocks, fused q/k/v attention with a
 * causal mask, a 4x tanh-GELU MLP, a final layer norm and an output layer tied to the token embedding.
 *
 * The residual stream is kept as a 2-D [B*T, C] matrix so every dense layer is one 2-D matrix product; the
 * attention products are batched 3-D products over B*H heads.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../runtime/rng';
import { UserError } from '../runtime/errors';
import { GPT2Config, parameterSpecs, countParameters, validateConfig, ParamSpec } from './config';
import { embeddingLookup, gatherRows } from './embedding';
import { DropoutStream } from './dropout';
import { uint32Stream } from './uniform';
import { geluTanh, layerNorm, linear } from './layers';

export interface ForwardOptions {
  /** Dropout is active only when true (default false). */
  training?: boolean;
  /**
   * Seed of this forward pass's dropout masks; required when training with dropout. Give every training
   * step its own seed (e.g. derived from the run seed and the step) so that masks differ between steps.
   */
  dropoutSeed?: number;
}

/** Keys and values of the positions seen so far, per layer, as [B*H, length, head size]. */
export class KVCache {
  readonly keys: tf.Tensor3D[] = [];
  readonly values: tf.Tensor3D[] = [];
  /** Number of positions already in the cache. */
  length = 0;

  constructor(readonly batchSize: number) {}

  dispose(): void {
    for (const t of this.keys) t.dispose();
    for (const t of this.values) t.dispose();
    this.keys.length = 0;
    this.values.length = 0;
    this.length = 0;
  }
}

/** A large negative score that softmax turns into an exact zero in float32 (as the -inf mask would). */
const MASKED = -1e9;
/** Full-sequence causal masks kept at most (see `causalMask`). */
const MAX_KEPT_MASKS = 4;

interface Block {
  ln1g: tf.Variable; ln1b: tf.Variable;
  attnW: tf.Variable; attnB: tf.Variable;
  projW: tf.Variable; projB: tf.Variable;
  ln2g: tf.Variable; ln2b: tf.Variable;
  fcW: tf.Variable; fcB: tf.Variable;
  mlpW: tf.Variable; mlpB: tf.Variable;
}

export class GPT2 {
  readonly config: GPT2Config;
  /** All trainable weights by Hugging Face name ("transformer.h.0.attn.c_attn.weight", ...). */
  readonly weights: Map<string, tf.Variable>;
  private readonly blocks: Block[] = [];
  private readonly wte: tf.Variable;
  private readonly wpe: tf.Variable;
  private readonly lnfG: tf.Variable;
  private readonly lnfB: tf.Variable;
  /** Additive causal masks by "queries,keys", made once and kept. */
  private readonly masks = new Map<string, tf.Tensor2D>();

  private constructor(config: GPT2Config, weights: Map<string, tf.Variable>) {
    this.config = { ...config };
    this.weights = weights;
    const get = (name: string) => {
      const w = weights.get(name);
      if (!w) throw new Error(`GPT2: missing weight ${name}`);
      return w;
    };
    this.wte = get('transformer.wte.weight');
    this.wpe = get('transformer.wpe.weight');
    this.lnfG = get('transformer.ln_f.weight');
    this.lnfB = get('transformer.ln_f.bias');
    for (let l = 0; l < config.n_layer; l++) {
      const p = `transformer.h.${l}.`;
      this.blocks.push({
        ln1g: get(`${p}ln_1.weight`), ln1b: get(`${p}ln_1.bias`),
        attnW: get(`${p}attn.c_attn.weight`), attnB: get(`${p}attn.c_attn.bias`),
        projW: get(`${p}attn.c_proj.weight`), projB: get(`${p}attn.c_proj.bias`),
        ln2g: get(`${p}ln_2.weight`), ln2b: get(`${p}ln_2.bias`),
        fcW: get(`${p}mlp.c_fc.weight`), fcB: get(`${p}mlp.c_fc.bias`),
        mlpW: get(`${p}mlp.c_proj.weight`), mlpB: get(`${p}mlp.c_proj.bias`),
      });
    }
  }

  /**
   * A freshly initialised model, as Hugging Face initialises GPT-2: weights N(0, initializer_range), the two
   * residual projections per block (attn.c_proj, mlp.c_proj) N(0, initializer_range / sqrt(2 n_layer))
   * (the GPT-2 paper's scaling of residual layers), biases 0, layer-norm gains 1. Each weight draws from its own
   * generator derived from (seed, name), so the values do not depend on creation order.
   */
  static create(config: GPT2Config, seed: number): GPT2 {
    validateConfig(config);
    const values = new Map<string, Float32Array>();
    for (const spec of parameterSpecs(config)) values.set(spec.name, initialValues(spec, config, seed));
    return GPT2.fromArrays(config, values);
  }

  /**
   * A model from raw float32 arrays by Hugging Face name (every name of `parameterSpecs(config)`, each of the
   * right size). Used by the checkpoint loader.
   */
  static fromArrays(config: GPT2Config, arrays: Map<string, Float32Array>, source = 'weights'): GPT2 {
    validateConfig(config, source);
    const weights = new Map<string, tf.Variable>();
    try {
      for (const spec of parameterSpecs(config)) {
        const data = arrays.get(spec.name);
        if (!data) throw new UserError(`${source}: missing weight "${spec.name}". Fix: use a complete GPT-2 checkpoint`);
        const size = spec.shape.reduce((a, b) => a * b, 1);
        if (data.length !== size) {
          throw new UserError(`${source}: weight "${spec.name}" has ${data.length} values, expected shape [${spec.shape}] (${size}). Fix: check that config.json matches the weights`);
        }
        const initial = tf.tensor(data, spec.shape, 'float32');
        weights.set(spec.name, tf.variable(initial, true));
        initial.dispose(); // the variable holds its own reference to the data

      }
    } catch (err) {
      for (const v of weights.values()) v.dispose();
      throw err;
    }
    return new GPT2(config, weights);
  }

  /**
   * Final hidden states [B, T, C] (after ln_f), before the output layer. Callers that cannot afford the full
   * [B, T, V] logits (50k columns) multiply slices of these by wteᵀ themselves (see `outputWeight`).
   */
  hidden(tokens: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    const [B, T] = tokens.shape;
    return tf.tidy(() => tf.reshape(this.forward2d(tokens, opts, null), [B, T, this.config.n_embd]) as tf.Tensor3D);
  }

  /** tokens [B,T] int32 -> logits [B,T,V]. Dropout active only when training; dropoutSeed makes it reproducible. */
  logits(tokens: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    const [B, T] = tokens.shape;
    return tf.tidy(() => {
      const h = this.forward2d(tokens, opts, null);
      return tf.reshape(this.project(h), [B, T, this.config.vocab_size]) as tf.Tensor3D;
    });
  }

  /**
   * Logits [P, V] of selected positions only: `positions` index the flattened [B*T] sequence (b * T + t).
   * Training needs logits only where a loss is taken; skipping padding, blanks and separators before the
   * 50k-wide output layer saves that share of its cost, forward and backward. Differentiable on every backend.
   */
  logitsAt(tokens: tf.Tensor2D, positions: Int32Array | number[], opts: ForwardOptions = {}): tf.Tensor2D {
    const [B, T] = tokens.shape;
    for (const p of positions) {
      if (!(Number.isInteger(p) && p >= 0 && p < B * T)) throw new Error(`GPT2.logitsAt: position ${p} outside [0, ${B * T})`);
    }
    return tf.tidy(() => {
      const h = this.forward2d(tokens, opts, null);
      return this.project(gatherRows(h, tf.tensor1d(Int32Array.from(positions), 'int32')));
    });
  }

  /** The tied output layer: hidden [N, C] -> logits [N, V] = h · wteᵀ. */
  project(h: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(h, this.wte as tf.Tensor2D, false, true);
  }

  /** The output layer's weight, [V, C] (the token embedding; logits = h · wteᵀ). */
  get outputWeight(): tf.Variable {
    return this.wte;
  }

  /** An empty key/value cache for incremental decoding of `batchSize` sequences. */
  newCache(batchSize: number): KVCache {
    return new KVCache(batchSize);
  }

  /**
   * Incremental decoding (inference only, no dropout): logits [B, t, V] of the t new tokens given everything
   * already in `cache`, which is extended in place. Equal to the matching rows of a full forward pass.
   */
  step(tokens: tf.Tensor2D, cache: KVCache): tf.Tensor3D {
    const [B, t] = tokens.shape;
    if (B !== cache.batchSize) throw new Error(`GPT2.step: cache is for batch ${cache.batchSize}, got ${B} sequences`);
    return tf.tidy(() => {
      const h = this.forward2d(tokens, {}, cache);
      return tf.reshape(this.project(h), [B, t, this.config.vocab_size]) as tf.Tensor3D;
    });
  }

  /** Trainable parameters, counting the tied lm_head once (Hugging Face's convention). */
  parameterCount(): number {
    let total = 0;
    for (const v of this.weights.values()) total += v.size;
    return total;
  }

  /** A printable table: one row per module with its parameter count, then the configuration and total. */
  summary(): string {
    return modelSummary(this.config, this.parameterCount());
  }

  dispose(): void {
    for (const v of this.weights.values()) v.dispose();
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
  }

  /** The whole network up to ln_f, returning [B*T, C]. With a cache: positions continue after it. */
  private forward2d(tokens: tf.Tensor2D, opts: ForwardOptions, cache: KVCache | null): tf.Tensor2D {
    const cfg = this.config;
    const [B, T] = tokens.shape;
    const past = cache ? cache.length : 0;
    if (tokens.dtype !== 'int32') throw new Error(`GPT2: tokens must be int32, got ${tokens.dtype}`);
    if (T < 1) throw new Error('GPT2: empty token sequence');
    if (past + T > cfg.n_positions) {
      throw new UserError(`sequence of ${past + T} tokens is longer than the model's ${cfg.n_positions} positions. Fix: use a shorter --seq-len or a model with more positions`);
    }
    checkTokenIds(tokens, cfg.vocab_size);
    const training = opts.training === true && !cache;
    let dropout: DropoutStream | null = null;
    if (training && (cfg.embd_pdrop > 0 || cfg.attn_pdrop > 0 || cfg.resid_pdrop > 0)) {
      if (opts.dropoutSeed === undefined) throw new Error('GPT2: training with dropout needs opts.dropoutSeed');
      dropout = new DropoutStream(opts.dropoutSeed);
    }
    const drop = <X extends tf.Tensor>(x: X, rate: number): X => (dropout ? dropout.apply(x, rate) : x);
    const N = B * T;
    const C = cfg.n_embd;

    const tokenEmb = embeddingLookup(this.wte as tf.Tensor2D, tf.reshape(tokens, [N]) as tf.Tensor1D);
    const posEmb = tf.slice(this.wpe, [past, 0], [T, C]);
    let x = tf.reshape(tf.add(tf.reshape(tokenEmb, [B, T, C]), posEmb), [N, C]) as tf.Tensor2D;
    x = drop(x, cfg.embd_pdrop);
    const mask = this.causalMask(T, past + T);
    for (let l = 0; l < this.blocks.length; l++) {
      const blk = this.blocks[l];
      const a = this.attention(layerNorm(x, blk.ln1g as tf.Tensor1D, blk.ln1b as tf.Tensor1D, cfg.layer_norm_epsilon), blk, B, T, mask, cache, l, drop);
      x = tf.add(x, drop(a, cfg.resid_pdrop));
      const hIn = layerNorm(x, blk.ln2g as tf.Tensor1D, blk.ln2b as tf.Tensor1D, cfg.layer_norm_epsilon);
      const m = linear(geluTanh(linear(hIn, blk.fcW as tf.Tensor2D, blk.fcB as tf.Tensor1D)), blk.mlpW as tf.Tensor2D, blk.mlpB as tf.Tensor1D);
      x = tf.add(x, drop(m, cfg.resid_pdrop));
    }
    if (cache) cache.length = past + T;
    return layerNorm(x, this.lnfG as tf.Tensor1D, this.lnfB as tf.Tensor1D, cfg.layer_norm_epsilon);
  }

  /**
   * Causal self-attention of one block (Vaswani et al. 2017): softmax(q kᵀ / sqrt(d) + mask) v per head.
   * q, k and v come from column slices of the fused c_attn weight rather than from splitting the [B*T, 3C]
   * product: slicing a [C, 3C] weight copies far less than slicing the activations (wasm's SplitV took 280 ms
   * for one [2048, 768] split here), and the products are the same. The 1/sqrt(d) scale is folded into the q
   * weight and bias ([C, C]) instead of the scores ([B*H, T, T]).
   */
  private attention(
    h: tf.Tensor2D, blk: Block, B: number, T: number, mask: tf.Tensor2D | null,
    cache: KVCache | null, layer: number, drop: <X extends tf.Tensor>(x: X, rate: number) => X,
  ): tf.Tensor2D {
    const C = this.config.n_embd;
    const H = this.config.n_head;
    const D = C / H;
    const W = blk.attnW as tf.Tensor2D;
    const bias = blk.attnB as tf.Tensor1D;
    const part = (i: number, scale = 1) => {
      const w = tf.slice(W, [0, i * C], [C, C]) as tf.Tensor2D;
      const b = tf.slice(bias, [i * C], [C]) as tf.Tensor1D;
      return scale === 1 ? linear(h, w, b) : linear(h, tf.mul(w, scale) as tf.Tensor2D, tf.mul(b, scale) as tf.Tensor1D);
    };
    // [B*T, C] -> [B, T, H, D] -> [B, H, T, D] -> [B*H, T, D]
    const heads = (m: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(m, [B, T, H, D]), [0, 2, 1, 3]), [B * H, T, D]) as tf.Tensor3D;
    const q = heads(part(0, 1 / Math.sqrt(D)));
    let k = heads(part(1));
    let v = heads(part(2));
    if (cache) {
      const oldK = cache.keys[layer];
      const oldV = cache.values[layer];
      if (oldK) {
        k = tf.concat([oldK, k], 1);
        v = tf.concat([oldV, v], 1);
        oldK.dispose();
        oldV.dispose();
      }
      cache.keys[layer] = tf.keep(k);
      cache.values[layer] = tf.keep(v);
    }
    const raw = tf.matMul(q, k, false, true); // [B*H, T, S]
    const scores = mask ? tf.add(raw, mask) : raw;
    const probs = drop(tf.softmax(scores), this.config.attn_pdrop);
    const ctx = tf.matMul(probs, v); // [B*H, T, D]
    const merged = tf.reshape(tf.transpose(tf.reshape(ctx, [B, H, T, D]), [0, 2, 1, 3]), [B * T, C]) as tf.Tensor2D;
    return linear(merged, blk.projW as tf.Tensor2D, blk.projB as tf.Tensor1D);
  }

  /**
   * [T, S] additive mask: query i (absolute position S - T + i) sees keys 0..S - T + i. None is needed for a
   * single new query, which sees everything. Full-sequence masks (S = T) are made once and kept.
   */
  private causalMask(T: number, S: number): tf.Tensor2D | null {
    if (T === 1) return null;
    const key = `${T},${S}`;
    const kept = this.masks.get(key);
    if (kept) return kept;
    const data = new Float32Array(T * S);
    const offset = S - T;
    for (let i = 0; i < T; i++) for (let j = offset + i + 1; j < S; j++) data[i * S + j] = MASKED;
    const m = tf.tensor2d(data, [T, S]);
    if (S === T) {
      // Training uses one or two lengths; prompts of many lengths must not pile up T x T masks.
      if (this.masks.size >= MAX_KEPT_MASKS) {
        for (const old of this.masks.values()) old.dispose();
        this.masks.clear();
      }
      this.masks.set(key, tf.keep(m));
    }
    return m;
  }
}

function initialValues(spec: ParamSpec, config: GPT2Config, seed: number): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (spec.init === 'ones') out.fill(1);
  if (spec.init === 'normal' || spec.init === 'residual') {
    const std = spec.init === 'normal' ? config.initializer_range : config.initializer_range / Math.sqrt(2 * config.n_layer);
    fillNormal(out, Rng.derive(seed, 'init', spec.name), std);
  }
  return out;
}

/**
 * Fill with N(0, std²) draws from `rng`'s stream: Box-Muller (Box & Muller 1958) on pairs of uniforms
 * u1 = a / 2^32 (a > 0) and u2 = b / 2^32, using both the cosine and the sine value.
 */
export function fillNormal(out: Float32Array, rng: Rng, std: number): void {
  const next = uint32Stream(rng);
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    let a = next();
    while (a === 0) a = next();
    const angle = (2 * Math.PI * next()) / 4294967296;
    const r = Math.sqrt(-2 * Math.log(a / 4294967296)) * std;
    out[i] = r * Math.cos(angle);
    if (i + 1 < n) out[i + 1] = r * Math.sin(angle);
  }
}

/**
 * A tensor's values when they can be read without waiting: always on cpu and wasm; on webgpu only while they
 * are still on the host (a tensor made from an array and not yet uploaded), since the backend's synchronous
 * read of GPU memory needs OffscreenCanvas, which Node lacks. The token ids the model is given are such
 * tensors; ids computed on the GPU (none in this project) would go unchecked.
 */
function hostValues(t: tf.Tensor): ArrayLike<number> | null {
  if (tf.getBackend() !== 'webgpu') return t.dataSync();
  // tfjs-backend-webgpu 4.x keeps an array's values in its tensorMap until the first upload, then drops them.
  const backend = tf.backend() as unknown as { tensorMap?: { get(id: object): { values?: ArrayLike<number> | null } | undefined } };
  return backend.tensorMap?.get(t.dataId)?.values ?? null;
}

/** Reject token ids outside the vocabulary (gather would silently read garbage on some backends). */
function checkTokenIds(tokens: tf.Tensor2D, vocab: number): void {
  const ids = hostValues(tokens);
  if (!ids) return;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(id >= 0 && id < vocab)) {
      throw new UserError(`token id ${id} at position ${i} is outside the model's vocabulary of ${vocab}. Fix: use the tokenizer that matches the model (ILM vocabulary 50264)`);
    }
  }
}

/** The summary table for a configuration (used by `GPT2.summary` and before allocating a large model). */
export function modelSummary(config: GPT2Config, total = countParameters(config)): string {
  const rows: Array<[string, string, number]> = [];
  const specs = parameterSpecs(config);
  const group = (prefix: string) => specs.filter((s) => s.name.startsWith(prefix)).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  rows.push(['transformer.wte', `[${config.vocab_size}, ${config.n_embd}]`, group('transformer.wte.')]);
  rows.push(['transformer.wpe', `[${config.n_positions}, ${config.n_embd}]`, group('transformer.wpe.')]);
  for (let l = 0; l < config.n_layer; l++) {
    rows.push([`transformer.h.${l} (ln_1, attn, ln_2, mlp)`, `${config.n_head} heads, mlp ${4 * config.n_embd}`, group(`transformer.h.${l}.`)]);
  }
  rows.push(['transformer.ln_f', `[${config.n_embd}]`, group('transformer.ln_f.')]);
  rows.push(['lm_head (tied to wte)', `[${config.vocab_size}, ${config.n_embd}]`, 0]);
  const w0 = Math.max(...rows.map((r) => r[0].length), 6);
  const w1 = Math.max(...rows.map((r) => r[1].length), 5);
  const fmt = (n: number) => n.toLocaleString('en-US');
  const lines = [`${'module'.padEnd(w0)}  ${'shape'.padEnd(w1)}  parameters`];
  for (const [a, b, c] of rows) lines.push(`${a.padEnd(w0)}  ${b.padEnd(w1)}  ${fmt(c).padStart(11)}`);
  lines.push(`GPT-2: ${config.n_layer} layers, ${config.n_embd} wide, ${config.n_head} heads, ${config.n_positions} positions, vocabulary ${fmt(config.vocab_size)}`);
  lines.push(`Total parameters: ${fmt(total)}`);
  return lines.join('\n');
}
