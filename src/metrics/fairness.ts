/**
 * Agreement by group, and the importance-sampling correction of Yancey et al. (2023, section 3.3).
 *
 * Kappa depends on the distribution of the true ratings: a group whose human ratings crowd into a few
 * categories has a lower QWK for the same rater behaviour. To compare groups on an equal footing every item i of
 * group g with human rating h_i gets the importance weight
 *
 *     w_i = p(h_i) / p_g(h_i)
 *
 * where p is the distribution of human ratings over all items (the target) and p_g the distribution within
 * group g. The weighted items of each group then have the target's distribution of human ratings (over the
 * categories the group has at all: the mass of a category a group lacks cannot be recreated, and the weights
 * are renormalised over the categories present, which is reported as `coverage`). QWK is computed on the
 * weighted confusion matrix (each item counts w_i), and the mean signed difference machine - human as the
 * weighted mean. The weights are scaled to sum to the group's n; Kish's effective sample size
 * (sum w)^2 / sum w^2 says how much the reweighting costs in precision.
 * Checked against scikit-learn's cohen_kappa_score(weights="quadratic", sample_weight=w) in bench/rate.
 */
import { bootstrapCI } from './bootstrap';

/** QWK with a weight per item (Cohen 1968 on a weighted confusion matrix); NaN if expected disagreement is 0. */
export function weightedQwk(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number, weights?: ArrayLike<number>): number {
  if (yTrue.length !== yPred.length) throw new RangeError(`weightedQwk: ${yTrue.length} true vs ${yPred.length} predicted labels`);
  if (weights && weights.length !== yTrue.length) throw new RangeError(`weightedQwk: ${weights.length} weights for ${yTrue.length} items`);
  if (k < 2 || yTrue.length === 0) return NaN;
  const c = new Float64Array(k * k);
  const rows = new Float64Array(k);
  const cols = new Float64Array(k);
  let n = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (!Number.isInteger(t) || t < 0 || t >= k || !Number.isInteger(p) || p < 0 || p >= k) throw new RangeError(`weightedQwk: item ${i} has labels ${t}, ${p} outside 0..${k - 1}`);
    const w = weights ? weights[i] : 1;
    c[t * k + p] += w;
    rows[t] += w;
    cols[p] += w;
    n += w;
  }
  if (n === 0) return NaN;
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = (i - j) * (i - j);
      observed += w * c[i * k + j];
      expected += (w * rows[i] * cols[j]) / n;
    }
  }
  return expected === 0 ? NaN : 1 - observed / expected;
}

/** Distribution of labels 0..k-1 (proportions). */
export function labelDistribution(labels: ArrayLike<number>, k: number): number[] {
  const p = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) p[labels[i]]++;
  return p.map((v) => (labels.length ? v / labels.length : 0));
}

export interface ImportanceWeights {
  weights: number[];
  /** Share of the target distribution's mass on categories the group has (1 when it has them all). */
  coverage: number;
  /** Kish's effective sample size. */
  effectiveN: number;
}

/** w_i = target[h_i] / p_g(h_i) renormalised to sum to n (see the file comment). */
export function importanceWeights(groupHuman: ArrayLike<number>, target: readonly number[]): ImportanceWeights {
  const k = target.length;
  const n = groupHuman.length;
  const pg = labelDistribution(groupHuman, k);
  let coverage = 0;
  for (let c = 0; c < k; c++) if (pg[c] > 0) coverage += target[c];
  const raw = Array.from({ length: n }, (_, i) => (coverage > 0 ? target[groupHuman[i]] / coverage / pg[groupHuman[i]] : 0));
  const sum = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((w) => (sum > 0 ? (w * n) / sum : 0));
  const sq = weights.reduce((a, b) => a + b * b, 0);
  return { weights, coverage, effectiveN: sq > 0 ? (n * n) / sq : 0 };
}

export interface GroupAgreement {
  group: string;
  n: number;
  qwk: number;
  qwkCi90: [number, number];
  qwkImportanceSampled: number;
  qwkImportanceSampledCi90: [number, number];
  /** Mean of machine - human, in the scale's units. */
  meanDifference: number;
  meanDifferenceImportanceSampled: number;
  humanMean: number;
  humanSd: number;
  effectiveN: number;
  coverage: number;
}

export interface GroupOptions {
  /** Numeric value of each class index (for mean differences and human mean/sd); default the index. */
  values?: readonly number[];
  resamples?: number;
  seed?: number;
  /** Groups with fewer items are left out (default 10). */
  minGroupSize?: number;
}

/** Per-group agreement with and without importance weighting; groups sorted by name. */
export function agreementByGroup(human: readonly number[], machine: readonly number[], groups: readonly string[], k: number, opts: GroupOptions = {}): GroupAgreement[] {
  const values = opts.values ?? Array.from({ length: k }, (_, i) => i);
  const target = labelDistribution(human, k);
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    if (g === '' || g == null) return;
    if (!members.has(g)) members.set(g, []);
    members.get(g)!.push(i);
  });
  const out: GroupAgreement[] = [];
  for (const [group, idx] of [...members].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (idx.length < (opts.minGroupSize ?? 10)) continue;
    const h = idx.map((i) => human[i]);
    const m = idx.map((i) => machine[i]);
    const iw = importanceWeights(h, target);
    const qwkOf = (sel: number[]) => weightedQwk(sel.map((j) => h[j]), sel.map((j) => m[j]), k);
    const qwkIsOf = (sel: number[]) => {
      const hs = sel.map((j) => h[j]);
      return weightedQwk(hs, sel.map((j) => m[j]), k, importanceWeights(hs, target).weights);
    };
    const boot = { resamples: opts.resamples ?? 1000, seed: opts.seed ?? 0 };
    const plain = bootstrapCI(idx.length, qwkOf, boot);
    const is = bootstrapCI(idx.length, qwkIsOf, boot);
    let diff = 0;
    let diffW = 0;
    let mean = 0;
    for (let j = 0; j < idx.length; j++) {
      const d = values[m[j]] - values[h[j]];
      diff += d;
      diffW += iw.weights[j] * d;
      mean += values[h[j]];
    }
    mean /= idx.length;
    let v = 0;
    for (const x of h) v += (values[x] - mean) ** 2;
    out.push({
      group,
      n: idx.length,
      qwk: plain.estimate,
      qwkCi90: [plain.lo, plain.hi],
      qwkImportanceSampled: is.estimate,
      qwkImportanceSampledCi90: [is.lo, is.hi],
      meanDifference: diff / idx.length,
      meanDifferenceImportanceSampled: diffW / idx.length,
      humanMean: mean,
      humanSd: idx.length > 1 ? Math.sqrt(v / (idx.length - 1)) : NaN,
      effectiveN: iw.effectiveN,
      coverage: iw.coverage,
    });
  }
  return out;
}
