/**
 * Classifier heads on fixed vectors, in plain Float64Array code: at these sizes (hundreds to tens of thousands of
 * texts, up to 768-wide vectors) a tight loop is fast enough, and it is exactly reproducible: the same data,
 * options and seed give the same weights bit for bit, on any backend.
 *
 * - `mlp`: the paper's classifier (Schmalz & Brutti 2021, section 4.4): Dense 768 ReLU, dropout 0.2, Dense 128
 *   ReLU, dropout 0.2, Dense k softmax; sparse categorical cross-entropy; Adam (Kingma & Ba 2015) with Keras'
 *   defaults (beta1 0.9, beta2 0.999, epsilon 1e-7), learning rate 1e-5; batch 32; Glorot-uniform weights and
 *   zero biases (Keras' defaults); inverted dropout.
 * - `logistic`: multinomial logistic regression (softmax of a linear map; e.g. Hastie, Tibshirani & Friedman,
 *   "The Elements of Statistical Learning", 2009, section 4.4), full-batch Adam, an L2 penalty `l2`.
 * - `ordinal`: the cumulative-logit (proportional-odds) model (McCullagh 1980, "Regression models for ordinal
 *   data", JRSS B 42(2)): P(y <= j | x) = sigma(theta_j - w.x) with increasing thresholds theta_0 < ... <
 *   theta_{k-2} (parametrised as theta_0 and log gaps), full-batch Adam, L2 penalty `l2` on w.
 *
 * All three stop early on the development set: after each epoch the dev cross-entropy is measured, training ends
 * after `patience` epochs without improvement, and the weights of the best epoch are kept.
 */
import { Rng } from '../runtime/rng';

export type HeadKind = 'mlp' | 'logistic' | 'ordinal';
export const HEAD_KINDS: readonly HeadKind[] = ['mlp', 'logistic', 'ordinal'];

export interface HeadOptions {
  kind: HeadKind;
  seed?: number;
  /** Maximum epochs (mlp default 200; logistic/ordinal default 500, one full-batch step per epoch). */
  epochs?: number;
  /** Learning rate (mlp default 1e-5, the paper's for EFCAMDAT; logistic/ordinal default 0.05). */
  lr?: number;
  /** Mini-batch size of the mlp (default 32). */
  batchSize?: number;
  /** Epochs without dev improvement before stopping (mlp default 10, others 20). */
  patience?: number;
  /** Hidden widths of the mlp (default [768, 128]). */
  hidden?: number[];
  /** Dropout rate of the mlp (default 0.2). */
  dropout?: number;
  /** L2 penalty on the weights of logistic and ordinal (default 1e-4), per item (loss = mean NLL + l2/2 |w|^2). */
  l2?: number;
  /** Called after each epoch. */
  onEpoch?: (e: EpochLog) => void;
}

export interface EpochLog {
  epoch: number;
  trainLoss: number;
  devLoss: number | null;
  devAccuracy: number | null;
}

export interface TrainedHead {
  kind: HeadKind;
  inputDim: number;
  classes: number;
  /** Parameter name -> values, in `order`. */
  params: Record<string, Float64Array>;
  shapes: Record<string, number[]>;
  order: string[];
  history: EpochLog[];
  bestEpoch: number;
  options: ResolvedHeadOptions;
}

export type ResolvedHeadOptions = Required<Omit<HeadOptions, 'onEpoch'>>;

/**
 * Every default of the heads, one row per kind (read by `resolveHeadOptions`, the estimator's params and so the
 * manifests). The mlp's are the paper's for EFCAMDAT; logistic and ordinal take one full-batch step per epoch.
 */
export const HEAD_DEFAULTS: Readonly<Record<HeadKind, Readonly<ResolvedHeadOptions>>> = {
  mlp: { kind: 'mlp', seed: 0, epochs: 200, lr: 1e-5, batchSize: 32, patience: 10, hidden: [768, 128], dropout: 0.2, l2: 1e-4 },
  logistic: { kind: 'logistic', seed: 0, epochs: 500, lr: 0.05, batchSize: 32, patience: 20, hidden: [768, 128], dropout: 0.2, l2: 1e-4 },
  ordinal: { kind: 'ordinal', seed: 0, epochs: 500, lr: 0.05, batchSize: 32, patience: 20, hidden: [768, 128], dropout: 0.2, l2: 1e-4 },
};

