/**
 * The cumulative-logit (proportional-odds) model with one direction shared by every corpus and cut points of
 * each corpus's own (McCullagh 1980, "Regression models for ordinal data", JRSS B 42(2)):
 *
 *   P(y <= j | x, corpus c) = sigma(theta_{c,j} - w.x),   theta_{c,0} < ... < theta_{c,K_c-2}.
 *
 * The direction w says which texts are more advanced; the cut points say where a corpus puts its level
 * boundaries on that line, so corpora that rate on different scales (CEFR levels, ELLIPSE's 1-5 holistic
 * scores) or that are harsher or kinder on the same scale share w and differ only in theta. A new corpus gets its
 * cut points from a few labelled texts with w kept fixed (`calibrateCuts`); with none, it takes the cut points
 * of the training corpora of its scale (`pooledCuts`).
 *
 * Fitting: maximum likelihood (mean negative log-likelihood, L2 penalty on w) by full-batch Adam (Kingma & Ba
 * 2015) with a decaying step; the cut points are parametrised as the first one and the logs of the gaps, so
 * they stay ordered. Written by hand because no maintained JavaScript package fits this model; the likelihood
 * is log-concave in (w, theta) (Pratt 1981, JASA 76(373)), so a first-order method reaches its one optimum.
 */
import { ordinalProbs, sigmoid } from './heads';

export interface OrdinalFitOptions {
  /** L2 penalty on w, per row (loss = mean NLL + l2/2 |w|^2). Default 1e-3. */
  l2?: number;
  /** Full-batch steps. Default 600. */
  steps?: number;
  /** Initial Adam step. Default 0.05. */
  lr?: number;
}

export interface SharedOrdinal {
  /** The shared direction (one weight per input dimension). */
  w: Float64Array;
  /** Cut points of each corpus, increasing, K_c - 1 of them. */
  cuts: Float64Array[];
  /** Mean negative log-likelihood at the end (without the penalty). */
  nll: number;
}

export const ORDINAL_DEFAULTS = { l2: 1e-3, steps: 600, lr: 0.05, calibrationPrior: 1, newScalePrior: 0.1 } as const;

/** Cut points from the (first, log-gap) parametrisation. */
export function cutsFromRaw(raw: ArrayLike<number>): Float64Array {
  const th = new Float64Array(raw.length);
  for (let j = 0; j < raw.length; j++) th[j] = j === 0 ? raw[0] : th[j - 1] + Math.exp(raw[j]);
  return th;
}

/** The (first, log-gap) parametrisation of increasing cut points (gaps floored at 1e-6). */
export function rawFromCuts(th: ArrayLike<number>): Float64Array {
  const raw = new Float64Array(th.length);
  for (let j = 0; j < th.length; j++) raw[j] = j === 0 ? th[0] : Math.log(Math.max(1e-6, th[j] - th[j - 1]));
  return raw;
}

/** The latent score w.x of a row. */
export function latent(w: ArrayLike<number>, x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i] * x[i];
  return s;
}

/** The most probable class of a latent score. */
export function ordinalClass(eta: number, cuts: ArrayLike<number>): number {
  const p = ordinalProbs(eta, cuts);
  let best = 0;
  for (let j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
  return best;
}

/**
 * Negative log-likelihood of class c for latent eta, and its derivatives with respect to eta and to the two
 * cut points that bound c.
 */
function rowTerms(eta: number, c: number, th: Float64Array): { nll: number; dEta: number; dHi: number; dLo: number } {
  const k = th.length + 1;
  const Fhi = c < k - 1 ? sigmoid(th[c] - eta) : 1;
  const Flo = c > 0 ? sigmoid(th[c - 1] - eta) : 0;
  const p = Math.max(Fhi - Flo, 1e-15);
  const gHi = c < k - 1 ? Fhi * (1 - Fhi) : 0;
  const gLo = c > 0 ? Flo * (1 - Flo) : 0;
  // d(-log p)/d theta_c = -gHi/p, d/d theta_{c-1} = gLo/p, d/d eta = (gHi - gLo)/p
  return { nll: -Math.log(p), dEta: (gHi - gLo) / p, dHi: -gHi / p, dLo: gLo / p };
}

/** Chain rule from cut-point gradients to the (first, log-gap) parameters. */
function rawGradient(raw: Float64Array, gTh: Float64Array, out: Float64Array): void {
  let tail = 0;
  for (let j = gTh.length - 1; j >= 0; j--) {
    tail += gTh[j];
    out[j] = j === 0 ? tail : Math.exp(raw[j]) * tail;
  }
}

class Adam {
  private m: Float64Array[];
  private v: Float64Array[];
  private t = 0;
  constructor(private readonly params: Float64Array[]) {
    this.m = params.map((p) => new Float64Array(p.length));
    this.v = params.map((p) => new Float64Array(p.length));
  }
  step(grads: Float64Array[], lr: number): void {
    this.t++;
    const b1 = 0.9;
    const b2 = 0.999;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k];
      const g = grads[k];
      for (let i = 0; i < p.length; i++) {
        this.m[k][i] = b1 * this.m[k][i] + (1 - b1) * g[i];
        this.v[k][i] = b2 * this.v[k][i] + (1 - b2) * g[i] * g[i];
        p[i] -= (lr * this.m[k][i]) / c1 / (Math.sqrt(this.v[k][i] / c2) + 1e-10);
      }
    }
  }
}

