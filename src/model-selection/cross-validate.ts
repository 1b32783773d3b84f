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