/** The options of a head: its kind's defaults, overridden by every option given (null or undefined: not given, as `??` reads it). */
export function resolveHeadOptions(o: HeadOptions): ResolvedHeadOptions {
  const d = HEAD_DEFAULTS[o.kind];
  if (!d) throw new RangeError(`unknown head ${o.kind}; heads: ${HEAD_KINDS.join(', ')}`);
  const out = { ...d, hidden: [...d.hidden] };
  for (const key of Object.keys(d) as Array<keyof ResolvedHeadOptions>) {
    const v = o[key];
    if (v != null) (out as Record<string, unknown>)[key] = v;
  }
  return out;
}

interface Model {
  params: Record<string, Float64Array>;
  shapes: Record<string, number[]>;
  order: string[];
}

class Adam {
  private m: Float64Array[];
  private v: Float64Array[];
  private t = 0;
  constructor(
    private readonly params: Float64Array[],
    private readonly lr: number,
    private readonly b1 = 0.9,
    private readonly b2 = 0.999,
    private readonly eps = 1e-7,
  ) {
    this.m = params.map((p) => new Float64Array(p.length));
    this.v = params.map((p) => new Float64Array(p.length));
  }
  step(grads: Float64Array[]): void {
    this.t++;
    const c1 = 1 - Math.pow(this.b1, this.t);
    const c2 = 1 - Math.pow(this.b2, this.t);
    const lrT = (this.lr * Math.sqrt(c2)) / c1; // Keras' form: epsilon added to sqrt(v_hat * c2)
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k];
      const g = grads[k];
      const m = this.m[k];
      const v = this.v[k];
      for (let i = 0; i < p.length; i++) {
        const gi = g[i];
        m[i] = this.b1 * m[i] + (1 - this.b1) * gi;
        v[i] = this.b2 * v[i] + (1 - this.b2) * gi * gi;
        p[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + this.eps);
      }
    }
  }
}

function glorot(rng: Rng, fanIn: number, fanOut: number): Float64Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const w = new Float64Array(fanIn * fanOut);
  for (let i = 0; i < w.length; i++) w[i] = (rng.float() * 2 - 1) * limit;
  return w;
}

function softmaxInPlace(z: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < z.length; i++) if (z[i] > max) max = z[i];
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    z[i] = Math.exp(z[i] - max);
    sum += z[i];
  }
  for (let i = 0; i < z.length; i++) z[i] /= sum;
}

/** The logistic function, without overflow for large |x|. */
export const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

// ---------------------------------------------------------------- forward passes (no dropout)

function mlpForward(m: Model, x: Float64Array, k: number): Float64Array {
  const names = m.order;
  let h = x;
  const layers = names.length / 2;
  for (let l = 0; l < layers; l++) {
    const W = m.params[names[2 * l]];
    const b = m.params[names[2 * l + 1]];
    const [nin, nout] = m.shapes[names[2 * l]];
    const out = Float64Array.from(b);
    for (let i = 0; i < nin; i++) {
      const xi = h[i];
      if (xi === 0) continue;
      const row = i * nout;
      for (let j = 0; j < nout; j++) out[j] += xi * W[row + j];
    }
    if (l < layers - 1) for (let j = 0; j < nout; j++) if (out[j] < 0) out[j] = 0;
    h = out;
  }
  if (h.length !== k) throw new Error('mlp: output width mismatch');
  softmaxInPlace(h);
  return h;
}

function linearScores(W: Float64Array, b: Float64Array, x: Float64Array, k: number): Float64Array {
  const z = Float64Array.from(b);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const row = i * k;
    for (let j = 0; j < k; j++) z[j] += xi * W[row + j];
  }
  return z;
}

function thresholds(m: Model): Float64Array {
  const raw = m.params.thresholds;
  const t = new Float64Array(raw.length);
  let acc = 0;
  for (let j = 0; j < raw.length; j++) {
    acc = j === 0 ? raw[0] : acc + Math.exp(raw[j]);
    t[j] = acc;
  }
  return t;
}

function ordinalProba(m: Model, x: Float64Array): Float64Array {
  const w = m.params.w;
  let eta = 0;
  for (let i = 0; i < x.length; i++) eta += w[i] * x[i];
  return ordinalProbs(eta, thresholds(m));
}