/** Step size at step t of `steps`: constant for the first half, then down linearly to a twentieth. */
const stepSize = (lr: number, t: number, steps: number) => (t < steps / 2 ? lr : lr * (1 - (0.95 * (t - steps / 2)) / (steps / 2)));

/** Starting cut points: the logits of the cumulative class shares (the fit of a model with w = 0). */
function initialCuts(y: readonly number[], k: number): Float64Array {
  const counts = new Float64Array(k);
  for (const c of y) counts[c]++;
  const th = new Float64Array(k - 1);
  let cum = 0;
  for (let j = 0; j < k - 1; j++) {
    cum += counts[j];
    const q = Math.min(1 - 1e-3, Math.max(1e-3, cum / Math.max(1, y.length)));
    th[j] = Math.log(q / (1 - q));
    if (j > 0 && th[j] <= th[j - 1] + 1e-3) th[j] = th[j - 1] + 1e-3;
  }
  return th;
}

/**
 * Fit w and every corpus's cut points jointly. `X` rows are the inputs (standardise them first: the L2 penalty
 * then treats every dimension alike and w holds standardised coefficients), `y` class indices within the row's
 * corpus, `corpus` the corpus index of each row, `classes[c]` the number of classes of corpus c.
 */
export function fitSharedOrdinal(X: readonly Float64Array[], y: readonly number[], corpus: readonly number[], classes: readonly number[], opts: OrdinalFitOptions = {}): SharedOrdinal {
  const l2 = opts.l2 ?? ORDINAL_DEFAULTS.l2;
  const steps = opts.steps ?? ORDINAL_DEFAULTS.steps;
  const lr = opts.lr ?? ORDINAL_DEFAULTS.lr;
  const n = X.length;
  if (n === 0) throw new RangeError('fitSharedOrdinal: no rows');
  if (y.length !== n || corpus.length !== n) throw new RangeError('fitSharedOrdinal: X, y and corpus differ in length');
  for (let i = 0; i < n; i++) {
    if (!(corpus[i] >= 0 && corpus[i] < classes.length)) throw new RangeError(`fitSharedOrdinal: row ${i} has corpus ${corpus[i]}`);
    if (!(y[i] >= 0 && y[i] < classes[corpus[i]])) throw new RangeError(`fitSharedOrdinal: row ${i} has class ${y[i]} of ${classes[corpus[i]]}`);
  }
  for (const k of classes) if (k < 2) throw new RangeError('fitSharedOrdinal: every corpus needs at least two classes');
  const d = X[0].length;
  const w = new Float64Array(d);
  const raws = classes.map((k, c) => rawFromCuts(initialCuts(y.filter((_, i) => corpus[i] === c), k)));
  const params = [w, ...raws];
  const grads = params.map((p) => new Float64Array(p.length));
  const gTh = classes.map((k) => new Float64Array(k - 1));
  const adam = new Adam(params);
  let nll = 0;
  for (let t = 0; t < steps; t++) {
    for (const g of grads) g.fill(0);
    for (const g of gTh) g.fill(0);
    const ths = raws.map(cutsFromRaw);
    const gw = grads[0];
    nll = 0;
    for (let i = 0; i < n; i++) {
      const c = corpus[i];
      const r = rowTerms(latent(w, X[i]), y[i], ths[c]);
      nll += r.nll;
      const x = X[i];
      for (let j = 0; j < d; j++) gw[j] += (r.dEta * x[j]) / n;
      if (y[i] < classes[c] - 1) gTh[c][y[i]] += r.dHi / n;
      if (y[i] > 0) gTh[c][y[i] - 1] += r.dLo / n;
    }
    nll /= n;
    for (let j = 0; j < d; j++) gw[j] += l2 * w[j];
    raws.forEach((raw, c) => rawGradient(raw, gTh[c], grads[1 + c]));
    adam.step(grads, stepSize(lr, t, steps));
  }
  return { w, cuts: raws.map(cutsFromRaw), nll: meanNll(w, raws.map(cutsFromRaw), X, y, corpus) ?? nll };
}

function meanNll(w: Float64Array, cuts: Float64Array[], X: readonly Float64Array[], y: readonly number[], corpus: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < X.length; i++) s += rowTerms(latent(w, X[i]), y[i], cuts[corpus[i]]).nll;
  return s / X.length;
}

