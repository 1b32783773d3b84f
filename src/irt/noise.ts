/**
 * Simulated responses from the Rasch model. A noise model turns the model probability p = p_i(θ) into one
 * observed response r in [0, 1]:
 *
 * - `bernoulli`: r ∈ {0, 1} with P(r = 1) = p (dichotomous items);
 * - `beta` (default for soft responses): r ~ Beta(κ p, κ (1 − p)), so E[r] = p and
 *   Var[r] = p (1 − p) / (κ + 1); κ (`concentration`, default 3) sets how graded the responses are
 *   (κ → 0 approaches Bernoulli, κ → ∞ the expected response p itself; κ = 3 has the variance of the mean
 *   of four Bernoulli trials);
 * - `expected`: r = p (no noise; for checks).
 *
 * Because E[r] = p under all three, the soft-response MLE is consistent for θ.
 */
import { Rng } from '../runtime/rng';
import { irf } from './rasch';

export type NoiseModel = { kind: 'bernoulli' } | { kind: 'beta'; concentration: number } | { kind: 'expected' };

export const DEFAULT_NOISE: NoiseModel = { kind: 'beta', concentration: 3 };

/** Gamma(shape, 1) by Marsaglia & Tsang (2000); shapes below 1 through the boost U^{1/a}. */
export function gammaSample(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be positive, got ${shape}`);
  if (shape < 1) {
    let u = rng.float();
    while (u === 0) u = rng.float();
    return gammaSample(rng, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.float();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function betaSample(rng: Rng, a: number, b: number): number {
  const x = gammaSample(rng, a);
  const y = gammaSample(rng, b);
  return x + y > 0 ? x / (x + y) : a / (a + b);
}

export function checkNoise(noise: NoiseModel): void {
  if (noise.kind === 'beta' && !(noise.concentration > 0 && Number.isFinite(noise.concentration))) {
    throw new RangeError(`beta noise needs a positive finite concentration, got ${noise.concentration}`);
  }
  if (!['bernoulli', 'beta', 'expected'].includes(noise.kind)) throw new RangeError(`unknown noise model "${(noise as { kind: string }).kind}": use bernoulli, beta or expected`);
}

/** One response of a test-taker at θ to an item at δ (logits). */
export function simulateResponse(rng: Rng, theta: number, delta: number, noise: NoiseModel = DEFAULT_NOISE): number {
  const p = irf(theta, delta);
  switch (noise.kind) {
    case 'bernoulli':
      return rng.float() < p ? 1 : 0;
    case 'expected':
      return p;
    case 'beta': {
      // Keep both shapes away from 0 so extreme p does not produce NaN.
      const k = noise.concentration;
      return betaSample(rng, Math.max(k * p, 1e-6), Math.max(k * (1 - p), 1e-6));
    }
  }
}

/** A complete persons × items response matrix (row-major) from θs and δs. */
export function simulateMatrix(thetas: ArrayLike<number>, deltas: ArrayLike<number>, noise: NoiseModel, seed = 0): Float64Array {
  checkNoise(noise);
  const rng = new Rng(seed);
  const out = new Float64Array(thetas.length * deltas.length);
  for (let p = 0; p < thetas.length; p++) for (let i = 0; i < deltas.length; i++) out[p * deltas.length + i] = simulateResponse(rng, thetas[p], deltas[i], noise);
  return out;
}