/**
 * Class probabilities of the cumulative-logit (proportional odds) model, McCullagh 1980: P(y <= j) =
 * sigmoid(cut_j - eta), each class the difference of neighbouring cumulative probabilities.
 */
export function ordinalProbs(eta: number, cuts: ArrayLike<number>): Float64Array {
  const k = cuts.length + 1;
  const p = new Float64Array(k);
  let prev = 0;
  for (let j = 0; j < k - 1; j++) {
    const F = sigmoid(cuts[j] - eta);
    p[j] = Math.max(0, F - prev);
    prev = F;
  }
  p[k - 1] = Math.max(0, 1 - prev);
  return p;
}

/** Class probabilities of each row. */
export function predictProba(head: Pick<TrainedHead, 'kind' | 'classes' | 'params' | 'shapes' | 'order'>, X: readonly Float64Array[]): Float64Array[] {
  const k = head.classes;
  if (head.kind === 'mlp') return X.map((x) => mlpForward(head, x, k));
  if (head.kind === 'logistic') {
    return X.map((x) => {
      const z = linearScores(head.params.W, head.params.b, x, k);
      softmaxInPlace(z);
      return z;
    });
  }
  return X.map((x) => ordinalProba(head, x));
}

export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

function meanNll(head: Model & { kind: HeadKind; classes: number }, X: readonly Float64Array[], y: readonly number[]): { loss: number; accuracy: number } {
  const P = predictProba(head, X);
  let loss = 0;
  let hit = 0;
  for (let i = 0; i < X.length; i++) {
    loss -= Math.log(Math.max(P[i][y[i]], 1e-15));
    if (argmax(P[i]) === y[i]) hit++;
  }
  return { loss: loss / X.length, accuracy: hit / X.length };
}

const copyParams = (p: Record<string, Float64Array>) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Float64Array.from(v)]));

// ---------------------------------------------------------------- training

/**
 * Train a head on rows `X` (already standardised) with labels `y` in 0..k-1, stopping early on `dev` when given
 * (without dev, all `epochs` run and the last weights are kept).
 */
export function trainHead(X: readonly Float64Array[], y: readonly number[], k: number, opts: HeadOptions, dev?: { X: readonly Float64Array[]; y: readonly number[] }): TrainedHead {
  const o = resolveHeadOptions(opts);
  if (X.length === 0) throw new RangeError('trainHead: no training rows');
  if (X.length !== y.length) throw new RangeError('trainHead: X and y differ in length');
  if (k < 2) throw new RangeError('trainHead: at least two classes are needed');
  const d = X[0].length;
  const rng = new Rng(o.seed);
  const model: Model = { params: {}, shapes: {}, order: [] };
  const add = (name: string, shape: number[], values: Float64Array) => {
    model.params[name] = values;
    model.shapes[name] = shape;
    model.order.push(name);
  };
  if (o.kind === 'mlp') {
    const widths = [d, ...o.hidden, k];
    for (let l = 0; l + 1 < widths.length; l++) {
      add(`W${l + 1}`, [widths[l], widths[l + 1]], glorot(rng, widths[l], widths[l + 1]));
      add(`b${l + 1}`, [widths[l + 1]], new Float64Array(widths[l + 1]));
    }
  } else if (o.kind === 'logistic') {
    add('W', [d, k], new Float64Array(d * k));
    add('b', [k], new Float64Array(k));
  } else {
    add('w', [d], new Float64Array(d));
    // thresholds start at the logits of the cumulative class shares of the training set
    const raw = new Float64Array(k - 1);
    const counts = new Float64Array(k);
    for (const c of y) counts[c]++;
    let cum = 0;
    let prev = 0;
    for (let j = 0; j < k - 1; j++) {
      cum += counts[j];
      const q = Math.min(1 - 1e-3, Math.max(1e-3, cum / y.length));
      const t = Math.log(q / (1 - q));
      raw[j] = j === 0 ? t : Math.log(Math.max(1e-3, t - prev));
      prev = j === 0 ? t : prev + Math.exp(raw[j]);
    }
    add('thresholds', [k - 1], raw);
  }
  const full = { ...model, kind: o.kind, classes: k };
  const plist = model.order.map((n) => model.params[n]);
  const adam = new Adam(plist, o.lr);
  const grads = plist.map((p) => new Float64Array(p.length));
  const history: EpochLog[] = [];
  let best = { loss: Infinity, epoch: 0, params: copyParams(model.params) };
  let sinceBest = 0;
  const order = Array.from({ length: X.length }, (_, i) => i);
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    let trainLoss: number;
    if (o.kind === 'mlp') trainLoss = mlpEpoch(model, X, y, k, o, rng, order, adam, grads);
    else trainLoss = fullBatchStep(full, X, y, k, o, adam, grads);
    let devLoss: number | null = null;
    let devAccuracy: number | null = null;
    if (dev && dev.X.length) {
      const m = meanNll(full, dev.X, dev.y);
      devLoss = m.loss;
      devAccuracy = m.accuracy;
    }
    const log = { epoch, trainLoss, devLoss, devAccuracy };
    history.push(log);
    opts.onEpoch?.(log);
    if (devLoss != null) {
      if (devLoss < best.loss - 1e-12) {
        best = { loss: devLoss, epoch, params: copyParams(model.params) };
        sinceBest = 0;
      } else if (++sinceBest >= o.patience) break;
    }
  }
  const params = dev && dev.X.length ? best.params : model.params;
  return { kind: o.kind, inputDim: d, classes: k, params, shapes: model.shapes, order: model.order, history, bestEpoch: dev && dev.X.length ? best.epoch : history.length, options: o };
}

