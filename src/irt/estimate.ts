/**
 * Ability estimates for the Rasch model with soft responses (all in logits; src/irt/scale.ts maps them to
 * the 100-point scale):
 *
 * - `mle`: maximum likelihood, bounded to [lo, hi]. LL is strictly concave whenever there is at least one
 *   item, so the root of LL'(θ) = Σ (r_i − p_i) is unique when 0 < Σ r_i < n. When every response is 1
 *   (all correct) or 0 (all wrong) the likelihood keeps rising towards ±∞: the estimate is the bound and
 *   `boundary` says which case it was. A root beyond a bound is clamped and said the same way.
 * - `map`: the mode of the posterior with a normal prior N(μ, σ²): root of LL'(θ) − (θ − μ)/σ².
 * - `eap`: the posterior mean under N(μ, σ²), by quadrature on an even grid; the log posterior is
 *   normalised with log-sum-exp, so long tests do not underflow; the standard error is the posterior SD.
 * - `wle`: Warm's (1989) weighted likelihood: root of LL'(θ) + I'(θ) / (2 I(θ)); finite also for
 *   all-correct and all-wrong patterns.
 *
 * Standard errors of `mle` and `wle` are 1/√I(θ̂); of `map`, 1/√(I(θ̂) + 1/σ²).
 */
import { checkResponses, informationDerivative, logLikelihood, scoreFunction, testInformation } from './rasch';

export type AbilityMethod = 'mle' | 'map' | 'eap' | 'wle';
export const ABILITY_METHODS: readonly AbilityMethod[] = ['mle', 'map', 'eap', 'wle'];

/** Why an estimate sits where it does when it is not an interior root. */
export type Boundary = 'all-correct' | 'all-wrong' | 'upper-bound' | 'lower-bound' | null;

export interface AbilityEstimate {
  method: AbilityMethod;
  /** θ̂ in logits. */
  theta: number;
  /** Standard error in logits (posterior SD for EAP). */
  se: number;
  /** Non-null when the estimate is a bound (MLE all-correct / all-wrong, or a root clamped to the bounds). */
  boundary: Boundary;
  /** One sentence on how the estimate was obtained (what a report prints beside it). */
  note: string;
  items: number;
}

export interface Prior {
  mean: number;
  sd: number;
}

export interface EstimateOptions {
  method?: AbilityMethod;
  /** Bounds of the MLE and WLE in logits (default [-6, 6], i.e. -10..110 points). */
  bounds?: [number, number];
  /** Normal prior of MAP and EAP (default N(0, 2²) in logits: mean 50 points, SD 20 points). */
  prior?: Prior;
  /** EAP grid: `points` even nodes over [min, max] (default 121 nodes over μ ± 6σ). */
  grid?: { min?: number; max?: number; points?: number };
}

export const DEFAULT_BOUNDS: [number, number] = [-6, 6];
export const DEFAULT_PRIOR: Prior = { mean: 0, sd: 2 };

/** Root of a decreasing f on [lo, hi] by Newton's method safeguarded with bisection; f' = df. */
function decreasingRoot(f: (x: number) => number, df: ((x: number) => number) | null, lo: number, hi: number): number {
  let a = lo;
  let b = hi;
  let x = 0.5 * (a + b);
  for (let iter = 0; iter < 200; iter++) {
    const fx = f(x);
    if (fx === 0) return x;
    if (fx > 0) a = x;
    else b = x;
    let next = 0.5 * (a + b);
    if (df) {
      const d = df(x);
      if (d < 0) {
        const newton = x - fx / d;
        if (newton > a && newton < b) next = newton;
      }
    }
    if (Math.abs(next - x) < 1e-12 || b - a < 1e-12) return next;
    x = next;
  }
  return x;
}

function checkBounds(bounds: [number, number]): void {
  if (!(Number.isFinite(bounds[0]) && Number.isFinite(bounds[1]) && bounds[0] < bounds[1])) {
    throw new RangeError(`bounds must be two finite logits lo < hi, got [${bounds}]`);
  }
}

function checkPrior(prior: Prior): void {
  if (!Number.isFinite(prior.mean) || !(prior.sd > 0) || !Number.isFinite(prior.sd)) {
    throw new RangeError(`the prior needs a finite mean and a positive SD, got N(${prior.mean}, ${prior.sd}²)`);
  }
}

/** Bounded maximum likelihood. */
export function estimateMle(deltas: ArrayLike<number>, responses: ArrayLike<number>, bounds: [number, number] = DEFAULT_BOUNDS): AbilityEstimate {
  checkResponses(deltas, responses);
  checkBounds(bounds);
  const n = deltas.length;
  if (n === 0) throw new RangeError('maximum likelihood needs at least one response (use map or eap, which fall back on the prior)');
  const [lo, hi] = bounds;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += responses[i];
  const se = (t: number) => 1 / Math.sqrt(testInformation(t, deltas));
  const base = { method: 'mle' as const, items: n };
  if (sum >= n) return { ...base, theta: hi, se: se(hi), boundary: 'all-correct', note: `all ${n} responses are 1: the likelihood rises without limit, so θ̂ is the upper bound ${hi}` };
  if (sum <= 0) return { ...base, theta: lo, se: se(lo), boundary: 'all-wrong', note: `all ${n} responses are 0: the likelihood rises without limit towards −∞, so θ̂ is the lower bound ${lo}` };
  const f = (t: number) => scoreFunction(t, deltas, responses);
  if (f(hi) > 0) return { ...base, theta: hi, se: se(hi), boundary: 'upper-bound', note: `the likelihood's maximum lies above the upper bound ${hi}: θ̂ clamped to it` };
  if (f(lo) < 0) return { ...base, theta: lo, se: se(lo), boundary: 'lower-bound', note: `the likelihood's maximum lies below the lower bound ${lo}: θ̂ clamped to it` };
  const theta = decreasingRoot(f, (t) => -testInformation(t, deltas), lo, hi);
  return { ...base, theta, se: se(theta), boundary: null, note: 'maximum likelihood (root of Σ(r − p) = 0)' };
}

