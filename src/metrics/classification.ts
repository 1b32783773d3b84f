/**
 * Classification metrics for ordered levels. Labels are integer class indices 0..k-1 (A1 = 0 when the classes
 * are CEFR levels). Every function is pure, checks its inputs, and is checked against scikit-learn 1.x to 1e-9
 * in `bench/classify/` (the reference named in each comment is what it reproduces).
 *
 * Conventions shared with scikit-learn (so numbers can be compared with published ones):
 *  - a ratio whose denominator is zero (precision of a class never predicted, recall of a class never seen)
 *    is 0, scikit-learn's `zero_division=0`;
 *  - the macro averages run over the classes that occur in `yTrue` or `yPred` (scikit-learn's default label set
 *    when `labels` is not given), so a level absent from a cross-validation fold and never predicted does not
 *    count as a zero;
 *  - balanced accuracy averages recall over the classes present in `yTrue` only (a class with no true member
 *    has no recall), as `balanced_accuracy_score` does.
 */

function check(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k?: number): void {
  if (yTrue.length !== yPred.length) throw new RangeError(`metrics: yTrue has ${yTrue.length} labels but yPred has ${yPred.length}`);
  if (k != null) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`metrics: k must be a positive integer, got ${k}`);
    for (let i = 0; i < yTrue.length; i++) {
      const t = yTrue[i];
      const p = yPred[i];
      if (!Number.isInteger(t) || t < 0 || t >= k) throw new RangeError(`metrics: yTrue[${i}] = ${t} is not a class index in 0..${k - 1}`);
      if (!Number.isInteger(p) || p < 0 || p >= k) throw new RangeError(`metrics: yPred[${i}] = ${p} is not a class index in 0..${k - 1}`);
    }
  }
}

/**
 * The k x k confusion matrix C with C[i][j] = number of items of true class i predicted as class j
 * (rows true, columns predicted: scikit-learn `confusion_matrix(y_true, y_pred, labels=range(k))`).
 */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): number[][] {
  check(yTrue, yPred, k);
  const c = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) c[yTrue[i]][yPred[i]]++;
  return c;
}

/** Share of items whose predicted class equals the true class (scikit-learn `accuracy_score`). NaN when empty. */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  check(yTrue, yPred);
  if (yTrue.length === 0) return NaN;
  let hit = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hit++;
  return hit / yTrue.length;
}

/**
 * The paper's "weighted classification accuracy" (Schmalz & Brutti 2021, section 4). The paper does not define
 * it; its classifier was trained in Keras, where a "weighted" accuracy is the accuracy with each item counted
 * by its sample weight: sum_i w_i [y_i = yhat_i] / sum_i w_i. That is also the support-weighted mean of the
 * per-class recalls (scikit-learn `recall_score(average='weighted')`), because sum_c (W_c / W)(W_c,hit / W_c)
 * = W_hit / W. With unit weights (the default, and what the paper's tables amount to unless its unpublished
 * weights were not uniform) it equals plain `accuracy`; it is NOT balanced accuracy (the unweighted mean of
 * recalls, below), which is the number that corrects for unequal level sizes.
 * `sampleWeight` (optional, non-negative, one per item) gives the Keras reading with explicit weights.
 */
export function weightedAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number, sampleWeight?: ArrayLike<number>): number {
  check(yTrue, yPred, k);
  if (sampleWeight && sampleWeight.length !== yTrue.length) throw new RangeError(`weightedAccuracy: ${sampleWeight.length} weights for ${yTrue.length} items`);
  const support = new Float64Array(k);
  const hits = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const w = sampleWeight ? sampleWeight[i] : 1;
    if (!(w >= 0)) throw new RangeError(`weightedAccuracy: weight ${i} is ${w}; weights must be non-negative`);
    support[yTrue[i]] += w;
    if (yTrue[i] === yPred[i]) hits[yTrue[i]] += w;
    total += w;
  }
  if (total === 0) return NaN;
  let acc = 0;
  for (let c = 0; c < k; c++) if (support[c] > 0) acc += (support[c] / total) * (hits[c] / support[c]);
  return acc;
}

