/**
 * Learning curves (scikit-learn's `learning_curve`, with a fixed test set): for each training size, `seeds`
 * stratified samples of the training items (./folds.ts, class proportions kept), each scored by a callback that
 * fits on the sample and evaluates on held-out data; the curve holds each metric's values with their mean and
 * sample standard deviation over the seeds.
 */
import { Rng } from '../runtime/rng';
import { mean, sampleSd } from '../metrics/descriptive';
import { stratifiedSample } from './folds';

export interface CurveSummary {
  mean: number;
  /** Sample standard deviation over the seeds; 0 for one seed (a single run shows no spread). */
  sd: number;
  values: number[];
}

/** Mean and spread of one metric over seeds. */
export function summarise(values: number[]): CurveSummary {
  return { mean: mean(values), sd: values.length < 2 ? 0 : sampleSd(values), values };
}

/**
 * Run the curve. Seed s of a point (s = 0..seeds-1) is `baseSeed + s`; its sample is drawn with
 * `Rng.derive(baseSeed + s, 'curve', size)` and `score(sample, baseSeed + s, size)` returns the metrics.
 */
export function learningCurve<M extends string>(
  labels: readonly (number | string)[],
  sizes: readonly number[],
  seeds: number,
  baseSeed: number,
  metrics: readonly M[],
  score: (sample: number[], seed: number, size: number) => Record<M, number>,
): Array<{ size: number; seeds: number; metrics: Record<M, CurveSummary> }> {
  return sizes.map((size) => {
    const values = Object.fromEntries(metrics.map((m) => [m, [] as number[]])) as Record<M, number[]>;
    for (let s = 0; s < seeds; s++) {
      const seed = baseSeed + s;
      const got = score(stratifiedSample(labels, size, Rng.derive(seed, 'curve', size)), seed, size);
      for (const m of metrics) values[m].push(got[m]);
    }
    return { size, seeds, metrics: Object.fromEntries(metrics.map((m) => [m, summarise(values[m])])) as Record<M, CurveSummary> };
  });
}
