/**
 * bench/rate, step 1: the TypeScript side of the scikit-learn checks. Writes OUT/checks.json with
 *  - QWK cases (random label pairs of several sizes and class counts, with and without sample weights) and
 *    this project's values (quadraticWeightedKappa, weightedQwk);
 *  - for CEFR-ASAG and ELLIPSE: the AWE features of a fixed stratified 80/20 split (IDF from the training
 *    part), the labels, and this project's gradient-boosting predictions with their QWK and 90 % bootstrap
 *    interval, so sklearn_check.py can fit HistGradientBoostingClassifier on the same numbers.
 * Run: node --import tsx bench/rate/export.ts OUT_DIR   (then python3 bench/rate/sklearn_check.py OUT_DIR)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/runtime/rng';
import { quadraticWeightedKappa } from '../../src/metrics/classification';
import { weightedQwk } from '../../src/metrics/fairness';
import { bootstrapCI } from '../../src/metrics/bootstrap';
import { loadCefrAsag, loadEllipse, type StudySet } from '../../src/notebooks/09-llm-rating';
import { stratifiedFolds } from '../../src/model-selection/folds';
import { aweFeatureNames, aweFeatures, fitIdf } from '../../src/awe/features';
import { trainGbdt, gbdtPredict } from '../../src/awe/gbdt';
import { labelSet, classIndex } from '../../src/awe/labels';

const out = process.argv[2] ?? '/tmp/bench-rate';
fs.mkdirSync(out, { recursive: true });
const rng = new Rng(13);
const qwkCases = [];
for (const [n, k] of [[20, 3], [100, 5], [299, 7], [1000, 9], [2571, 11]]) {
  for (let rep = 0; rep < 4; rep++) {
    const a = Array.from({ length: n }, () => rng.int(k));
    const b = a.map((v) => (rng.float() < 0.5 ? v : Math.max(0, Math.min(k - 1, v + rng.int(3) - 1 + (rng.float() < 0.1 ? rng.int(k) - (k >> 1) : 0)))));
    const w = Array.from({ length: n }, () => 0.1 + 3 * rng.float());
    qwkCases.push({ a, b, k, w, qwk: quadraticWeightedKappa(a, b, k), weighted: weightedQwk(a, b, k, w) });
  }
}

function gbdtCase(set: StudySet) {
  const labels = set.rows.map((r) => r[set.label]);
  const folds = stratifiedFolds(labels, 5, 0);
  const train = set.rows.map((_, i) => i).filter((i) => folds[i] !== 0);
  const test = set.rows.map((_, i) => i).filter((i) => folds[i] === 0);
  const ls = labelSet(labels);
  const idf = fitIdf(train.map((i) => set.rows[i][set.textColumn]));
  const X = set.rows.map((r) => Array.from(aweFeatures(r[set.textColumn], r[set.promptColumn] ?? '', idf)));
  const y = labels.map((l) => classIndex(ls, l)!);
  const t0 = Date.now();
  const model = trainGbdt(train.map((i) => X[i]), train.map((i) => y[i]), ls.classes.length, {});
  const seconds = (Date.now() - t0) / 1000;
  const pred = test.map((i) => gbdtPredict(model, X[i]));
  const yt = test.map((i) => y[i]);
  const ci = bootstrapCI(test.length, (idx) => quadraticWeightedKappa(idx.map((j) => yt[j]), idx.map((j) => pred[j]), ls.classes.length), { seed: 0, resamples: 1000 });
  // QWK on the rating scale's evenly spaced grid (classes are in order; CEFR-ASAG's are consecutive levels, ELLIPSE's half points)
  return { name: set.name, featureNames: aweFeatureNames(), classes: ls.classes, xTrain: train.map((i) => X[i]), yTrain: train.map((i) => y[i]), xTest: test.map((i) => X[i]), yTest: yt, tsPred: pred, tsQwk: ci.estimate, tsCi90: [ci.lo, ci.hi], tsSeconds: seconds };
}

const sets = [gbdtCase(loadCefrAsag()), gbdtCase(loadEllipse())];
fs.writeFileSync(path.join(out, 'checks.json'), JSON.stringify({ qwkCases, gbdt: sets }));
for (const s of sets) console.log(`${s.name}: train ${s.xTrain.length}, test ${s.xTest.length}, ${s.featureNames.length} features; this project's GBDT QWK ${s.tsQwk.toFixed(4)} [${s.tsCi90[0].toFixed(4)}, ${s.tsCi90[1].toFixed(4)}] (fit ${s.tsSeconds.toFixed(1)} s)`);
console.log(`wrote ${path.join(out, 'checks.json')}`);
