/**
 * Dichotomous MLE and EAP against jsCAT (@bdelab/jscat, a dev dependency) on the same items and responses.
 * jsCAT's EAP exponentiates the summed log-likelihood directly (`Math.exp(this.likelihood(theta))`), so on a
 * long test every node underflows to 0 and its estimate is 0/0 = NaN; ours normalises in log space.
 * jsCAT's MLE is a Powell search from θ = 0 that stops early: up to 0.014 logits short of the maximum on these
 * cases (ours, a safeguarded Newton root of the score, always has the higher log-likelihood).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Rng } from '../src/runtime/rng';
import { irf } from '../src/irt/rasch';
import { logLikelihood } from '../src/irt/rasch';
import { estimateMle, estimateEap } from '../src/irt/estimate';

type JsCat = {
  Cat: new (o: Record<string, unknown>) => { updateAbilityEstimate(z: unknown[], r: number[]): void; theta: number; seMeasurement: number };
};

async function jscat(): Promise<JsCat> {
  return (await import('@bdelab/jscat')) as unknown as JsCat;
}

function data(seed: number, n: number, theta: number) {
  const rng = new Rng(seed);
  const deltas = Array.from({ length: n }, () => -3 + 6 * rng.float());
  const resp: number[] = deltas.map((d) => (rng.float() < irf(theta, d) ? 1 : 0));
  return { deltas, resp };
}

test('irt vs jsCAT: dichotomous MLE and EAP agree on short tests', async () => {
  const { Cat } = await jscat();
  let worstMle = 0;
  let worstEap = 0;
  for (let seed = 0; seed < 20; seed++) {
    const { deltas, resp } = data(seed, 5 + seed, -1.5 + 0.15 * seed);
    const sum = resp.reduce((s, r) => s + r, 0);
    const zetas = deltas.map((b) => ({ a: 1, b, c: 0, d: 1 }));
    if (sum > 0 && sum < resp.length) {
      const cat = new Cat({ method: 'MLE', minTheta: -6, maxTheta: 6 });
      cat.updateAbilityEstimate(zetas, resp);
      const ours = estimateMle(deltas, resp, [-6, 6]);
      worstMle = Math.max(worstMle, Math.abs(cat.theta - ours.theta));
      // jsCAT's Powell search from θ = 0 stops short of the maximum: ours is never lower.
      assert.ok(logLikelihood(ours.theta, deltas, resp) >= logLikelihood(cat.theta, deltas, resp) - 1e-12);
      // Same SE formula (1/√I): at jsCAT's own θ̂ it must agree exactly.
      assert.ok(Math.abs(cat.seMeasurement - 1 / Math.sqrt(deltas.reduce((s, d) => s + irf(cat.theta, d) * (1 - irf(cat.theta, d)), 0))) < 1e-9);
    }
    const cat = new Cat({ method: 'EAP', minTheta: -6, maxTheta: 6, priorDist: 'norm', priorPar: [0, 1] });
    cat.updateAbilityEstimate(zetas, resp);
    // jsCAT's grid: −6..6 in steps of 0.1, normal prior density.
    const ours = estimateEap(deltas, resp, { mean: 0, sd: 1 }, { min: -6, max: 6, points: 121 });
    worstEap = Math.max(worstEap, Math.abs(cat.theta - ours.theta));
  }
  console.log(`largest differences to jsCAT: MLE ${worstMle.toExponential(2)}, EAP ${worstEap.toExponential(2)}`);
  assert.ok(worstMle < 0.02, `largest MLE difference ${worstMle}`);
  assert.ok(worstEap < 1e-9, `largest EAP difference ${worstEap}`);
});

test('irt vs jsCAT: on a long test jsCAT\'s EAP underflows to NaN, ours does not', async () => {
  const { Cat } = await jscat();
  const { deltas, resp } = data(99, 3000, 0.4);
  assert.ok(logLikelihood(0.4, deltas, resp) < -745, 'the likelihood is below the smallest double near θ');
  const cat = new Cat({ method: 'EAP', minTheta: -6, maxTheta: 6, priorDist: 'norm', priorPar: [0, 1] });
  cat.updateAbilityEstimate(deltas.map((b) => ({ a: 1, b, c: 0, d: 1 })), resp);
  assert.ok(Number.isNaN(cat.theta), `jsCAT EAP on 3000 items: ${cat.theta}`);
  const ours = estimateEap(deltas, resp, { mean: 0, sd: 1 }, { min: -6, max: 6, points: 121 });
  assert.ok(Math.abs(ours.theta - 0.4) < 0.2, `ours ${ours.theta}`);
});
