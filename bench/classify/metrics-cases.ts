/**
 * Metrics against scikit-learn, TypeScript side: writes seeded random label sets (some with a level absent from
 * the truth, some with a level never predicted, one perfect, one constant) and this project's metrics on them to
 * a JSON file that `metrics_sklearn.py` reads, recomputes with scikit-learn and compares to 1e-9.
 *
 *   node --import tsx bench/classify/metrics-cases.ts /tmp/metrics-cases.json
 *   /usr/bin/python3 bench/classify/metrics_sklearn.py /tmp/metrics-cases.json
 */
import { writeFileSync } from 'node:fs';
import { Rng } from '../../src/runtime/rng';
import { accuracy, weightedAccuracy, balancedAccuracy, macroF1, perClass, quadraticWeightedKappa, adjacentAccuracy, confusionMatrix } from '../../src/metrics/classification';

const out = process.argv[2] ?? '/tmp/metrics-cases.json';
const cases: unknown[] = [];
const rng = new Rng(2024);
const make = (name: string, n: number, k: number, noise: number, opts: { dropTrue?: number; dropPred?: number } = {}) => {
  const yTrue: number[] = [];
  const yPred: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = rng.int(k);
    if (opts.dropTrue != null && t === opts.dropTrue) t = (t + 1) % k;
    let p = rng.float() < noise ? rng.int(k) : Math.max(0, Math.min(k - 1, t + (rng.float() < 0.5 ? 0 : rng.int(3) - 1)));
    if (opts.dropPred != null && p === opts.dropPred) p = (p + 1) % k;
    yTrue.push(t);
    yPred.push(p);
  }
  const w = yTrue.map(() => 0.5 + rng.float());
  cases.push({
    name, k, yTrue, yPred, weights: w,
    ts: {
      accuracy: accuracy(yTrue, yPred),
      weightedAccuracy: weightedAccuracy(yTrue, yPred, k),
      weightedAccuracySampleWeights: weightedAccuracy(yTrue, yPred, k, w),
      balancedAccuracy: balancedAccuracy(yTrue, yPred, k),
      macroF1: macroF1(yTrue, yPred, k),
      qwk: quadraticWeightedKappa(yTrue, yPred, k),
      adjacentAccuracy: adjacentAccuracy(yTrue, yPred),
      confusion: confusionMatrix(yTrue, yPred, k),
      perClass: perClass(yTrue, yPred, k),
    },
  });
};
make('6 levels, n=1000, mostly adjacent errors', 1000, 6, 0.2);
make('5 levels, n=57', 57, 5, 0.5);
make('6 levels, n=10004, C2 never true', 10004, 6, 0.3, { dropTrue: 5 });
make('6 levels, n=708, A1 never predicted', 708, 6, 0.3, { dropPred: 0 });
make('3 levels, n=20, pure noise', 20, 3, 1.0);
make('2 levels, n=500', 500, 2, 0.4);
for (let s = 0; s < 20; s++) make(`random ${s}`, 10 + rng.int(400), 2 + rng.int(5), rng.float());
{
  const yTrue = Array.from({ length: 30 }, (_, i) => i % 4);
  cases.push({ name: 'perfect', k: 4, yTrue, yPred: yTrue, weights: yTrue.map(() => 1), ts: { accuracy: accuracy(yTrue, yTrue), weightedAccuracy: weightedAccuracy(yTrue, yTrue, 4), weightedAccuracySampleWeights: 1, balancedAccuracy: balancedAccuracy(yTrue, yTrue, 4), macroF1: macroF1(yTrue, yTrue, 4), qwk: quadraticWeightedKappa(yTrue, yTrue, 4), adjacentAccuracy: 1, confusion: confusionMatrix(yTrue, yTrue, 4), perClass: perClass(yTrue, yTrue, 4) } });
}
writeFileSync(out, JSON.stringify(cases));
console.log(`${cases.length} cases written to ${out}`);
