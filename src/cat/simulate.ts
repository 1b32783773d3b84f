/**
 * Simulation of the adaptive test: N simulees with known θ drawn from a chosen distribution (on the 100-point
 * scale), responses from the Rasch model through a noise model (src/irt/noise.ts: by default soft responses
 * r ~ Beta(κ p, κ (1 − p)), κ = 3), all seeded. Reported (points on the 100-point scale unless said):
 *
 * - bias, RMSE and Pearson correlation of θ̂ with θ;
 * - the mean SE of the response model that generated the responses (√(φ/I), φ from the noise model unless the
 *   configuration sets it: src/cat/standard-error.ts), which should match the RMSE, and the mean empirical
 *   sandwich SE, which assumes no φ;
 * - split-half reliability as the paper defines it (section 5.4, after Sireci et al. 1991): the bank is split
 *   at random into two halves, each simulee's responses to the items of each half are scored separately
 *   (bounded MLE), the half scores are correlated across simulees, and Spearman-Brown corrects the
 *   correlation to full length: 2r / (1 + r);
 * - test-retest: every simulee takes the test a second time (new random draws, same θ), correlation of the two
 *   scores;
 * - item exposure: the share of tests that administered each item of the bank (mean, median, max over all
 *   items; Way 1998);
 * - test overlap (Chen, Ankenmann & Spray 2003): for every pair of tests, the number of shared items divided
 *   by the mean length of the two; mean and median over all N (N − 1) / 2 pairs, computed exactly;
 * - bank usage: the share of the bank administered at least once.
 */
import { Rng } from '../runtime/rng';
import { progress } from '../runtime/progress';
import { pearson } from '../metrics/correlation';
import { median } from '../metrics/descriptive';
import { estimateMle } from '../irt/estimate';
import { simulateResponse, DEFAULT_NOISE, checkNoise, type NoiseModel } from '../irt/noise';
import { logitToScale, scaleToLogit } from '../irt/scale';
import type { Bank } from './bank';
import { CatSession, catConfig, type CatConfig, type CatResult, type SelectionObserver, type StopReason } from './engine';
import { noiseDispersion, sandwichSe } from './standard-error';

export type AbilityDistribution = { kind: 'normal'; mean: number; sd: number } | { kind: 'uniform'; min: number; max: number };

/** Default: N(50, 20²) points, i.e. N(0, 2²) logits, centred on the scale. */
export const DEFAULT_DISTRIBUTION: AbilityDistribution = { kind: 'normal', mean: 50, sd: 20 };

export interface SimulateOptions {
  n: number;
  seed?: number;
  distribution?: AbilityDistribution;
  noise?: NoiseModel;
  config?: Partial<CatConfig>;
  /** Also run every simulee a second time (test-retest; default true). */
  retest?: boolean;
  /** Keep every session's result in the report (default false). */
  keepSessions?: boolean;
  observer?: SelectionObserver;
  showProgress?: boolean;
}

export interface SimulationSession {
  theta: number;
  score: number;
  se: number;
  items: string[];
  responses: number[];
  retestScore?: number;
}

export interface SimulationReport {
  n: number;
  seed: number;
  select: CatConfig['select'];
  maxItems: number;
  distribution: AbilityDistribution;
  noise: NoiseModel;
  bankSize: number;
  meanItems: number;
  /** Mean SE √(φ/I(θ̂)) in points, φ = `dispersion`. */
  meanSe: number;
  /** φ of Var[r] = φ p (1 − p) that meanSe assumes, and in words. */
  dispersion: number;
  seAssumes: string;
  /** Mean empirical sandwich SE in points (sessions of two or more items). */
  meanSeSandwich: number;
  /** How many tests ended by each rule. */
  stopReasons: Partial<Record<StopReason, number>>;
  bias: number;
  rmse: number;
  correlation: number;
  splitHalf: number;
  splitHalfUncorrected: number;
  testRetest: number | null;
  exposure: { mean: number; median: number; max: number };
  overlap: { mean: number; median: number };
  bankUsage: number;
  sessions?: SimulationSession[];
}

/** Spearman-Brown: reliability of a test k times as long as one with reliability r (k = 2 for split halves). */
export function spearmanBrown(r: number, k = 2): number {
  return (k * r) / (1 + (k - 1) * r);
}

