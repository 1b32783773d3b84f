/**
 * The length-only baseline of Yancey et al. (2023, section 2.1): a model that sees nothing but the response's
 * character length. Here it is an ordinal (cumulative-logit, "proportional odds") model
 * (McCullagh 1980, "Regression models for ordinal data", JRSS B 42(2)) on one feature, z = standardised
 * log(1 + characters):
 *     P(y <= j | z) = sigmoid(theta_j - beta z),   theta_0 < theta_1 < ... < theta_{K-2},
 * fitted by maximum likelihood with Newton's method (analytic gradient, Hessian by central differences of the
 * gradient, backtracking line search; a 1e-6 ridge on beta keeps a separable sample finite).
 *
 * How it is read matters on a fine scale. The most probable class (`read: 'mode'`) is K-1 cut points on the
 * length; on a scale of many close steps whose middle step holds most essays (ELLIPSE's 1-5 in half points:
 * 3 holds 37 %) the middle class is the most probable at almost every length, so the prediction hardly moves
 * and QWK is near 0 even where length and score are correlated. The default reads the model at its expected
 * score, sum_j P(y = j | z) v_j, rounded to the nearest step of the scale (`read: 'expected'`), as holistic
 * scores usually are; v_j are the numbers of a numeric scale and the ranks 0..K-1 of CEFR levels.
 * `trainLengthRegression` is the other usual form: least squares of the score on z, rounded to the scale.
 */
import { canonicalLabel, classIndex, labelSet, type LabelSet } from './labels';
import { mean as meanOf, sampleSd } from '../metrics/descriptive';

export interface LengthModel {
  kind: 'ordinal-logit-length';
  labels: LabelSet;
  /** Standardisation of log(1 + chars). */
  mean: number;
  sd: number;
  theta: number[];
  beta: number;
  iterations: number;
  logLikelihood: number;
}

const sigmoid = (t: number) => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));
const feature = (text: string) => Math.log1p([...text].length);

function classProbs(theta: readonly number[], beta: number, z: number): number[] {
  const K = theta.length + 1;
  const p: number[] = [];
  let prev = 0;
  for (let j = 0; j < K; j++) {
    const cum = j < K - 1 ? sigmoid(theta[j] - beta * z) : 1;
    p.push(cum - prev);
    prev = cum;
  }
  return p;
}

function nll(params: number[], z: number[], y: number[]): number {
  const theta = params.slice(0, -1);
  const beta = params[params.length - 1];
  for (let j = 1; j < theta.length; j++) if (!(theta[j] > theta[j - 1])) return Infinity;
  let s = 1e-6 * beta * beta;
  for (let i = 0; i < z.length; i++) {
    const p = classProbs(theta, beta, z[i])[y[i]];
    if (!(p > 0)) return Infinity;
    s -= Math.log(p);
  }
  return s;
}

function gradient(params: number[], z: number[], y: number[]): number[] {
  const K = params.length; // theta (K-1 of them) + beta: K classes
  const theta = params.slice(0, -1);
  const beta = params[params.length - 1];
  const g = new Array<number>(params.length).fill(0);
  g[K - 1] = 2e-6 * beta;
  for (let i = 0; i < z.length; i++) {
    const c = y[i];
    const up = c < K - 1 ? sigmoid(theta[c] - beta * z[i]) : 1;
    const lo = c > 0 ? sigmoid(theta[c - 1] - beta * z[i]) : 0;
    const p = Math.max(up - lo, 1e-300);
    const dUp = c < K - 1 ? up * (1 - up) : 0;
    const dLo = c > 0 ? lo * (1 - lo) : 0;
    if (c < K - 1) g[c] -= dUp / p;
    if (c > 0) g[c - 1] += dLo / p;
    g[K - 1] -= (-z[i] * (dUp - dLo)) / p;
  }
  return g;
}

function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-12) return null;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((r, i) => r[n] / r[i]);
}

export function trainLengthModel(texts: readonly string[], labels: readonly string[]): LengthModel {
  const set = labelSet(labels);
  const keep = texts.map((_, i) => i).filter((i) => classIndex(set, labels[i]) != null);
  if (set.classes.length < 2) throw new RangeError('length baseline: the labels need at least two classes');
  const x = keep.map((i) => feature(texts[i]));
  const y = keep.map((i) => classIndex(set, labels[i])!);
  const mean = meanOf(x);
  const sd = sampleSd(x) || 1; // one value or a constant feature: no scaling
  const z = x.map((v) => (v - mean) / sd);
  const K = set.classes.length;
  // Start: cut points at the logits of the cumulative class shares, no slope.
  const counts = new Array<number>(K).fill(0);
  for (const c of y) counts[c]++;
  let cum = 0;
  const params: number[] = [];
  for (let j = 0; j < K - 1; j++) {
    cum += counts[j];
    const q = Math.min(Math.max(cum / y.length, 1e-3), 1 - 1e-3);
    params.push(Math.log(q / (1 - q)) + j * 1e-3);
  }
  params.push(0);
  let f = nll(params, z, y);
  let it = 0;
  for (; it < 100; it++) {
    const g = gradient(params, z, y);
    const h: number[][] = [];
    const eps = 1e-5;
    for (let j = 0; j < params.length; j++) {
      const a = [...params];
      const b = [...params];
      a[j] += eps;
      b[j] -= eps;
      const ga = gradient(a, z, y);
      const gb = gradient(b, z, y);
      h.push(ga.map((v, k) => (v - gb[k]) / (2 * eps)));
    }
    const sym = h.map((r, i) => r.map((v, j) => (v + h[j][i]) / 2 + (i === j ? 1e-9 : 0)));
    let step = solve(sym, g.map((v) => -v));
    if (!step || step.reduce((a, b, k) => a + b * g[k], 0) >= 0) step = g.map((v) => -v); // not a descent direction
    let t = 1;
    let next = params.map((p, k) => p + t * step![k]);
    let fn = nll(next, z, y);
    while (!(fn <= f) && t > 1e-10) {
      t /= 2;
      next = params.map((p, k) => p + t * step![k]);
      fn = nll(next, z, y);
    }
    if (!(fn <= f)) break;
    const improvement = f - fn;
    params.splice(0, params.length, ...next);
    f = fn;
    if (improvement < 1e-10) break;
  }
  return { kind: 'ordinal-logit-length', labels: set, mean, sd, theta: params.slice(0, -1), beta: params[params.length - 1], iterations: it, logLikelihood: -f };
}