function mlpEpoch(m: Model, X: readonly Float64Array[], y: readonly number[], k: number, o: ResolvedHeadOptions, rng: Rng, order: number[], adam: Adam, grads: Float64Array[]): number {
  rng.shuffle(order);
  const L = m.order.length / 2;
  const W = Array.from({ length: L }, (_, l) => m.params[m.order[2 * l]]);
  const B = Array.from({ length: L }, (_, l) => m.params[m.order[2 * l + 1]]);
  const widths = [X[0].length, ...Array.from({ length: L }, (_, l) => m.shapes[m.order[2 * l]][1])];
  const keep = 1 - o.dropout;
  const maxB = o.batchSize;
  // batch-major activations [bs x width], dropout/ReLU masks and deltas, reused across batches
  const acts = widths.map((w) => new Float64Array(maxB * w));
  const masks = widths.map((w) => new Float64Array(maxB * w));
  const deltas = widths.map((w) => new Float64Array(maxB * w));
  let total = 0;
  for (let start = 0; start < order.length; start += maxB) {
    const end = Math.min(order.length, start + maxB);
    const bs = end - start;
    for (const g of grads) g.fill(0);
    const d0 = widths[0];
    for (let b = 0; b < bs; b++) acts[0].set(X[order[start + b]], b * d0);
    // forward: each weight row is reused for the whole batch while it is in cache
    for (let l = 0; l < L; l++) {
      const nin = widths[l];
      const nout = widths[l + 1];
      const h = acts[l];
      const out = acts[l + 1];
      const Wl = W[l];
      for (let b = 0; b < bs; b++) out.set(B[l], b * nout);
      for (let i = 0; i < nin; i++) {
        const row = i * nout;
        for (let b = 0; b < bs; b++) {
          const xi = h[b * nin + i];
          if (xi === 0) continue;
          const ob = b * nout;
          for (let j = 0; j < nout; j++) out[ob + j] += xi * Wl[row + j];
        }
      }
      if (l < L - 1) {
        const mask = masks[l + 1];
        for (let b = 0; b < bs; b++) {
          const ob = b * nout;
          for (let j = 0; j < nout; j++) {
            const on = o.dropout > 0 ? (rng.float() < keep ? 1 / keep : 0) : 1;
            const v = out[ob + j];
            mask[ob + j] = v > 0 ? on : 0;
            out[ob + j] = v > 0 ? v * on : 0;
          }
        }
      }
    }
    const P = acts[L];
    const dOut = deltas[L];
    for (let b = 0; b < bs; b++) {
      const p = P.subarray(b * k, b * k + k);
      softmaxInPlace(p);
      const yi = y[order[start + b]];
      total -= Math.log(Math.max(p[yi], 1e-15));
      for (let j = 0; j < k; j++) dOut[b * k + j] = (p[j] - (j === yi ? 1 : 0)) / bs;
    }
    // backward
    for (let l = L - 1; l >= 0; l--) {
      const nin = widths[l];
      const nout = widths[l + 1];
      const gW = grads[2 * l];
      const gb = grads[2 * l + 1];
      const dl = deltas[l + 1];
      const h = acts[l];
      const Wl = W[l];
      const dPrev = deltas[l];
      const mask = masks[l];
      const needPrev = l > 0;
      for (let b = 0; b < bs; b++) for (let j = 0; j < nout; j++) gb[j] += dl[b * nout + j];
      for (let i = 0; i < nin; i++) {
        const row = i * nout;
        for (let b = 0; b < bs; b++) {
          const db = b * nout;
          const xi = h[b * nin + i];
          if (xi !== 0) for (let j = 0; j < nout; j++) gW[row + j] += xi * dl[db + j];
          if (needPrev) {
            const mk = mask[b * nin + i];
            if (mk === 0) {
              dPrev[b * nin + i] = 0;
              continue;
            }
            let acc = 0;
            for (let j = 0; j < nout; j++) acc += Wl[row + j] * dl[db + j];
            dPrev[b * nin + i] = acc * mk;
          }
        }
      }
    }
    adam.step(grads);
  }
  return total / order.length;
}