/**
 * Balanced accuracy: the unweighted mean of the per-class recalls over the classes present in `yTrue`
 * (Brodersen, Ong, Stephan & Buhmann 2010, "The balanced accuracy and its posterior distribution", ICPR;
 * scikit-learn `balanced_accuracy_score`). NaN when empty.
 */
export function balancedAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): number {
  const c = confusionMatrix(yTrue, yPred, k);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < k; i++) {
    const support = c[i].reduce((a, b) => a + b, 0);
    if (support === 0) continue;
    sum += c[i][i] / support;
    n++;
  }
  return n ? sum / n : NaN;
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** Number of items whose true class this is. */
  support: number;
}

/**
 * Precision tp / (tp + fp), recall tp / (tp + fn) and F1 = 2PR / (P + R) (van Rijsbergen 1979, "Information
 * Retrieval", ch. 7, F with beta = 1) per class 0..k-1, 0 when a denominator is 0 (scikit-learn
 * `precision_recall_fscore_support(labels=range(k), zero_division=0)`).
 */
export function perClass(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): ClassScores[] {
  const c = confusionMatrix(yTrue, yPred, k);
  const out: ClassScores[] = [];
  for (let i = 0; i < k; i++) {
    const tp = c[i][i];
    let predicted = 0;
    let support = 0;
    for (let j = 0; j < k; j++) {
      predicted += c[j][i];
      support += c[i][j];
    }
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    out.push({ precision, recall, f1, support });
  }
  return out;
}

/**
 * Macro-F1: the unweighted mean of the per-class F1 over the classes that occur in `yTrue` or `yPred`
 * (scikit-learn `f1_score(average='macro')` without `labels`). NaN when empty.
 */
export function macroF1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): number {
  const scores = perClass(yTrue, yPred, k);
  const present = new Uint8Array(k);
  for (let i = 0; i < yTrue.length; i++) {
    present[yTrue[i]] = 1;
    present[yPred[i]] = 1;
  }
  let sum = 0;
  let n = 0;
  for (let c = 0; c < k; c++) {
    if (!present[c]) continue;
    sum += scores[c].f1;
    n++;
  }
  return n ? sum / n : NaN;
}

/**
 * Quadratic weighted kappa (Cohen 1968, "Weighted kappa", Psychological Bulletin 70(4)): 1 - sum w O / sum w E
 * with disagreement weights w_ij = (i - j)^2 / (k - 1)^2, O the observed confusion matrix and E the outer
 * product of its marginals divided by n (chance agreement). scikit-learn `cohen_kappa_score(weights='quadratic')`.
 * 1 is perfect agreement, 0 chance; NaN when the expected disagreement is 0 (e.g. one class only on both sides).
 */
export function quadraticWeightedKappa(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): number {
  const c = confusionMatrix(yTrue, yPred, k);
  const n = yTrue.length;
  if (n === 0 || k < 2) return NaN;
  const rows = c.map((r) => r.reduce((a, b) => a + b, 0));
  const cols = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) cols[j] += c[i][j];
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = ((i - j) * (i - j)) / ((k - 1) * (k - 1));
      observed += w * c[i][j];
      expected += (w * rows[i] * cols[j]) / n;
    }
  }
  return expected === 0 ? NaN : 1 - observed / expected;
}

/**
 * Adjacent accuracy: share of items predicted within one level of the truth, |y - yhat| <= 1 (the "adjacent
 * agreement" of essay-scoring studies, e.g. Attali & Burstein 2006, J. Technology, Learning and Assessment 4(3)).
 * NaN when empty.
 */
export function adjacentAccuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  check(yTrue, yPred);
  if (yTrue.length === 0) return NaN;
  let hit = 0;
  for (let i = 0; i < yTrue.length; i++) if (Math.abs(yTrue[i] - yPred[i]) <= 1) hit++;
  return hit / yTrue.length;
}