/** Posterior mode under a normal prior. */
export function estimateMap(deltas: ArrayLike<number>, responses: ArrayLike<number>, prior: Prior = DEFAULT_PRIOR): AbilityEstimate {
  checkResponses(deltas, responses);
  checkPrior(prior);
  const v = prior.sd * prior.sd;
  const f = (t: number) => scoreFunction(t, deltas, responses) - (t - prior.mean) / v;
  const df = (t: number) => -testInformation(t, deltas) - 1 / v;
  // The root lies within n/σ⁻² of the prior mean (|LL'| ≤ n), so this bracket always contains it.
  const reach = (deltas.length + 1) * v;
  const theta = decreasingRoot(f, df, prior.mean - reach, prior.mean + reach);
  return { method: 'map', theta, se: 1 / Math.sqrt(-df(theta)), boundary: null, items: deltas.length, note: `posterior mode with prior N(${prior.mean}, ${prior.sd}²)` };
}

/** The quadrature nodes of the EAP. */
export function eapGrid(prior: Prior = DEFAULT_PRIOR, grid: EstimateOptions['grid'] = {}): Float64Array {
  const points = grid.points ?? 121;
  const min = grid.min ?? prior.mean - 6 * prior.sd;
  const max = grid.max ?? prior.mean + 6 * prior.sd;
  if (!Number.isInteger(points) || points < 2 || !(min < max)) throw new RangeError(`EAP grid needs at least 2 points over min < max, got ${points} over [${min}, ${max}]`);
  const nodes = new Float64Array(points);
  for (let k = 0; k < points; k++) nodes[k] = min + ((max - min) * k) / (points - 1);
  return nodes;
}

/** Posterior mean and SD under a normal prior, quadrature in log space. */
export function estimateEap(deltas: ArrayLike<number>, responses: ArrayLike<number>, prior: Prior = DEFAULT_PRIOR, grid: EstimateOptions['grid'] = {}): AbilityEstimate {
  checkResponses(deltas, responses);
  checkPrior(prior);
  const nodes = eapGrid(prior, grid);
  const logPost = new Float64Array(nodes.length);
  let max = -Infinity;
  for (let k = 0; k < nodes.length; k++) {
    const z = (nodes[k] - prior.mean) / prior.sd;
    logPost[k] = logLikelihood(nodes[k], deltas, responses) - 0.5 * z * z;
    if (logPost[k] > max) max = logPost[k];
  }
  let w = 0;
  let m1 = 0;
  for (let k = 0; k < nodes.length; k++) {
    const e = Math.exp(logPost[k] - max);
    w += e;
    m1 += e * nodes[k];
  }
  const mean = m1 / w;
  let m2 = 0;
  for (let k = 0; k < nodes.length; k++) m2 += Math.exp(logPost[k] - max) * (nodes[k] - mean) ** 2;
  return {
    method: 'eap', theta: mean, se: Math.sqrt(m2 / w), boundary: null, items: deltas.length,
    note: `posterior mean with prior N(${prior.mean}, ${prior.sd}²), ${nodes.length} quadrature nodes over [${nodes[0]}, ${nodes[nodes.length - 1]}]`,
  };
}

/** Warm's weighted likelihood estimate, bounded like the MLE. */
export function estimateWle(deltas: ArrayLike<number>, responses: ArrayLike<number>, bounds: [number, number] = DEFAULT_BOUNDS): AbilityEstimate {
  checkResponses(deltas, responses);
  checkBounds(bounds);
  if (deltas.length === 0) throw new RangeError('the weighted likelihood estimate needs at least one response');
  const [lo, hi] = bounds;
  const f = (t: number) => scoreFunction(t, deltas, responses) + informationDerivative(t, deltas) / (2 * testInformation(t, deltas));
  const se = (t: number) => 1 / Math.sqrt(testInformation(t, deltas));
  const base = { method: 'wle' as const, items: deltas.length };
  if (f(hi) > 0) return { ...base, theta: hi, se: se(hi), boundary: 'upper-bound', note: `Warm's estimate lies above the upper bound ${hi}: clamped to it` };
  if (f(lo) < 0) return { ...base, theta: lo, se: se(lo), boundary: 'lower-bound', note: `Warm's estimate lies below the lower bound ${lo}: clamped to it` };
  const theta = decreasingRoot(f, null, lo, hi);
  return { ...base, theta, se: se(theta), boundary: null, note: "Warm's (1989) weighted likelihood (root of Σ(r − p) + I'/(2I) = 0)" };
}

/** Any of the four estimators by name. */
export function estimateAbility(deltas: ArrayLike<number>, responses: ArrayLike<number>, options: EstimateOptions = {}): AbilityEstimate {
  const method = options.method ?? 'mle';
  switch (method) {
    case 'mle':
      return estimateMle(deltas, responses, options.bounds);
    case 'map':
      return estimateMap(deltas, responses, options.prior);
    case 'eap':
      return estimateEap(deltas, responses, options.prior, options.grid);
    case 'wle':
      return estimateWle(deltas, responses, options.bounds);
    default:
      throw new RangeError(`unknown estimation method "${method as string}": use one of ${ABILITY_METHODS.join(', ')}`);
  }
}
