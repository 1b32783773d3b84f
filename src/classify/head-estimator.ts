/**
 * The classifier heads (./heads.ts: mlp, logistic, ordinal) behind the estimator contract
 * (src/estimator/estimator.ts): on vectors from any encoder, `fit` standardises with the training rows, holds
 * out a stratified `dev` share for early stopping and trains the head, exactly as `classify train` does after
 * encoding (both call `fitOnVectors`), so the same vectors, labels and params give the same weights.
 */
import { labelAccuracy, loadEstimator, resolveParams, saveEstimator, type Classifier } from '../estimator/estimator';
import { HEAD_DEFAULTS, HEAD_KINDS, predictProba, argmax, type HeadKind, type TrainedHead, type EpochLog } from './heads';
import { fitOnVectors, standardize, type Standardizer, type ResolvedOptions } from './classifier';

/** The params: what `fitOnVectors` reads of the classifier options (head kind, seed, dev share, training schedule). */
export type HeadClassifierParams = Pick<ResolvedOptions, 'head' | 'seed' | 'dev' | 'epochs' | 'lr' | 'batchSize' | 'patience'>;

/** The defaults of each head kind: the dev share of the paper (0.2) and the head's own table (HEAD_DEFAULTS). */
export function headClassifierDefaults(head: HeadKind): HeadClassifierParams {
  const h = HEAD_DEFAULTS[head];
  if (!h) throw new RangeError(`unknown head ${head}; heads: ${HEAD_KINDS.join(', ')}`);
  return { head, seed: h.seed, dev: 0.2, epochs: h.epochs, lr: h.lr, batchSize: h.batchSize, patience: h.patience };
}

interface State {
  classes: string[];
  standardizer: Standardizer;
  head: Omit<TrainedHead, 'params' | 'shapes' | 'order'>;
  trainRows: number;
  devRows: number;
}

const KIND = 'cefrlab.head-classifier';
const FORMAT = 1;

export class HeadClassifier implements Classifier<Float64Array, string, HeadClassifierParams> {
  readonly kind = KIND;
  readonly params: Readonly<HeadClassifierParams>;
  private fixedClasses: string[] | null;
  private fitted: { head: TrainedHead; standardizer: Standardizer; classes: string[]; trainRows: number; devRows: number } | null = null;

  /**
   * `classes` fixes the labels and their order (the ordinal head needs the order: A1 < A2 < ...); without it
   * the classes are the sorted distinct labels seen by `fit`.
   */
  constructor(params: Partial<HeadClassifierParams> = {}, options: { classes?: readonly string[]; onEpoch?: (e: EpochLog) => void } = {}) {
    this.params = Object.freeze(resolveParams<HeadClassifierParams>(headClassifierDefaults(params.head ?? 'mlp'), params, 'HeadClassifier'));
    if (!(this.params.dev >= 0 && this.params.dev < 1)) throw new RangeError(`HeadClassifier: dev ${this.params.dev} must be in [0, 1)`);
    this.fixedClasses = options.classes ? [...options.classes] : null;
    this.onEpoch = options.onEpoch;
  }

  private readonly onEpoch?: (e: EpochLog) => void;

  get classes(): readonly string[] {
    return this.model().classes;
  }

  fit(X: readonly Float64Array[], y: readonly string[]): this {
    if (X.length !== y.length) throw new RangeError(`HeadClassifier.fit: ${X.length} rows but ${y.length} labels`);
    const classes = this.fixedClasses ?? [...new Set(y)].sort();
    const index = new Map(classes.map((c, i) => [c, i]));
    const yi = y.map((l, i) => {
      const c = index.get(l);
      if (c === undefined) throw new RangeError(`HeadClassifier.fit: label ${l} of row ${i} is not one of the classes ${classes.join(', ')}`);
      return c;
    });
    const fit = fitOnVectors(X, yi, classes, this.params, this.onEpoch);
    this.fitted = { ...fit, classes };
    return this;
  }

  predictProba(X: readonly Float64Array[]): Float64Array[] {
    const m = this.model();
    if (X.length && X[0].length !== m.head.inputDim) throw new RangeError(`HeadClassifier: rows have ${X[0].length} values; the model takes ${m.head.inputDim}`);
    return predictProba(m.head, standardize(m.standardizer, X));
  }

  predict(X: readonly Float64Array[]): string[] {
    const classes = this.model().classes;
    return this.predictProba(X).map((p) => classes[argmax(p)]);
  }

  /** Accuracy on (X, y) (labels outside the classes count as wrong). */
  score(X: readonly Float64Array[], y: readonly string[]): number {
    return labelAccuracy(y, this.predict(X));
  }

  async save(dir: string): Promise<void> {
    const m = this.model();
    const { params: values, shapes, order, ...head } = m.head;
    const state: State = { classes: m.classes, standardizer: m.standardizer, head, trainRows: m.trainRows, devRows: m.devRows };
    await saveEstimator(dir, { kind: KIND, formatVersion: FORMAT, params: { ...this.params }, state }, { order, values, shapes });
  }

  static load(dir: string): HeadClassifier {
    const { manifest, tensors, shapes, order } = loadEstimator<HeadClassifierParams, State>(dir, KIND, FORMAT);
    const s = manifest.state;
    const est = new HeadClassifier(manifest.params, { classes: s.classes });
    est.fitted = { head: { ...s.head, params: tensors, shapes, order }, standardizer: s.standardizer, classes: s.classes, trainRows: s.trainRows, devRows: s.devRows };
    return est;
  }

  private model(): NonNullable<HeadClassifier['fitted']> {
    if (!this.fitted) throw new Error('HeadClassifier: call fit (or load) first');
    return this.fitted;
  }
}
