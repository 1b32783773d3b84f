/**
 * The shared-direction ordinal model (src/classify/ordinal-corpus.ts) on data drawn from the model itself: the
 * fit recovers the direction and each corpus's cut points (two corpora on different scales), calibration from a
 * few labelled texts moves a shifted corpus's cut points by the shift, and zero-shot keeps the training ones.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Rng } from '../src/runtime/rng';
import { fitSharedOrdinal, calibrateCuts, latent, ordinalClass, pooledCuts } from '../src/classify/ordinal-corpus';
import { perClassSample } from '../src/model-selection/folds';

/** Rows of a cumulative-logit model: x ~ N(0, 1)^d, y = number of cut points below w.x + logistic noise. */
function draw(rng: Rng, n: number, w: number[], cuts: number[]): { X: Float64Array[]; y: number[] } {
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  const X: Float64Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = Float64Array.from(w, () => normal());
    const u = Math.min(1 - 1e-12, Math.max(1e-12, rng.float()));
    const z = latent(w, x) + Math.log(u / (1 - u));
    X.push(x);
    y.push(cuts.filter((c) => c < z).length);
  }
  return { X, y };
}

const W = [1.0, -2.0, 0.5];
const CUTS_A = [-2, 0, 2];
const CUTS_B = [-1, 1.5];

test('the joint fit recovers the shared direction and each corpus cut points (different scales)', () => {
  const rng = new Rng(7);
  const a = draw(rng, 6000, W, CUTS_A);
  const b = draw(rng, 6000, W, CUTS_B);
  const X = [...a.X, ...b.X];
  const y = [...a.y, ...b.y];
  const corpus = [...a.y.map(() => 0), ...b.y.map(() => 1)];
  const m = fitSharedOrdinal(X, y, corpus, [4, 3], { l2: 0 });
  W.forEach((v, i) => assert.ok(Math.abs(m.w[i] - v) < 0.1, `w[${i}] = ${m.w[i]}, expected ${v}`));
  CUTS_A.forEach((v, j) => assert.ok(Math.abs(m.cuts[0][j] - v) < 0.15, `corpus A cut ${j} = ${m.cuts[0][j]}, expected ${v}`));
  CUTS_B.forEach((v, j) => assert.ok(Math.abs(m.cuts[1][j] - v) < 0.15, `corpus B cut ${j} = ${m.cuts[1][j]}, expected ${v}`));
  // a model with one set of cut points for both (wrongly pooled) fits worse
  const pooled = fitSharedOrdinal(X, a.y.concat(b.y.map((c) => c + 1)), X.map(() => 0), [4], { l2: 0 });
  assert.ok(m.nll < pooled.nll, `separate cut points ${m.nll} vs one set ${pooled.nll}`);
});

test('calibration from k texts per level shifts the cut points of a shifted corpus; k = 0 keeps the training ones', () => {
  const rng = new Rng(11);
  const train = draw(rng, 8000, W, CUTS_A);
  const m = fitSharedOrdinal(train.X, train.y, train.y.map(() => 0), [4]);
  const shift = 1.5;
  const shifted = draw(rng, 8000, W, CUTS_A.map((c) => c + shift));
  const eta = shifted.X.map((x) => latent(m.w, x));
  // zero-shot: exactly the training cut points
  assert.deepEqual(Array.from(calibrateCuts([], [], 4, { prior: m.cuts[0] })), Array.from(m.cuts[0]));
  // 100 texts per level: a sample with equal numbers per level over-represents the rare levels; weighted by
  // population share / sample share (the shares of the shifted corpus), every cut point moves by the shift.
  const sample = perClassSample(shifted.y, 100, new Rng(3));
  assert.equal(sample.length, 400);
  const shares = [0, 1, 2, 3].map((c) => shifted.y.filter((v) => v === c).length / shifted.y.length);
  const cal = calibrateCuts(sample.map((i) => eta[i]), sample.map((i) => shifted.y[i]), 4, { prior: m.cuts[0], classWeights: shares.map((s) => s / 0.25) });
  for (let j = 0; j < 3; j++) {
    const moved = cal[j] - m.cuts[0][j];
    assert.ok(Math.abs(moved - shift) < 0.35, `cut ${j} moved by ${moved.toFixed(3)}, expected ${shift}`);
  }
  const random = new Rng(5).shuffle(shifted.y.map((_, i) => i)).slice(0, 800);
  const calRandom = calibrateCuts(random.map((i) => eta[i]), random.map((i) => shifted.y[i]), 4, { prior: m.cuts[0] });
  CUTS_A.forEach((v, j) => assert.ok(Math.abs(calRandom[j] - (v + shift)) < 0.3, `random-sample cut ${j} = ${calRandom[j]}, expected ${v + shift}`));
  // and the calibrated cut points classify the shifted corpus better than the training ones
  const hits = (cuts: ArrayLike<number>) => shifted.y.filter((c, i) => ordinalClass(eta[i], cuts) === c).length / shifted.y.length;
  assert.ok(hits(cal) > hits(m.cuts[0]) + 0.05, `accuracy calibrated ${hits(cal)} vs training cut points ${hits(m.cuts[0])}`);
  // a new scale (no prior): cut points from the sample alone, near the true ones of that scale
  const other = draw(rng, 8000, W, CUTS_B);
  const etaB = other.X.map((x) => latent(m.w, x));
  const s2 = perClassSample(other.y, 200, new Rng(4));
  const calB = calibrateCuts(s2.map((i) => etaB[i]), s2.map((i) => other.y[i]), 3);
  // a balanced sample over-represents the rare classes, which moves the cut points; their gap is unaffected
  assert.ok(Math.abs(calB[1] - calB[0] - (CUTS_B[1] - CUTS_B[0])) < 0.4, `gap ${calB[1] - calB[0]}`);
  const pooled = pooledCuts(m, other.X, other.y, 3);
  CUTS_B.forEach((v, j) => assert.ok(Math.abs(pooled[j] - v) < 0.2, `pooled cut ${j} = ${pooled[j]}, expected ${v}`));
});

