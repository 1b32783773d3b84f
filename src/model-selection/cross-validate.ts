/**
 * Out-of-fold predictions (scikit-learn's `cross_val_predict`): every item is predicted by a model fitted on the
 * other folds only, so no item is scored by a model that saw it. Works with any model through one callback.
 */
import { foldSplits } from './folds';

/**
 * For each fold with at least one item, `fitPredict(train, test)` fits on the `train` indices and returns one
 * prediction per `test` index, in order; the result holds every item's prediction in item order.
 */
export function outOfFoldPredictions<T>(fold: readonly number[], k: number, fitPredict: (train: number[], test: number[], fold: number) => T[]): T[] {
  const out = new Array<T>(fold.length);
  foldSplits(fold, k).forEach(({ train, test }, f) => {
    if (test.length === 0) return;
    const pred = fitPredict(train, test, f);
    if (pred.length !== test.length) throw new RangeError(`outOfFoldPredictions: fold ${f} has ${test.length} test items but ${pred.length} predictions`);
    test.forEach((i, j) => (out[i] = pred[j]));
  });
  return out;
}

/**
 * Out-of-fold predictions of any estimator (anything with `fit` and `predict`, as src/estimator/estimator.ts
 * describes): for each fold a fresh estimator from `make(fold)` is fitted on the other folds' rows and predicts
 * the fold's rows.
 */
export function crossValPredict<X, Y>(make: (fold: number) => { fit(X: readonly X[], y: readonly Y[]): unknown; predict(X: readonly X[]): Y[] }, X: readonly X[], y: readonly Y[], fold: readonly number[], k: number): Y[] {
  if (X.length !== y.length || X.length !== fold.length) throw new RangeError(`crossValPredict: ${X.length} rows, ${y.length} targets, ${fold.length} folds`);
  return outOfFoldPredictions(fold, k, (train, test, f) => {
    const est = make(f);
    est.fit(train.map((i) => X[i]), train.map((i) => y[i]));
    return est.predict(test.map((i) => X[i]));
  });
}
