/**
 * A small histogram-based gradient-boosting classifier (multiclass, softmax / cross-entropy loss).
 *
 * Gradient boosting (Friedman 2001, "Greedy function approximation: a gradient boosting machine", Annals of
 * Statistics 29(5)) fits an additive model F_k(x) = F_k^0 + sum_m f_{m,k}(x), one regression tree per class per
 * iteration, each fitted to the loss's gradient. Here each tree is fitted by the second-order (Newton) rule:
 * with g_i = p_ik - y_ik and h_i = p_ik (1 - p_ik) for the softmax probabilities p, a leaf with sums G, H
 * takes the value -lr * G / (H + lambda), and a split's gain is
 *   G_L^2 / (H_L + lambda) + G_R^2 / (H_R + lambda) - G^2 / (H + lambda).
 * The "histogram" part follows LightGBM (Ke et al. 2017, "LightGBM: a highly efficient gradient boosting
 * decision tree", NeurIPS): every feature is bucketed once into at most `maxBins` bins (quantile edges), split
 * candidates are bin boundaries, per-node histograms of (G, H, count) are built in one pass, the larger child's
 * histogram is the parent's minus the smaller child's, and trees grow leaf-wise (best gain first) up to
 * `maxLeafNodes` leaves. The defaults are those of scikit-learn's HistGradientBoostingClassifier (lr 0.1,
 * 100 iterations, 31 leaves, 20 samples per leaf, no L2, 255 bins), so the two can be compared (bench/rate).
 * The start F^0 is the log of the class priors.
 *
 * Deterministic: no sampling; ties between splits go to the lower feature index, then the lower bin. A
 * missing value (NaN) is treated as smaller than every value (it falls into bin 0 and goes left). The seed is
 * used only to draw the validation rows when early stopping is on.
 */
import { Rng } from '../runtime/rng';

export interface GbdtOptions {
  maxIter?: number;
  learningRate?: number;
  maxLeafNodes?: number;
  maxDepth?: number | null;
  minSamplesLeaf?: number;
  l2?: number;
  maxBins?: number;
  /** Stop when the validation loss has not improved by `tol` for `patience` iterations (off by default). */
  earlyStopping?: { validationFraction?: number; patience?: number; tol?: number } | false;
  seed?: number;
}