export interface CalibrateOptions {
  /**
   * Cut points to shrink towards (maximum a posteriori with a Gaussian prior of precision `strength` on each
   * cut point): the training corpus's on the same scale. Without them, the prior centre is the latent quantiles
   * at the calibration sample's cumulative class shares, with precision `ORDINAL_DEFAULTS.newScalePrior`.
   */
  prior?: ArrayLike<number> | null;
  /** Precision of the prior, in rows' worth of curvature (default 1; 0.1 without `prior`). */
  strength?: number;
  /**
   * Weight of each class's rows (weighted exogenous sampling maximum likelihood, Manski & Lerman 1977,
   * Econometrica 45(8)): with k texts per level the sample over-represents rare levels, and unweighted it gives
   * the cut points of a corpus with equal level shares; weights population share / sample share undo that when
   * the shares are known. Default: all 1.
   */
  classWeights?: readonly number[];
  steps?: number;
  lr?: number;
}

/**
 * A corpus's cut points for `k` classes from labelled latent scores `eta` (w fixed), by penalised maximum
 * likelihood (the penalty keeps a few texts per level from pushing a boundary to infinity when two levels do not
 * overlap in the sample). With no rows it returns the prior, so zero-shot equals the training cut points.
 */
export function calibrateCuts(eta: readonly number[], y: readonly number[], k: number, opts: CalibrateOptions = {}): Float64Array {
  if (eta.length !== y.length) throw new RangeError('calibrateCuts: eta and y differ in length');
  if (k < 2) throw new RangeError('calibrateCuts: at least two classes');
  const prior = opts.prior ? Float64Array.from(opts.prior) : null;
  if (prior && prior.length !== k - 1) throw new RangeError(`calibrateCuts: ${prior.length} prior cut points for ${k} classes`);
  if (eta.length === 0) {
    if (!prior) throw new RangeError('calibrateCuts: no calibration rows and no prior cut points');
    return prior;
  }
  for (const c of y) if (!(c >= 0 && c < k)) throw new RangeError(`calibrateCuts: class ${c} outside 0..${k - 1}`);
  const centre = prior ?? quantileCuts(eta, y, k);
  const strength = opts.strength ?? (prior ? ORDINAL_DEFAULTS.calibrationPrior : ORDINAL_DEFAULTS.newScalePrior);
  const steps = opts.steps ?? 600;
  const lr = opts.lr ?? 0.05;
  const raw = rawFromCuts(centre);
  const grad = new Float64Array(k - 1);
  const gTh = new Float64Array(k - 1);
  const adam = new Adam([raw]);
  const n = eta.length;
  const cw = opts.classWeights;
  if (cw && cw.length !== k) throw new RangeError(`calibrateCuts: ${cw.length} class weights for ${k} classes`);
  for (let t = 0; t < steps; t++) {
    gTh.fill(0);
    const th = cutsFromRaw(raw);
    for (let i = 0; i < n; i++) {
      const r = rowTerms(eta[i], y[i], th);
      const wt = cw ? cw[y[i]] : 1;
      if (y[i] < k - 1) gTh[y[i]] += (wt * r.dHi) / n;
      if (y[i] > 0) gTh[y[i] - 1] += (wt * r.dLo) / n;
    }
    for (let j = 0; j < k - 1; j++) gTh[j] += (strength * (th[j] - centre[j])) / n;
    rawGradient(raw, gTh, grad);
    adam.step([grad], stepSize(lr, t, steps));
  }
  return cutsFromRaw(raw);
}

/** Cut points halfway between the latent quantiles at the cumulative class shares of a sample. */
function quantileCuts(eta: readonly number[], y: readonly number[], k: number): Float64Array {
  const sorted = eta.slice().sort((a, b) => a - b);
  const counts = new Array<number>(k).fill(0);
  for (const c of y) counts[c]++;
  const th = new Float64Array(k - 1);
  let cum = 0;
  for (let j = 0; j < k - 1; j++) {
    cum += counts[j];
    const at = Math.min(sorted.length - 1, Math.max(0, Math.round(cum) - 1));
    const next = Math.min(sorted.length - 1, at + 1);
    th[j] = (sorted[at] + sorted[next]) / 2;
    if (j > 0 && th[j] <= th[j - 1]) th[j] = th[j - 1] + 1e-3;
  }
  return th;
}

/**
 * Cut points for a corpus the model never saw, on the scale shared by the training corpora `members`: fitted
 * on all their rows together with w fixed (one set of boundaries for the pooled data).
 */
export function pooledCuts(model: Pick<SharedOrdinal, 'w'>, X: readonly Float64Array[], y: readonly number[], k: number): Float64Array {
  return calibrateCuts(X.map((x) => latent(model.w, x)), y, k, { strength: 0 });
}

