/**
 * The SE the adaptive test reports matches its response model: on simulation it agrees with the empirical RMSE
 * of θ̂ for soft (Beta) and for 0/1 responses; the sandwich SE, which assumes no dispersion, agrees too.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { testBank } from './cat-helpers';
import { simulateCat } from '../src/cat/simulate';
import { noiseDispersion, quasiLikelihoodSe, sandwichSe } from '../src/cat/standard-error';
import { testInformation } from '../src/irt/rasch';

const bank = testBank(20);

for (const noise of [{ kind: 'beta', concentration: 3 }, { kind: 'beta', concentration: 10 }, { kind: 'bernoulli' }] as const) {
  test(`cat SE: with ${noise.kind}${'concentration' in noise ? `:${noise.concentration}` : ''} responses the reported mean SE matches the RMSE`, () => {
    const r = simulateCat(bank, { n: 600, seed: 3, noise, retest: false });
    const ratio = r.meanSe / r.rmse;
    // 600 simulees: the RMSE itself is known to about ±3 %; the band leaves room for that and for the MLE's
    // small-sample departures from its asymptotic SE, and excludes the 0/1 SE on soft responses (ratio ≈ 2).
    assert.ok(ratio > 0.85 && ratio < 1.15, `mean SE ${r.meanSe.toFixed(2)} vs RMSE ${r.rmse.toFixed(2)}: ratio ${ratio.toFixed(3)}`);
    const sw = r.meanSeSandwich / r.rmse;
    assert.ok(sw > 0.8 && sw < 1.15, `sandwich SE ${r.meanSeSandwich.toFixed(2)} vs RMSE ${r.rmse.toFixed(2)}: ratio ${sw.toFixed(3)}`);
    assert.equal(r.dispersion, noiseDispersion(noise));
    assert.match(r.seAssumes, /the model that drew them/);
  });
}

test('cat SE: the formulas (√(φ/I); sandwich), and a dispersion set against the noise is said so', () => {
  const deltas = [-1, 0, 0.5, 2];
  const I = testInformation(0.3, deltas);
  assert.ok(Math.abs(quasiLikelihoodSe(0.3, deltas, 1) - 1 / Math.sqrt(I)) < 1e-12);
  assert.ok(Math.abs(quasiLikelihoodSe(0.3, deltas, 0.25) - 0.5 / Math.sqrt(I)) < 1e-12);
  // Residuals r − p all zero: no spread, sandwich SE 0; one response: undefined.
  const p = deltas.map((d) => 1 / (1 + Math.exp(-(0.3 - d))));
  assert.ok(sandwichSe(0.3, deltas, p) < 1e-9);
  assert.ok(Number.isNaN(sandwichSe(0.3, [0], [0.5])));
  const r = simulateCat(bank, { n: 50, seed: 1, noise: { kind: 'beta', concentration: 3 }, retest: false, config: { dispersion: 1 } });
  assert.equal(r.dispersion, 1);
  assert.match(r.seAssumes, /set by the configuration; the responses were drawn with φ = 0\.25/);
});
