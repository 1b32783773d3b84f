/**
 * The classification report: every metric of ./classification.ts on one set of predictions, each with its
 * 90 % percentile-bootstrap interval (./bootstrap.ts, seeded, 1,000 resamples by default). The names are those
 * of `cefrlab classify eval --json`.
 */
import { confusionMatrix, perClass } from './classification';
import { quantileSorted } from './bootstrap';
import { Rng } from '../runtime/rng';

export interface MetricValue {
  value: number;
  /** [lo, hi] of the 90 % percentile bootstrap interval. */
  ci90: [number, number];
}

export interface LevelScores {
  level: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  f1Ci90: [number, number];
}

export interface ClassificationReport {
  n: number;
  labels: string[];
  accuracy: MetricValue;
  weightedAccuracy: MetricValue;
  balancedAccuracy: MetricValue;
  macroF1: MetricValue;
  qwk: MetricValue;
  adjacentAccuracy: MetricValue;
  /** Rows true level, columns predicted level, in `labels` order. */
  confusion: number[][];
  perLevel: LevelScores[];
}

export const HEADLINE_METRICS = ['accuracy', 'weightedAccuracy', 'balancedAccuracy', 'macroF1', 'qwk', 'adjacentAccuracy'] as const;
export type HeadlineMetric = (typeof HEADLINE_METRICS)[number];

/**
 * Every headline metric and the per-level F1 from a confusion matrix (rows true, columns predicted). Equal to
 * the functions of ./classification.ts on the underlying labels (test/metrics-report.test.ts checks it); used so
 * that a bootstrap resample costs one pass over its rows.
 */
export function metricsFromConfusion(c: number[][]): Record<HeadlineMetric, number> & { f1: number[] } {
  const k = c.length;
  const rows = new Array<number>(k).fill(0);
  const cols = new Array<number>(k).fill(0);
  let n = 0;
  let diag = 0;
  let adjacent = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const x = c[i][j];
      rows[i] += x;
      cols[j] += x;
      n += x;
      if (i === j) diag += x;
      if (Math.abs(i - j) <= 1) adjacent += x;
    }
  }
  let recallSum = 0;
  let recallN = 0;
  let f1Sum = 0;
  let f1N = 0;
  const f1: number[] = [];
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    const precision = cols[i] ? c[i][i] / cols[i] : 0;
    const recall = rows[i] ? c[i][i] / rows[i] : 0;
    const f = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    f1.push(f);
    if (rows[i]) {
      recallSum += recall;
      recallN++;
    }
    if (rows[i] || cols[i]) {
      f1Sum += f;
      f1N++;
    }
    for (let j = 0; j < k; j++) {
      const w = k > 1 ? ((i - j) * (i - j)) / ((k - 1) * (k - 1)) : 0;
      observed += w * c[i][j];
      if (n) expected += (w * rows[i] * cols[j]) / n;
    }
  }
  const acc = n ? diag / n : NaN;
  return {
    accuracy: acc,
    weightedAccuracy: acc,
    balancedAccuracy: recallN ? recallSum / recallN : NaN,
    macroF1: f1N ? f1Sum / f1N : NaN,
    qwk: n && k > 1 && expected !== 0 ? 1 - observed / expected : NaN,
    adjacentAccuracy: n ? adjacent / n : NaN,
    f1,
  };
}

/**
 * The report of predictions `yPred` against `yTrue` (class indices into `labels`). Bootstrap: `resamples`
 * (1,000) resamples of the rows drawn by `Rng(seed)` exactly as `bootstrapCI` draws them, 90 % percentile
 * intervals; resamples on which a metric is undefined are left out of its interval. Weighted accuracy is
 * computed with unit weights (see `weightedAccuracy` in ./classification.ts: it then equals accuracy).
 * JSON has no NaN: an undefined metric is written as null.
 */
export function classificationReport(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, labels: readonly string[], opts: { resamples?: number; seed?: number } = {}): ClassificationReport {
  const k = labels.length;
  const n = yTrue.length;
  const conf = confusionMatrix(yTrue, yPred, k);
  const full = metricsFromConfusion(conf);
  const resamples = opts.resamples ?? 1000;
  const samples: Record<string, number[]> = {};
  const keys = [...HEADLINE_METRICS, ...labels.map((_, c) => `f1_${c}`)];
  for (const key of keys) samples[key] = [];
  if (n > 0) {
    const rng = new Rng(opts.seed ?? 0);
    const c = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let r = 0; r < resamples; r++) {
      for (const row of c) row.fill(0);
      for (let i = 0; i < n; i++) {
        const j = rng.int(n);
        c[yTrue[j]][yPred[j]]++;
      }
      const m = metricsFromConfusion(c);
      for (const key of HEADLINE_METRICS) if (Number.isFinite(m[key])) samples[key].push(m[key]);
      for (let l = 0; l < k; l++) samples[`f1_${l}`].push(m.f1[l]);
    }
  }
  const ci = (key: string): [number, number] => {
    const s = samples[key].sort((a, b) => a - b);
    return [quantileSorted(s, 0.05), quantileSorted(s, 0.95)];
  };
  const mv = (key: HeadlineMetric): MetricValue => ({ value: full[key], ci90: ci(key) });
  const per = perClass(yTrue, yPred, k);
  return {
    n,
    labels: [...labels],
    accuracy: mv('accuracy'),
    weightedAccuracy: mv('weightedAccuracy'),
    balancedAccuracy: mv('balancedAccuracy'),
    macroF1: mv('macroF1'),
    qwk: mv('qwk'),
    adjacentAccuracy: mv('adjacentAccuracy'),
    confusion: conf,
    perLevel: per.map((s, c) => ({ level: labels[c], ...s, f1Ci90: ci(`f1_${c}`) })),
  };
}

/** A short plain-text table of a report. */
export function reportTable(r: ClassificationReport): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '  - ');
  const lines = [`n = ${r.n}`, 'metric             value   90% CI'];
  for (const m of HEADLINE_METRICS) lines.push(`${m.padEnd(18)} ${f(r[m].value)}   [${f(r[m].ci90[0])}, ${f(r[m].ci90[1])}]`);
  lines.push('', 'level  precision  recall  f1     support');
  for (const l of r.perLevel) lines.push(`${l.level.padEnd(6)} ${f(l.precision)}      ${f(l.recall)}   ${f(l.f1)}  ${l.support}`);
  lines.push('', `confusion (rows true, columns predicted: ${r.labels.join(' ')})`);
  for (let i = 0; i < r.confusion.length; i++) lines.push(`${r.labels[i].padEnd(4)} ${r.confusion[i].map((x) => String(x).padStart(5)).join('')}`);
  return lines.join('\n');
}
