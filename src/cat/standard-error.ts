/**
 * Standard errors of the soft-response Rasch MLE, and the CEFR-band interval check of the `cefr-band` stop.
 *
 * The adaptive test scores responses r_i in [0, 1] (graded yes/no and C-test items; simulated Beta responses)
 * with the Rasch estimating equation U(θ) = Σ (r_i − p_i(θ)) = 0. Taken as a quasi-likelihood with
 * E[r_i] = p_i and Var[r_i] = φ p_i (1 − p_i) (Wedderburn 1974; McCullagh & Nelder 1989, ch. 9), the
 * estimate is the same for every φ and, by the sandwich form Var(θ̂) ≈ Var(U) / U'(θ)² (Huber 1967;
 * White 1982), with −U'(θ) = Σ p_i (1 − p_i) = I(θ) and Var(U) = φ I(θ):
 *
 *     SE(θ̂) = √(φ / I(θ̂)).
 *
 * φ = 1 is the Bernoulli (0/1) model, whose SE 1/√I the MLE reports; for any r in [0, 1] with mean p,
 * Var[r] = E[r²] − p² ≤ E[r] − p² = p (1 − p), so φ ≤ 1 and 1/√I is an upper bound. For Beta(κ p, κ (1 − p))
 * responses (src/irt/noise.ts) Var[r] = p (1 − p) / (κ + 1), so φ = 1/(κ + 1): a quarter for κ = 3, i.e. half
 * the Bernoulli SE. When φ is unknown, the empirical (robust) sandwich replaces φ I by Σ (r_i − p̂_i)², with
 * the small-sample factor n/(n − 1) (MacKinnon & White 1985, HC1).
 */
import type { NoiseModel } from '../irt/noise';
import { irf, testInformation } from '../irt/rasch';
import { scaleToLevel } from '../scale/cefr-scale';

/** φ of a simulation noise model: Var[r] = φ p (1 − p). */
export function noiseDispersion(noise: NoiseModel): number {
  switch (noise.kind) {
    case 'bernoulli':
      return 1;
    case 'beta':
      return 1 / (noise.concentration + 1);
    case 'expected':
      return 0;
  }
}

/** √(φ / I(θ)) in logits. */
export function quasiLikelihoodSe(theta: number, deltas: ArrayLike<number>, dispersion: number): number {
  return Math.sqrt(dispersion / testInformation(theta, deltas));
}

/** The empirical sandwich SE (HC1) in logits: √(n/(n−1) Σ (r_i − p_i(θ))²) / I(θ); NaN for fewer than two responses. */
export function sandwichSe(theta: number, deltas: ArrayLike<number>, responses: ArrayLike<number>): number {
  const n = deltas.length;
  if (n < 2) return Number.NaN;
  let u2 = 0;
  for (let i = 0; i < n; i++) u2 += (responses[i] - irf(theta, deltas[i])) ** 2;
  return Math.sqrt((n / (n - 1)) * u2) / testInformation(theta, deltas);
}

/**
 * Whether [score − z·se, score + z·se] (points on the 100-point scale) lies inside one CEFR band: both ends have
 * the same level (src/scale/cefr-scale.ts: the level of the nearest Table 1 point; below 0 is A1, above 100 C2).
 */
export function intervalInsideOneLevel(score: number, sePoints: number, z: number): boolean {
  if (!Number.isFinite(score) || !Number.isFinite(sePoints)) return false;
  return scaleToLevel(score - z * sePoints) === scaleToLevel(score + z * sePoints);
}