export function drawAbility(rng: Rng, d: AbilityDistribution): number {
  return d.kind === 'normal' ? d.mean + d.sd * rng.normal() : d.min + (d.max - d.min) * rng.float();
}

/** One simulated session: θ in points; returns the CAT result. */
export function simulateSession(bank: Bank, thetaPoints: number, seed: number, noise: NoiseModel = DEFAULT_NOISE, config: Partial<CatConfig> = {}, observer?: SelectionObserver): CatResult {
  // The SE assumes the noise model that draws the responses, unless the configuration says otherwise.
  const session = new CatSession(bank, { dispersion: noiseDispersion(noise), ...config }, seed, 0, observer);
  const rng = Rng.derive(seed, 'responses');
  const theta = scaleToLogit(thetaPoints);
  for (let item = session.next(); item; item = session.next()) {
    session.answer(item.id, simulateResponse(rng, theta, bank.logits[bank.index.get(item.id)!], noise));
  }
  return session.result();
}

/** Exact mean and median of pairwise overlap: |A ∩ B| / ((|A| + |B|) / 2) over all pairs of tests. */
export function testOverlap(tests: number[][], bankSize: number): { mean: number; median: number } {
  const N = tests.length;
  if (N < 2) return { mean: Number.NaN, median: Number.NaN };
  const holders: number[][] = Array.from({ length: bankSize }, () => []);
  tests.forEach((t, a) => t.forEach((i) => holders[i].push(a)));
  const shared = new Int32Array(N);
  const touched: number[] = [];
  const counts = new Map<number, number>(); // overlap value -> number of pairs
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < N; a++) {
    for (const i of tests[a]) {
      for (const b of holders[i]) {
        if (b <= a) continue;
        if (shared[b] === 0) touched.push(b);
        shared[b]++;
      }
    }
    for (const b of touched) {
      const v = shared[b] / ((tests[a].length + tests[b].length) / 2);
      sum += v;
      counts.set(v, (counts.get(v) ?? 0) + 1);
      shared[b] = 0;
    }
    const zeros = N - 1 - a - touched.length;
    if (zeros) counts.set(0, (counts.get(0) ?? 0) + zeros);
    pairs += N - 1 - a;
    touched.length = 0;
  }
  // Median from the exact distribution of pair values.
  const values = [...counts.keys()].sort((x, y) => x - y);
  const medianAt = (k: number) => {
    let acc = 0;
    for (const v of values) {
      acc += counts.get(v)!;
      if (acc > k) return v;
    }
    return values[values.length - 1];
  };
  const med = pairs % 2 ? medianAt((pairs - 1) / 2) : 0.5 * (medianAt(pairs / 2 - 1) + medianAt(pairs / 2));
  return { mean: sum / pairs, median: med };
}

/** What the reported SE assumes, in words. */
export function seAssumption(dispersion: number, noise: NoiseModel): string {
  const model = `Var r = φ p (1 − p) with φ = ${+dispersion.toFixed(4)}`;
  if (dispersion === noiseDispersion(noise)) {
    const why = noise.kind === 'beta' ? `1/(κ + 1) of the beta:${noise.concentration} responses` : noise.kind === 'bernoulli' ? '0/1 responses' : 'noiseless responses';
    return `${model} (${why}, the model that drew them)`;
  }
  return `${model} (set by the configuration; the responses were drawn with φ = ${+noiseDispersion(noise).toFixed(4)})`;
}