export interface Tree {
  /** Per node: split feature (-1 for a leaf), raw threshold (x <= t goes left), children, leaf value. */
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface GbdtModel {
  kind: 'hist-gbdt-softmax';
  nClasses: number;
  nFeatures: number;
  /** Per feature: ascending bin thresholds (bin b holds thresholds[b-1] < x <= thresholds[b]). */
  thresholds: number[][];
  baseline: number[];
  /** trees[iteration][class] */
  trees: Tree[][];
  /** Total gain of the splits on each feature (a rough importance). */
  gain: number[];
  options: Required<Omit<GbdtOptions, 'earlyStopping' | 'maxDepth'>> & { maxDepth: number | null; earlyStopping: GbdtOptions['earlyStopping'] };
  /** Training loss (mean cross-entropy) after each iteration. */
  trainLoss: number[];
  validationLoss: number[];
}

/** Every default of the trees (scikit-learn's HistGradientBoostingClassifier's), read by `trainGbdt` and the AWE estimator. */
export const GBDT_DEFAULTS = { maxIter: 100, learningRate: 0.1, maxLeafNodes: 31, maxDepth: null as number | null, minSamplesLeaf: 20, l2: 0, maxBins: 255, seed: 0 };

/** Bin thresholds of one feature: midpoints between distinct values if few, else quantile midpoints. */
export function binThresholds(values: ArrayLike<number>, maxBins: number): number[] {
  const xs = Array.from(values).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const distinct: number[] = [];
  for (const v of xs) if (distinct.length === 0 || distinct[distinct.length - 1] !== v) distinct.push(v);
  if (distinct.length <= maxBins) {
    const t: number[] = [];
    for (let i = 0; i + 1 < distinct.length; i++) t.push((distinct[i] + distinct[i + 1]) / 2);
    return t;
  }
  const t: number[] = [];
  for (let b = 1; b < maxBins; b++) {
    const h = ((xs.length - 1) * b) / maxBins;
    const lo = Math.floor(h);
    const q = (xs[lo] + xs[Math.min(xs.length - 1, lo + 1)]) / 2;
    if (t.length === 0 || q > t[t.length - 1]) t.push(q);
  }
  return t;
}

export function binOf(thresholds: readonly number[], x: number): number {
  if (Number.isNaN(x)) return 0;
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (thresholds[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  gl: number;
  hl: number;
  nl: number;
}

interface Leaf {
  node: number;
  rows: Int32Array;
  g: number;
  h: number;
  depth: number;
  hist: Float64Array; // per feature and bin: (G, H, count)
  split: Split | null;
}

function softmaxRow(scores: Float64Array, i: number, k: number, out: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < k; c++) max = Math.max(max, scores[i * k + c]);
  let s = 0;
  for (let c = 0; c < k; c++) {
    out[c] = Math.exp(scores[i * k + c] - max);
    s += out[c];
  }
  for (let c = 0; c < k; c++) out[c] /= s;
}

/** Train on rows of features `x` (n arrays of length F) and class indices `y` in 0..nClasses-1. */
export function trainGbdt(x: ReadonlyArray<ArrayLike<number>>, y: ArrayLike<number>, nClasses: number, opts: GbdtOptions = {}): GbdtModel {
  const o = { ...GBDT_DEFAULTS, ...opts, maxDepth: opts.maxDepth ?? null, earlyStopping: opts.earlyStopping ?? false };
  const nAll = x.length;
  if (nAll !== y.length) throw new RangeError(`trainGbdt: ${nAll} rows but ${y.length} labels`);
  if (nAll === 0) throw new RangeError('trainGbdt: no rows');
  const F = x[0].length;
  const K = nClasses;
  for (let i = 0; i < nAll; i++) if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= K) throw new RangeError(`trainGbdt: label ${y[i]} of row ${i} is not in 0..${K - 1}`);

  // Validation split for early stopping (stratification is not needed at these sizes; seeded).
  let trainRows = Array.from({ length: nAll }, (_, i) => i);
  let validRows: number[] = [];
  if (o.earlyStopping) {
    const frac = o.earlyStopping.validationFraction ?? 0.1;
    const order = new Rng(o.seed).shuffle([...trainRows]);
    const nv = Math.max(1, Math.round(nAll * frac));
    validRows = order.slice(0, nv).sort((a, b) => a - b);
    const vs = new Set(validRows);
    trainRows = trainRows.filter((i) => !vs.has(i));
  }
  const n = trainRows.length;
  const thresholds: number[][] = [];
  for (let f = 0; f < F; f++) thresholds.push(binThresholds(trainRows.map((i) => x[i][f]), o.maxBins));
  // Histogram layout: feature f's bins start at offset[f] (in units of bins; 3 numbers per bin).
  const offset = new Int32Array(F + 1);
  for (let f = 0; f < F; f++) offset[f + 1] = offset[f] + thresholds[f].length + 1;
  const histSize = offset[F] * 3;
  const bins = new Uint16Array(F * n);
  for (let f = 0; f < F; f++) for (let r = 0; r < n; r++) bins[f * n + r] = binOf(thresholds[f], x[trainRows[r]][f]);
  const labels = Int32Array.from(trainRows, (i) => y[i]);

  const prior = new Array<number>(K).fill(0);
  for (let r = 0; r < n; r++) prior[labels[r]]++;
  const baseline = prior.map((c) => Math.log(Math.max(c, 1e-12) / n));
  const scores = new Float64Array(n * K);
  for (let r = 0; r < n; r++) for (let c = 0; c < K; c++) scores[r * K + c] = baseline[c];
  const vScores = new Float64Array(validRows.length * K);
  for (let r = 0; r < validRows.length; r++) for (let c = 0; c < K; c++) vScores[r * K + c] = baseline[c];

  const grad = new Float64Array(n * K);
  const hess = new Float64Array(n * K);
  const prob = new Float64Array(K);
  const gainTotal = new Array<number>(F).fill(0);
  const trees: Tree[][] = [];
  const trainLoss: number[] = [];
  const validationLoss: number[] = [];
  let best = Infinity;
  let sinceBest = 0;
  const minHess = 1e-3;
  const lambda = o.l2;

  const buildHist = (rows: Int32Array, g: Float64Array, h: Float64Array): Float64Array => {
    const hist = new Float64Array(histSize);
    for (let f = 0; f < F; f++) {
      const base = offset[f] * 3;
      const col = f * n;
      for (let j = 0; j < rows.length; j++) {
        const r = rows[j];
        const at = base + bins[col + r] * 3;
        hist[at] += g[r];
        hist[at + 1] += h[r];
        hist[at + 2] += 1;
      }
    }
    return hist;
  };

  const findSplit = (leaf: Leaf): Split | null => {
    if (leaf.rows.length < 2 * o.minSamplesLeaf) return null;
    if (o.maxDepth != null && leaf.depth >= o.maxDepth) return null;
    const G = leaf.g;
    const H = leaf.h;
    const N = leaf.rows.length;
    const parent = (G * G) / (H + lambda);
    let bestSplit: Split | null = null;
    for (let f = 0; f < F; f++) {
      const nb = thresholds[f].length + 1;
      let gl = 0;
      let hl = 0;
      let nl = 0;
      const base = offset[f] * 3;
      const hist = leaf.hist;
      for (let b = 0; b < nb - 1; b++) {
        const cnt = hist[base + b * 3 + 2];
        if (cnt === 0) continue; // an empty bin moves nothing: same split as the previous boundary
        gl += hist[base + b * 3];
        hl += hist[base + b * 3 + 1];
        nl += cnt;
        const nr = N - nl;
        if (nl < o.minSamplesLeaf) continue;
        if (nr < o.minSamplesLeaf) break;
        const hr = H - hl;
        if (hl < minHess || hr < minHess) continue;
        const gr = G - gl;
        const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent;
        if (gain > 1e-12 && (bestSplit == null || gain > bestSplit.gain)) bestSplit = { gain, feature: f, bin: b, gl, hl, nl };
      }
    }
    return bestSplit;
  };

  const growTree = (g: Float64Array, h: Float64Array, onLeaf: (rows: Int32Array, value: number) => void): Tree => {
    const tree: Tree = { feature: [], threshold: [], left: [], right: [], value: [] };
    const addNode = () => {
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      return tree.feature.length - 1;
    };
    const all = Int32Array.from({ length: n }, (_, i) => i);
    let G = 0;
    let H = 0;
    for (let r = 0; r < n; r++) {
      G += g[r];
      H += h[r];
    }
    const root: Leaf = { node: addNode(), rows: all, g: G, h: H, depth: 0, hist: buildHist(all, g, h), split: null };
    root.split = findSplit(root);
    const open: Leaf[] = [root];
    let leaves = 1;
    while (leaves < o.maxLeafNodes) {
      let bi = -1;
      for (let i = 0; i < open.length; i++) if (open[i].split && (bi < 0 || open[i].split!.gain > open[bi].split!.gain)) bi = i;
      if (bi < 0) break;
      const leaf = open.splice(bi, 1)[0];
      const s = leaf.split!;
      const col = s.feature * n;
      const lr: number[] = [];
      const rr: number[] = [];
      for (let j = 0; j < leaf.rows.length; j++) {
        const r = leaf.rows[j];
        (bins[col + r] <= s.bin ? lr : rr).push(r);
      }
      const lRows = Int32Array.from(lr);
      const rRows = Int32Array.from(rr);
      const smallIsLeft = lRows.length <= rRows.length;
      const smallHist = buildHist(smallIsLeft ? lRows : rRows, g, h);
      // The parent's histogram is not needed any more: it becomes the larger child's (parent - smaller).
      const bigHist = leaf.hist;
      for (let q = 0; q < bigHist.length; q++) bigHist[q] -= smallHist[q];
      const node = leaf.node;
      tree.feature[node] = s.feature;
      tree.threshold[node] = thresholds[s.feature][s.bin];
      gainTotal[s.feature] += s.gain;
      const left: Leaf = { node: addNode(), rows: lRows, g: s.gl, h: s.hl, depth: leaf.depth + 1, hist: smallIsLeft ? smallHist : bigHist, split: null };
      const right: Leaf = { node: addNode(), rows: rRows, g: leaf.g - s.gl, h: leaf.h - s.hl, depth: leaf.depth + 1, hist: smallIsLeft ? bigHist : smallHist, split: null };
      tree.left[node] = left.node;
      tree.right[node] = right.node;
      left.split = findSplit(left);
      right.split = findSplit(right);
      open.push(left, right);
      leaves++;
    }
    for (const leaf of open) {
      tree.value[leaf.node] = (-o.learningRate * leaf.g) / (leaf.h + lambda + 1e-300);
      onLeaf(leaf.rows, tree.value[leaf.node]);
      leaf.hist = new Float64Array(0);
    }
    return tree;
  };

  const crossEntropy = (sc: Float64Array, rows: ArrayLike<number>, count: number): number => {
    let loss = 0;
    for (let r = 0; r < count; r++) {
      softmaxRow(sc, r, K, prob);
      loss -= Math.log(Math.max(prob[rows[r]], 1e-15));
    }
    return loss / Math.max(1, count);
  };
  const validLabels = validRows.map((i) => y[i]);

  for (let it = 0; it < o.maxIter; it++) {
    for (let r = 0; r < n; r++) {
      softmaxRow(scores, r, K, prob);
      for (let c = 0; c < K; c++) {
        const p = prob[c];
        grad[c * n + r] = p - (labels[r] === c ? 1 : 0);
        hess[c * n + r] = Math.max(p * (1 - p), 1e-16);
      }
    }
    const round: Tree[] = [];
    for (let c = 0; c < K; c++) {
      const tree = growTree(grad.subarray(c * n, (c + 1) * n), hess.subarray(c * n, (c + 1) * n), (rows, value) => {
        for (let j = 0; j < rows.length; j++) scores[rows[j] * K + c] += value;
      });
      round.push(tree);
      for (let r = 0; r < validRows.length; r++) vScores[r * K + c] += treeValue(tree, x[validRows[r]]);
    }
    trees.push(round);
    trainLoss.push(crossEntropy(scores, labels, n));
    if (o.earlyStopping) {
      const vl = crossEntropy(vScores, validLabels, validRows.length);
      validationLoss.push(vl);
      if (vl < best - (o.earlyStopping.tol ?? 1e-7)) {
        best = vl;
        sinceBest = 0;
      } else if (++sinceBest >= (o.earlyStopping.patience ?? 10)) break;
    }
  }
  return { kind: 'hist-gbdt-softmax', nClasses: K, nFeatures: F, thresholds, baseline, trees, gain: gainTotal, options: o, trainLoss, validationLoss };
}

function treeValue(tree: Tree, row: ArrayLike<number>): number {
  let node = 0;
  while (tree.feature[node] >= 0) {
    const v = row[tree.feature[node]];
    node = Number.isNaN(v) || v <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  }
  return tree.value[node];
}

/** Raw scores (log-odds up to a constant) per class. */
export function gbdtScores(model: GbdtModel, row: ArrayLike<number>): Float64Array {
  if (row.length !== model.nFeatures) throw new RangeError(`gbdt: row has ${row.length} features, the model ${model.nFeatures}`);
  const s = Float64Array.from(model.baseline);
  for (const round of model.trees) for (let c = 0; c < model.nClasses; c++) s[c] += treeValue(round[c], row);
  return s;
}

export function gbdtProba(model: GbdtModel, row: ArrayLike<number>): Float64Array {
  const s = gbdtScores(model, row);
  const out = new Float64Array(model.nClasses);
  softmaxRow(s, 0, model.nClasses, out);
  return out;
}

/** The most probable class. */
export function gbdtPredict(model: GbdtModel, row: ArrayLike<number>): number {
  const s = gbdtScores(model, row);
  let best = 0;
  for (let c = 1; c < s.length; c++) if (s[c] > s[best]) best = c;
  return best;
}
