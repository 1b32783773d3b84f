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

export interface AdamWConstruction extends Partial<AdamWOptions> {
  /**
   * Keep both moments in JavaScript memory and update on the host, one parameter at a time. For GPT-2 124M
   * on wasm the moments are 1 GB of the 4 GiB heap; on the host the heap holds only the weights, one set of
   * gradients and the activations. Each operation is rounded to float32 as the backend rounds it, in the same
   * order, so the trajectory is the backend's (test/train-optimizer.test.ts).
   */
  onHost?: boolean;
}

const f32 = Math.fround;

export class AdamW {
  /** Number of updates applied so far. */
  step = 0;
  readonly opts: AdamWOptions;
  readonly onHost: boolean;
  private m = new Map<string, tf.Variable>();
  private v = new Map<string, tf.Variable>();
  private hostM = new Map<string, Float32Array>();
  private hostV = new Map<string, Float32Array>();

  constructor(private readonly params: Map<string, tf.Variable>, opts: AdamWConstruction = {}) {
    const { onHost, ...rest } = opts;
    this.opts = { ...ADAMW_DEFAULTS, ...rest };
    this.onHost = onHost === true;
    const instance = nextInstance++; // tf.js variable names must be unique per process
    for (const [name, p] of params) {
      if (this.onHost) {
        this.hostM.set(name, new Float32Array(p.size));
        this.hostV.set(name, new Float32Array(p.size));
      } else {
        // tf.variable keeps its own reference to the data: the zeros themselves are freed at once (on a GPU
        // they would otherwise hold twice the model's size until the process ends).
        for (const [moments, kind] of [[this.m, 'm'], [this.v, 'v']] as const) {
          const zeros = tf.zerosLike(p);
          moments.set(name, tf.variable(zeros, false, `adamw${instance}.${kind}.${name}`));
          zeros.dispose();
        }
      }
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
    if (this.onHost) {
      this.applyOnHost(grads, lr, stepSize, sqrtBc2);
      return;
    }
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

  /** The update above, element by element in float32 (the constants rounded as the backend's scalars are). */
  private applyOnHost(grads: Map<string, tf.Tensor>, lr: number, stepSize: number, sqrtBc2: number): void {
    const { beta1, beta2, eps, weightDecay } = this.opts;
    const b1 = f32(beta1), c1 = f32(1 - beta1), b2 = f32(beta2), c2 = f32(1 - beta2);
    const s = f32(stepSize), r = f32(sqrtBc2), e = f32(eps), keep = f32(1 - lr * weightDecay);
    for (const [name, p] of this.params) {
      const g = grads.get(name)!.dataSync() as Float32Array;
      const m = this.hostM.get(name)!;
      const v = this.hostV.get(name)!;
      const w = Float32Array.from(p.dataSync() as Float32Array);
      const decay = weightDecay > 0 && isDecayed(name);
      for (let i = 0; i < w.length; i++) {
        const gi = g[i];
        const mi = (m[i] = f32(f32(m[i] * b1) + f32(gi * c1)));
        const vi = (v[i] = f32(f32(v[i] * b2) + f32(f32(gi * gi) * c2)));
        const denom = f32(f32(f32(Math.sqrt(vi)) / r) + e);
        const update = f32(f32(mi / denom) * s);
        w[i] = f32((decay ? f32(w[i] * keep) : w[i]) - update);
      }
      tf.tidy(() => p.assign(tf.tensor(w, p.shape, 'float32')));
    }
  }

  async exportState(): Promise<OptimizerState> {
    const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
    if (this.onHost) {
      for (const [name, p] of this.params) tensors.set(`m.${name}`, { shape: p.shape, data: this.hostM.get(name)!.slice() });
      for (const [name, p] of this.params) tensors.set(`v.${name}`, { shape: p.shape, data: this.hostV.get(name)!.slice() });
      return { step: this.step, tensors };
    }
    for (const [name, m] of this.m) tensors.set(`m.${name}`, { shape: m.shape, data: (await m.data()) as Float32Array });
    for (const [name, v] of this.v) tensors.set(`v.${name}`, { shape: v.shape, data: (await v.data()) as Float32Array });
    return { step: this.step, tensors };
  }

  loadState(state: OptimizerState): void {
    for (const prefix of ['m', 'v'] as const) {
      for (const [name, p] of this.params) {
        const t = state.tensors.get(`${prefix}.${name}`);
        if (!t) throw new Error(`optimizer state has no ${prefix}.${name}`);
        if (t.shape.join('x') !== p.shape.join('x')) {
          throw new Error(`optimizer state ${prefix}.${name} has shape ${t.shape.join('x')}, the model ${p.shape.join('x')}`);
        }
        if (this.onHost) (prefix === 'm' ? this.hostM : this.hostV).set(name, Float32Array.from(t.data));
        else tf.tidy(() => (prefix === 'm' ? this.m : this.v).get(name)!.assign(tf.tensor(t.data, t.shape, 'float32')));
      }
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear();
    this.v.clear();
    this.hostM.clear();
    this.hostV.clear();
  }
}

/**
 * Sums gradients of several micro-batches (`sum()`).
 *
 * `onHost`: keep the running sums in JavaScript memory instead of backend tensors. The wasm backend's heap
 * is at most 4 GiB (wasm32), and for GPT-2 124M the weights, both AdamW moments, one micro-batch's gradients and
 * a device-side sum (plus the temporary of each addition) do not fit next to the activations. On the host the
 * sums cost nothing on the heap; `sum()` hands them back as tensors for clipping and the update. Float32Array
 * addition rounds the exact double sum of two floats to float32, which is IEEE float32 addition, so both
 * modes give the same bits (test/train-optimizer.test.ts).
 */
export class GradientAccumulator {
  private sums = new Map<string, tf.Tensor>();
  private hostSums = new Map<string, { shape: number[]; data: Float32Array }>();
  count = 0;

  constructor(private readonly opts: { onHost?: boolean } = {}) {}

  async add(grads: Record<string, tf.Tensor> | Map<string, tf.Tensor>): Promise<void> {
    const entries = grads instanceof Map ? [...grads.entries()] : Object.entries(grads);
    for (const [name, g] of entries) {
      if (this.opts.onHost) {
        const values = (await g.data()) as Float32Array;
        const prev = this.hostSums.get(name);
        if (prev) {
          const d = prev.data;
          for (let i = 0; i < d.length; i++) d[i] += values[i];
        } else {
          this.hostSums.set(name, { shape: g.shape, data: Float32Array.from(values) });
        }
        continue;
      }
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

  /** Move host sums back into tensors (one parameter at a time, so the heap holds one gradient set). */
  private toTensors(): void {
    for (const [name, h] of this.hostSums) this.sums.set(name, tf.tensor(h.data, h.shape, 'float32'));
    this.hostSums.clear();
  }

  /**
   * The summed gradients (owned by the caller); resets the accumulator. Training weights each micro-batch's
   * loss by the step's token totals (train/step.ts), so the sum is the step's gradient.
   */
  sum(): Map<string, tf.Tensor> {
    if (this.count === 0) throw new Error('GradientAccumulator.sum: no gradients added');
    this.toTensors();
    const out = new Map(this.sums);
    this.sums.clear();
    this.count = 0;
    return out;
  }

  dispose(): void {
    for (const s of this.sums.values()) s.dispose();
    this.sums.clear();
    this.hostSums.clear();
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
