/**
 * The Rasch model with soft responses (Settles, LaFlair & Hagiwara 2020, eq. 1, eq. 2 and appendix A.2).
 * Item response function p_i(θ) = 1 / (1 + exp(δ_i − θ)); a response r_i may be any number in [0, 1]
 * (a graded, "probabilistic" response), and the log-likelihood is the negative cross-entropy
 *
 *     LL(θ) = Σ_i r_i log p_i(θ) + (1 − r_i) log(1 − p_i(θ)).
 *
 * Its derivatives in θ: LL'(θ) = Σ (r_i − p_i), LL''(θ) = −Σ p_i (1 − p_i) = −I(θ), the test information
 * (which does not depend on the responses), and I'(θ) = Σ p_i (1 − p_i)(1 − 2 p_i). All in logits.
 */

/** p_i(θ), computed without overflow for large |δ − θ|. */
export function irf(theta: number, delta: number): number {
  const z = theta - delta;
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log p and log(1 − p) without cancellation: log σ(z) = −log(1 + e^{−z}). */
function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

/** Throws a RangeError naming the first bad response (not finite, or outside 0..1) or a length mismatch. */
export function checkResponses(deltas: ArrayLike<number>, responses: ArrayLike<number>): void {
  if (deltas.length !== responses.length) {
    throw new RangeError(`${deltas.length} item difficulties but ${responses.length} responses: they must pair up one to one`);
  }
  for (let i = 0; i < responses.length; i++) {
    const r = responses[i];
    if (!Number.isFinite(r) || r < 0 || r > 1) throw new RangeError(`response ${i + 1} is ${r}: responses must be numbers from 0 to 1 (soft responses allowed)`);
    if (!Number.isFinite(deltas[i])) throw new RangeError(`difficulty ${i + 1} is ${deltas[i]}: difficulties must be finite logits`);
  }
}

/** LL(θ) for soft responses. */
export function logLikelihood(theta: number, deltas: ArrayLike<number>, responses: ArrayLike<number>): number {
  let ll = 0;
  for (let i = 0; i < deltas.length; i++) {
    const z = theta - deltas[i];
    const r = responses[i];
    if (r > 0) ll += r * logSigmoid(z);
    if (r < 1) ll += (1 - r) * logSigmoid(-z);
  }
  return ll;
}

/** LL'(θ) = Σ (r_i − p_i). */
export function scoreFunction(theta: number, deltas: ArrayLike<number>, responses: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < deltas.length; i++) s += responses[i] - irf(theta, deltas[i]);
  return s;
}

/** Test information I(θ) = Σ p_i (1 − p_i) = −LL''(θ). */
export function testInformation(theta: number, deltas: ArrayLike<number>): number {
  let info = 0;
  for (let i = 0; i < deltas.length; i++) {
    const p = irf(theta, deltas[i]);
    info += p * (1 - p);
  }
  return info;
}

/** Information of one item at θ: p (1 − p). */
export function itemInformation(theta: number, delta: number): number {
  const p = irf(theta, delta);
  return p * (1 - p);
}

/** I'(θ) = Σ p_i (1 − p_i)(1 − 2 p_i) (= −LL'''(θ)); Warm's correction uses it. */
export function informationDerivative(theta: number, deltas: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < deltas.length; i++) {
    const p = irf(theta, deltas[i]);
    d += p * (1 - p) * (1 - 2 * p);
  }
  return d;
}
