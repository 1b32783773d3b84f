/**
 * AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019), in the form of PyTorch's
 * torch.optim.AdamW: decay the weights by lr * wd, update the moment estimates, correct their bias, step by
 * lr * m_hat / (sqrt(v_hat) + eps). Following the reference (spec section 5) biases and layer-norm parameters
 * are never decayed. Also here: gradient accumulation over micro-batches and global-norm clipping
 * (Pascanu et al., "On the difficulty of training recurrent neural networks", ICML 2013), as
 * torch.nn.utils.clip_grad_norm_ does it (scale by max_norm / (norm + 1e-6) when the norm exceeds max_norm).
 *
 * All state (the step count and both moments per weight) can be exported as float32 arrays and restored
 * exactly, which byte-identical resume needs.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

/** Hugging Face GPT-2 names: biases end in ".bias"; layer norms are ln_1, ln_2 and ln_f. */
export function isDecayed(name: string): boolean {
  return !(name.endsWith('.bias') || /(^|\.)ln_(\d+|f)\./.test(name));
}

export interface OptimizerState {
  step: number;
  /** `m.<name>` and `v.<name>` moments, float32, in the weights' shapes. */
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

let nextInstance = 0;

export class AdamW {
  /** Number of updates applied so far. */
  step = 0;
  readonly opts: AdamWOptions;
  private m = new Map<string, tf.Variable>();
  private v = new Map<string, tf.Variable>();

  constructor(private readonly params: Map<string, tf.Variable>, opts: Partial<AdamWOptions> = {}) {
    this.opts = { ...ADAMW_DEFAULTS, ...opts };
    const instance = nextInstance++; // tf.js variable names must be unique per process
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false, `adamw${instance}.m.${name}`));
      this.v.set(name, tf.variable(tf.zerosLike(p), false, `adamw${instance}.v.${name}`));
    }
  }

  /** One update with learning rate `lr`; `grads` must hold a gradient for every parameter. */
  apply(grads: Map<string, tf.Tensor>, lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.opts;
    this.step++;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    for (const name of this.params.keys()) if (!grads.has(name)) throw new Error(`AdamW: no gradient for ${name}`);
    // One scope per parameter, and one per intermediate result: each temporary is freed as soon as the next
    // value exists, so the peak is the live weights, moments and gradients plus about three tensors of the
    // largest parameter (the token embedding), not a dozen copies of the whole model.
    for (const [name, p] of this.params) {
      const g = grads.get(name)!;
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      tf.tidy(() => m.assign(tf.tidy(() => tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)))));
      tf.tidy(() => v.assign(tf.tidy(() => tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)))));
      const denom = tf.tidy(() => tf.add(tf.div(tf.sqrt(v), sqrtBc2), eps));
      const update = tf.tidy(() => tf.mul(tf.div(m, denom), stepSize));
      denom.dispose();
      const decay = weightDecay > 0 && isDecayed(name);
      tf.tidy(() => p.assign(tf.tidy(() => tf.sub(decay ? tf.mul(p, 1 - lr * weightDecay) : p, update))));
      update.dispose();
    }
  }

  async exportState(): Promise<OptimizerState> {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [name, m] of this.m) tensors.set(`m.${name}`, { shape: m.shape, data: (await m.data()) as Float32Array });
    for (const [name, v] of this.v) tensors.set(`v.${name}`, { shape: v.shape, data: (await v.data()) as Float32Array });
    return { step: this.step, tensors };
  }

  loadState(state: OptimizerState): void {
    for (const [prefix, table] of [['m', this.m], ['v', this.v]] as const) {
      for (const [name, variable] of table) {
        const t = state.tensors.get(`${prefix}.${name}`);
        if (!t) throw new Error(`optimizer state has no ${prefix}.${name}`);
        if (t.shape.join('x') !== variable.shape.join('x')) {
          throw new Error(`optimizer state ${prefix}.${name} has shape ${t.shape.join('x')}, the model ${variable.shape.join('x')}`);
        }
        tf.tidy(() => variable.assign(tf.tensor(t.data, t.shape, 'float32')));
      }
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** Sums gradients of several micro-batches (`sum()`); `mean()` divides by their number. */
export class GradientAccumulator {
  private sums = new Map<string, tf.Tensor>();
  count = 0;

  add(grads: Record<string, tf.Tensor> | Map<string, tf.Tensor>): void {
    const entries = grads instanceof Map ? [...grads.entries()] : Object.entries(grads);
    for (const [name, g] of entries) {
      const prev = this.sums.get(name);
      if (prev) {
        this.sums.set(name, tf.add(prev, g));
        prev.dispose();
      } else {
        this.sums.set(name, tf.clone(g));
      }
    }
    this.count++;
  }

  /**
   * The summed gradients (owned by the caller); resets the accumulator. Training weights each micro-batch's
   * loss by the step's token totals (train/step.ts), so the sum is the step's gradient.
   */
  sum(): Map<string, tf.Tensor> {
    if (this.count === 0) throw new Error('GradientAccumulator.sum: no gradients added');
    const out = new Map(this.sums);
    this.sums.clear();
    this.count = 0;
    return out;
  }

  /** The mean gradients (new tensors owned by the caller); resets the accumulator. */
  mean(): Map<string, tf.Tensor> {
    if (this.count === 0) throw new Error('GradientAccumulator.mean: no gradients added');
    const out = new Map<string, tf.Tensor>();
    for (const [name, s] of this.sums) {
      out.set(name, this.count === 1 ? s : tf.tidy(() => tf.div(s, this.count)));
      if (this.count !== 1) s.dispose();
    }
    this.sums.clear();
    this.count = 0;
    return out;
  }

  dispose(): void {
    for (const s of this.sums.values()) s.dispose();
    this.sums.clear();
    this.count = 0;
  }
}

/** The global L2 norm of all gradients, in float64 over per-tensor float32 sums of squares. */
export async function globalNorm(grads: Map<string, tf.Tensor>): Promise<number> {
  const squares = tf.tidy(() => tf.stack([...grads.values()].map((g) => tf.sum(tf.square(g)))));
  const data = await squares.data();
  squares.dispose();
  let total = 0;
  for (const x of data) total += x;
  return Math.sqrt(total);
}

/**
 * Clip in place to global norm `maxNorm` (0 or less: no clipping). Returns the norm before clipping; a
 * non-finite norm is returned untouched so that the caller can stop.
 */
export async function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): Promise<number> {
  const norm = await globalNorm(grads);
  if (!(maxNorm > 0) || !Number.isFinite(norm)) return norm;
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const [name, g] of grads) {
      grads.set(name, tf.mul(g, coef));
      g.dispose();
    }
  }
  return norm;
}
