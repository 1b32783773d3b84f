import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { irf, logLikelihood, scoreFunction, testInformation, informationDerivative, checkResponses } from '../src/irt/rasch';
import { estimateMle, estimateMap, estimateEap, estimateWle, estimateAbility } from '../src/irt/estimate';
import { scaleToLogit, logitToScale, logitSeToScale } from '../src/irt/scale';

const close = (a: number, b: number, tol = 1e-9, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b} (tol ${tol})`);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

test('irt: the item response function and the scale map', () => {
  close(irf(0, 0), 0.5);
  close(irf(1, 0), 0.7310585786300049);
  close(irf(0, 1), 1 - 0.7310585786300049);
  close(irf(800, 0), 1); // no overflow
  close(irf(-800, 0), 0);
  close(scaleToLogit(50), 0);
  close(scaleToLogit(60), 1);
  close(logitToScale(-5), 0);
  close(logitSeToScale(0.3), 3);
});

test('irt: the log-likelihood, its derivatives and the information, by hand and by finite differences', () => {
  close(logLikelihood(0, [0, 0], [1, 0]), 2 * Math.log(0.5));
  // soft response .25 at p = .5: .25 log .5 + .75 log .5
  close(logLikelihood(0, [0], [0.25]), Math.log(0.5));
  // θ = 1, δ = 0, r = .7: .7 log σ(1) + .3 log σ(−1)
  close(logLikelihood(1, [0], [0.7]), 0.7 * Math.log(sigmoid(1)) + 0.3 * Math.log(sigmoid(-1)));
  const d = [-1.2, 0.3, 0.8, 2];
  const r = [1, 0.4, 0.75, 0];
  const h = 1e-5;
  for (const t of [-2, 0.1, 1.7]) {
    close(scoreFunction(t, d, r), (logLikelihood(t + h, d, r) - logLikelihood(t - h, d, r)) / (2 * h), 1e-7, 'LL\'');
    close(-testInformation(t, d), (scoreFunction(t + h, d, r) - scoreFunction(t - h, d, r)) / (2 * h), 1e-7, 'LL\'\'');
    close(informationDerivative(t, d), (testInformation(t + h, d) - testInformation(t - h, d)) / (2 * h), 1e-7, 'I\'');
  }
  close(testInformation(0, [0, 0]), 0.5);
});

test('irt: bad responses are clear errors', () => {
  assert.throws(() => checkResponses([0], [1.2]), /response 1 is 1.2: responses must be numbers from 0 to 1/);
  assert.throws(() => checkResponses([0], [-0.1]), /from 0 to 1/);
  assert.throws(() => checkResponses([0], [Number.NaN]), /from 0 to 1/);
  assert.throws(() => checkResponses([0, 1], [1]), /2 item difficulties but 1 responses/);
  assert.throws(() => estimateMle([], []), /at least one response/);
  assert.throws(() => estimateAbility([0], [1], { method: 'xyz' as never }), /unknown estimation method "xyz"/);
});

test('irt: MLE on hand-computed cases, soft responses, all-correct and all-wrong', () => {
  const sym = estimateMle([-1, 1], [1, 0]);
  close(sym.theta, 0, 1e-10);
  close(sym.se, 1 / Math.sqrt(2 * sigmoid(1) * sigmoid(-1)), 1e-10);
  assert.equal(sym.boundary, null);
  // One soft response r = σ(1) to an item at δ = 0.5: p(θ̂) = r, so θ̂ = 1.5.
  close(estimateMle([0.5], [sigmoid(1)]).theta, 1.5, 1e-10);
  // A single soft response of .5 is an interior estimate at the item.
  close(estimateMle([2], [0.5]).theta, 2, 1e-10);
  const top = estimateMle([0, 1], [1, 1], [-6, 6]);
  assert.equal(top.theta, 6);
  assert.equal(top.boundary, 'all-correct');
  assert.match(top.note, /all 2 responses are 1/);
  const bottom = estimateMle([0, 1], [0, 0], [-4, 4]);
  assert.equal(bottom.theta, -4);
  assert.equal(bottom.boundary, 'all-wrong');
  // Root beyond the bound: clamped and said.
  const clamped = estimateMle([5.5], [0.999], [-6, 6]);
  assert.equal(clamped.boundary, 'upper-bound');
  assert.equal(clamped.theta, 6);
});

test('irt: MAP, EAP and WLE on hand-computed cases', () => {
  // MAP, one correct response at δ = 0, prior N(0, 1): root of 1 − σ(θ) = θ.
  const map = estimateMap([0], [1], { mean: 0, sd: 1 });
  close(map.theta, 0.40105813754154696, 1e-10);
  close(map.se, 0.897950293373063, 1e-9);
  // EAP, same data: ∫θ σ(θ) φ(θ) / ∫σ(θ) φ(θ), computed independently with 2,000,001 nodes.
  const eap = estimateEap([0], [1], { mean: 0, sd: 1 });
  close(eap.theta, 0.4132419282838141, 1e-8);
  close(eap.se, 0.91062127622205, 1e-7);
  // Symmetric data: every estimator at 0.
  for (const method of ['mle', 'map', 'eap', 'wle'] as const) close(estimateAbility([-1, 1], [0.8, 0.2], { method }).theta, 0, 1e-9, method);
  // WLE, one item at 0: r − p + (1 − 2p)/2 = 0, so p = (r + .5)/2: r = 1 gives ln 3, r = 0 gives −ln 3.
  close(estimateWle([0], [1]).theta, Math.log(3), 1e-9);
  close(estimateWle([0], [0]).theta, -Math.log(3), 1e-9);
  const r = 0.3;
  const p = (r + 0.5) / 2;
  close(estimateWle([0], [r]).theta, Math.log(p / (1 - p)), 1e-9);
  assert.equal(estimateWle([0, 1], [1, 1]).boundary, null); // finite for all-correct
  // MAP and EAP without responses fall back on the prior.
  close(estimateMap([], [], { mean: 0.5, sd: 2 }).theta, 0.5, 1e-12);
  close(estimateEap([], [], { mean: 0.5, sd: 2 }).theta, 0.5, 1e-9);
  close(estimateEap([], [], { mean: 0.5, sd: 2 }).se, 2, 1e-6);
});

test('irt: EAP in log space survives a long test whose likelihood underflows', () => {
  const n = 3000;
  const d = Array.from({ length: n }, (_, i) => -3 + (6 * i) / (n - 1));
  const r = d.map((x) => (x < 0.7 ? 1 : 0));
  const ll = logLikelihood(0.7, d, r);
  assert.ok(Math.exp(ll) === 0, 'the likelihood itself underflows');
  const eap = estimateEap(d, r);
  assert.ok(Number.isFinite(eap.theta) && Math.abs(eap.theta - estimateMle(d, r).theta) < 0.05, `EAP ${eap.theta}`);
});

test('irt: soft responses recover θ: the MLE of many expected responses is the true θ', () => {
  const d = Array.from({ length: 25 }, (_, i) => -3 + i * 0.25);
  for (const t of [-2, 0, 1.3]) {
    const r = d.map((x) => irf(t, x));
    close(estimateMle(d, r).theta, t, 1e-9);
  }
});