function fullBatchStep(full: Model & { kind: HeadKind; classes: number }, X: readonly Float64Array[], y: readonly number[], k: number, o: ResolvedHeadOptions, adam: Adam, grads: Float64Array[]): number {
  for (const g of grads) g.fill(0);
  const n = X.length;
  let loss = 0;
  if (full.kind === 'logistic') {
    const W = full.params.W;
    const b = full.params.b;
    const [gW, gb] = grads;
    for (let s = 0; s < n; s++) {
      const x = X[s];
      const z = linearScores(W, b, x, k);
      softmaxInPlace(z);
      loss -= Math.log(Math.max(z[y[s]], 1e-15));
      z[y[s]] -= 1;
      for (let j = 0; j < k; j++) gb[j] += z[j] / n;
      for (let i = 0; i < x.length; i++) {
        const xi = x[i] / n;
        if (xi === 0) continue;
        const row = i * k;
        for (let j = 0; j < k; j++) gW[row + j] += xi * z[j];
      }
    }
    for (let i = 0; i < W.length; i++) {
      gW[i] += o.l2 * W[i];
      loss += (n * o.l2 * W[i] * W[i]) / 2;
    }
  } else {
    const w = full.params.w;
    const raw = full.params.thresholds;
    const [gw, gt] = grads;
    const th = thresholds(full);
    const gTh = new Float64Array(k - 1);
    for (let s = 0; s < n; s++) {
      const x = X[s];
      let eta = 0;
      for (let i = 0; i < x.length; i++) eta += w[i] * x[i];
      const c = y[s];
      const Fhi = c < k - 1 ? sigmoid(th[c] - eta) : 1;
      const Flo = c > 0 ? sigmoid(th[c - 1] - eta) : 0;
      const p = Math.max(Fhi - Flo, 1e-15);
      loss -= Math.log(p);
      const dHi = c < k - 1 ? Fhi * (1 - Fhi) : 0; // dF/d(theta - eta)
      const dLo = c > 0 ? Flo * (1 - Flo) : 0;
      // d(-log p)/d theta_c = -dHi/p ; d/d theta_{c-1} = dLo/p ; d/d eta = (dHi - dLo)/p
      if (c < k - 1) gTh[c] -= dHi / p / n;
      if (c > 0) gTh[c - 1] += dLo / p / n;
      const gEta = (dHi - dLo) / p / n;
      for (let i = 0; i < x.length; i++) gw[i] += gEta * x[i];
    }
    for (let i = 0; i < w.length; i++) {
      gw[i] += o.l2 * w[i];
      loss += (n * o.l2 * w[i] * w[i]) / 2;
    }
    // theta_j = raw_0 + sum_{m=1..j} exp(raw_m): d/d raw_0 = sum_j gTh_j; d/d raw_m = exp(raw_m) sum_{j>=m} gTh_j
    let tail = 0;
    for (let j = k - 2; j >= 0; j--) {
      tail += gTh[j];
      gt[j] = j === 0 ? tail : Math.exp(raw[j]) * tail;
    }
  }
  adam.step(grads);
  return loss / n;
}