test('perClassSample takes k of each class, fewer when a class is small, leaving `keep` out', () => {
  const y = [0, 0, 0, 1, 1, 2, 2, 2, 2, 2];
  const s = perClassSample(y, 2, new Rng(1));
  assert.deepEqual(s.map((i) => y[i]), [0, 0, 1, 1, 2, 2]);
  const kept = perClassSample(y, 5, new Rng(1), 1);
  assert.deepEqual(kept.map((i) => y[i]).reduce((a: Record<number, number>, c) => ((a[c] = (a[c] ?? 0) + 1), a), {}), { 0: 2, 1: 1, 2: 4 });
});

test('cross-corpus directions on synthetic corpora: zero-shot uses the training cut points, calibration from the target training part fixes a shift, another scale is measured by rank only', async () => {
  const { evaluateDirection, trainTransfer, crossCorpusStudy } = await import('../src/classify/cross-corpus');
  const rng = new Rng(21);
  const corpus = (name: string, scale: string, cuts: number[], n: number) => {
    const tr = draw(rng, n, W, cuts);
    const te = draw(rng, n, W, cuts);
    const classes = cuts.map((_, j) => String(j)).concat(String(cuts.length));
    return { name, scale, classes, train: { texts: tr.X.map((_, i) => `${name}-train-${i}`), y: tr.y }, test: { texts: te.X.map((_, i) => `${name}-test-${i}`), y: te.y }, Xtrain: tr.X, Xtest: te.X };
  };
  const a = corpus('A', 'S', CUTS_A, 3000);
  const b = corpus('B', 'S', CUTS_A.map((c) => c + 2), 3000); // same scale, rated two logits harsher
  const e = corpus('E', 'T', CUTS_B, 3000); // another scale
  const t = trainTransfer([a]);
  const ab = evaluateDirection(t, [a], b, { shots: [0, 25], seeds: 2, resamples: 50 });
  assert.ok(ab.sameScale && ab.report && ab.majority);
  const k0 = ab.shots[0].accuracy!.mean;
  const k25 = ab.shots[1].accuracy!.mean;
  assert.ok(k25 > k0 + 0.05, `accuracy zero-shot ${k0} vs 25 per level ${k25}`);
  assert.equal(ab.shots[1].calibrationTexts, 100);
  assert.ok(ab.spearman.value > 0.6 && ab.spearman.ci90[0] > 0.5, `rho ${ab.spearman.value}`);
  const ae = evaluateDirection(t, [a], e, { shots: [0, 10], seeds: 2, resamples: 50 });
  assert.equal(ae.report, null);
  assert.equal(ae.majority, null);
  assert.equal(ae.shots[0].qwk, null);
  assert.ok(ae.shots[1].qwk!.mean > 0.5, `QWK on the other scale after calibration ${ae.shots[1].qwk!.mean}`);
  const study = crossCorpusStudy([a, b, e], ['x0', 'x1', 'x2'], { shots: [0], seeds: 1, resamples: 20 });
  assert.equal(study.directions.length, 9 + 3);
  const loco = study.directions.filter((d) => d.kind === 'leave-one-corpus-out');
  assert.deepEqual(loco.map((d) => [d.target, d.sources]), [['A', ['B', 'E']], ['B', ['A', 'E']], ['E', ['A', 'B']]]);
  // the direction learnt from all three is the generating one, up to the L2 shrinkage
  const w = Object.fromEntries(study.coefficients.map((c) => [c.feature, c.weight]));
  W.forEach((v, i) => assert.ok(Math.abs(w[`x${i}`] - v) < 0.15, `x${i}: ${w[`x${i}`]} vs ${v}`));
});