export function simulateCat(bank: Bank, options: SimulateOptions): SimulationReport {
  const n = options.n;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`the simulation needs at least 2 simulees, got ${n}`);
  const seed = options.seed ?? 0;
  const distribution = options.distribution ?? DEFAULT_DISTRIBUTION;
  const noise = options.noise ?? DEFAULT_NOISE;
  checkNoise(noise);
  // The SE assumes the noise model that draws the responses, unless the configuration says otherwise.
  const config = catConfig({ dispersion: noiseDispersion(noise), ...options.config });
  const retest = options.retest ?? true;
  const thetaRng = Rng.derive(seed, 'thetas');
  const half = new Uint8Array(bank.items.length);
  const splitRng = Rng.derive(seed, 'split-half');
  const order = splitRng.shuffle(Array.from(bank.items, (_, i) => i));
  order.forEach((i, k) => (half[i] = k < order.length / 2 ? 0 : 1));

  const thetas = new Float64Array(n);
  const scores = new Float64Array(n);
  const retestScores = new Float64Array(n);
  const halfScores: [number[], number[]] = [[], []];
  const halfKeep: number[] = [];
  const tests: number[][] = [];
  const exposure = new Float64Array(bank.items.length);
  const sessions: SimulationSession[] = [];
  let items = 0;
  let seSum = 0;
  let sandwichSum = 0;
  let sandwichN = 0;
  const stopReasons: Partial<Record<StopReason, number>> = {};
  const bar = options.showProgress ? progress(`simulate ${config.select}`, n) : null;
  for (let s = 0; s < n; s++) {
    const theta = drawAbility(thetaRng, distribution);
    thetas[s] = theta;
    const r = simulateSession(bank, theta, (Rng.derive(seed, 'session', s).nextUint32()), noise, config, options.observer);
    scores[s] = logitToScale(r.theta);
    items += r.items;
    seSum += r.sePoints;
    stopReasons[r.stopReason] = (stopReasons[r.stopReason] ?? 0) + 1;
    const idx = r.steps.map((st) => bank.index.get(st.itemId)!);
    const sw = sandwichSe(r.theta, idx.map((i) => bank.logits[i]), r.steps.map((st) => st.response));
    if (Number.isFinite(sw)) {
      sandwichSum += 10 * sw;
      sandwichN++;
    }
    tests.push(idx);
    for (const i of idx) exposure[i]++;
    // Split half: score each half of the bank's items separately.
    const hs: [number[], number[]] = [[], []];
    const hr: [number[], number[]] = [[], []];
    r.steps.forEach((st, k) => {
      const h = half[idx[k]];
      hs[h].push(bank.logits[idx[k]]);
      hr[h].push(st.response);
    });
    if (hs[0].length && hs[1].length) {
      halfScores[0].push(estimateMle(hs[0], hr[0], config.bounds).theta);
      halfScores[1].push(estimateMle(hs[1], hr[1], config.bounds).theta);
      halfKeep.push(s);
    }
    if (retest) retestScores[s] = logitToScale(simulateSession(bank, theta, Rng.derive(seed, 'retest', s).nextUint32(), noise, config).theta);
    if (options.keepSessions) sessions.push({ theta, score: scores[s], se: r.sePoints, items: r.steps.map((st) => st.itemId), responses: r.steps.map((st) => st.response), retestScore: retest ? retestScores[s] : undefined });
    bar?.update(s + 1);
  }
  bar?.stop();
  let bias = 0;
  let mse = 0;
  for (let s = 0; s < n; s++) {
    bias += scores[s] - thetas[s];
    mse += (scores[s] - thetas[s]) ** 2;
  }
  const rHalf = pearson(halfScores[0], halfScores[1]);
  for (let i = 0; i < exposure.length; i++) exposure[i] /= n;
  let used = 0;
  let maxExp = 0;
  let sumExp = 0;
  for (const e of exposure) {
    if (e > 0) used++;
    maxExp = Math.max(maxExp, e);
    sumExp += e;
  }
  const report: SimulationReport = {
    n, seed, select: config.select, maxItems: config.maxItems, distribution, noise, bankSize: bank.items.length,
    meanItems: items / n, meanSe: seSum / n, dispersion: config.dispersion, seAssumes: seAssumption(config.dispersion, noise),
    meanSeSandwich: sandwichN ? sandwichSum / sandwichN : Number.NaN, stopReasons,
    bias: bias / n, rmse: Math.sqrt(mse / n), correlation: pearson(thetas, scores),
    splitHalf: spearmanBrown(rHalf), splitHalfUncorrected: rHalf,
    testRetest: retest ? pearson(scores, retestScores) : null,
    exposure: { mean: sumExp / exposure.length, median: median(exposure), max: maxExp },
    overlap: testOverlap(tests, bank.items.length),
    bankUsage: used / bank.items.length,
  };
  if (options.keepSessions) report.sessions = sessions;
  return report;
}