export function lengthProba(model: LengthModel, text: string): number[] {
  return classProbs(model.theta, model.beta, (feature(text) - model.mean) / model.sd);
}

/** How a length model's class probabilities become a rating (see the header). */
export type LengthReading = 'expected' | 'mode';
export const LENGTH_READINGS: readonly LengthReading[] = ['expected', 'mode'];
export const LENGTH_DEFAULTS: { read: LengthReading } = { read: 'expected' };

/** The value of each class on its scale: the numbers of a numeric scale, the ranks 0..K-1 of CEFR levels. */
export function scaleValues(labels: LabelSet): number[] {
  return labels.kind === 'numeric' ? labels.classes.map(Number) : labels.classes.map((_, j) => j);
}

/** Index of the step of an ascending scale nearest to x; halfway between two steps goes to the higher one. */
export function roundToScale(x: number, steps: readonly number[]): number {
  if (steps.length === 0) throw new RangeError('roundToScale: the scale has no steps');
  let best = 0;
  for (let j = 1; j < steps.length; j++) if (Math.abs(x - steps[j]) <= Math.abs(x - steps[best])) best = j;
  return best;
}

/** The expected score sum_j P(y = j) v_j on the scale's values (`scaleValues`). */
export function expectedLengthScore(model: LengthModel, text: string): number {
  const v = scaleValues(model.labels);
  return lengthProba(model, text).reduce((a, p, j) => a + p * v[j], 0);
}

/** The rating of a text: the expected score rounded to the scale (default), or the most probable class. */
export function predictLength(model: LengthModel, text: string, read: LengthReading = LENGTH_DEFAULTS.read): string {
  if (read === 'expected') return model.labels.classes[roundToScale(expectedLengthScore(model, text), scaleValues(model.labels))];
  const p = lengthProba(model, text);
  let best = 0;
  for (let j = 1; j < p.length; j++) if (p[j] > p[best]) best = j;
  return model.labels.classes[best];
}

/** The character lengths at which the prediction changes class (for the notebook). */
export function lengthCutPoints(model: LengthModel, read: LengthReading = LENGTH_DEFAULTS.read): Array<{ from: string; to: string; chars: number }> {
  const out: Array<{ from: string; to: string; chars: number }> = [];
  let prev = predictLength(model, '', read);
  for (let c = 1; c <= 20000; c = Math.ceil(c * 1.02)) {
    const cls = predictLength(model, 'x'.repeat(c), read);
    if (cls !== prev) out.push({ from: prev, to: cls, chars: c });
    prev = cls;
  }
  return out;
}

export interface LengthRegression {
  kind: 'linear-length';
  labels: LabelSet;
  /** Standardisation of log(1 + chars). */
  mean: number;
  sd: number;
  /** score = intercept + slope z, on the scale's values (`scaleValues`). */
  intercept: number;
  slope: number;
}

/** Ordinary least squares of the scale value on z = standardised log(1 + characters) (closed form, one predictor). */
export function trainLengthRegression(texts: readonly string[], labels: readonly string[]): LengthRegression {
  const set = labelSet(labels);
  if (set.classes.length < 2) throw new RangeError('length regression: the labels need at least two classes');
  const v = scaleValues(set);
  const keep = texts.map((_, i) => i).filter((i) => classIndex(set, labels[i]) != null);
  const x = keep.map((i) => feature(texts[i]));
  const y = keep.map((i) => v[classIndex(set, labels[i])!]);
  const mean = meanOf(x);
  const sd = sampleSd(x) || 1; // one value or a constant feature: no scaling
  const z = x.map((t) => (t - mean) / sd);
  // z has mean 0, so the intercept is the mean score and the slope cov(z, y) / var(z)
  const my = meanOf(y);
  const szz = z.reduce((a, t) => a + t * t, 0);
  const slope = szz > 0 ? z.reduce((a, t, i) => a + t * (y[i] - my), 0) / szz : 0;
  return { kind: 'linear-length', labels: set, mean, sd, intercept: my, slope };
}

/** The regression's score of a text, unrounded. */
export function lengthRegressionScore(model: LengthRegression, text: string): number {
  return model.intercept + model.slope * ((feature(text) - model.mean) / model.sd);
}

/** The regression's score rounded to the nearest step of the scale. */
export function predictLengthRegression(model: LengthRegression, text: string): string {
  return model.labels.classes[roundToScale(lengthRegressionScore(model, text), scaleValues(model.labels))];
}

export { canonicalLabel };
