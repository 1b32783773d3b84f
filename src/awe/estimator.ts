/**
 * The AWE model (./model.ts: tf-idf and text features, gradient-boosted trees) behind the estimator contract
 * (src/estimator/estimator.ts): rows are texts with their prompts, targets are score labels. `fit` and
 * `predict` call `trainAwe` and `predictAwe`, so the same rows, labels and params give the same trees as
 * `cefrlab awe train`; the trees, being JSON, are saved in the manifest's state (no tensors).
 */
import { labelAccuracy, loadEstimator, resolveParams, saveEstimator, type Classifier } from '../estimator/estimator';
import { GBDT_DEFAULTS } from './gbdt';
import { predictAwe, predictAweProba, trainAwe, type AweModel, type AweRow } from './model';

/** The trees' params (early stopping stays off, as in `awe train`). */
export type AweParams = typeof GBDT_DEFAULTS;

const KIND = 'cefrlab.awe-classifier';
const FORMAT = 1;

export class AweClassifier implements Classifier<AweRow, string, AweParams> {
  readonly kind = KIND;
  readonly params: Readonly<AweParams>;
  private model: AweModel | null = null;

  constructor(params: Partial<AweParams> = {}) {
    this.params = Object.freeze(resolveParams<AweParams>(GBDT_DEFAULTS, params, 'AweClassifier'));
  }

  get classes(): readonly string[] {
    return this.fitted().labels.classes;
  }

  fit(X: readonly AweRow[], y: readonly string[]): this {
    this.model = trainAwe(X, y, { ...this.params });
    return this;
  }

  predict(X: readonly AweRow[]): string[] {
    return predictAwe(this.fitted(), X);
  }

  predictProba(X: readonly AweRow[]): Float64Array[] {
    return predictAweProba(this.fitted(), X);
  }

  /** Accuracy on (X, y). */
  score(X: readonly AweRow[], y: readonly string[]): number {
    return labelAccuracy(y, this.predict(X));
  }

  async save(dir: string): Promise<void> {
    await saveEstimator(dir, { kind: KIND, formatVersion: FORMAT, params: { ...this.params }, state: this.fitted() }, { order: [], values: {}, shapes: {} });
  }

  static load(dir: string): AweClassifier {
    const { manifest } = loadEstimator<AweParams, AweModel>(dir, KIND, FORMAT);
    const est = new AweClassifier(manifest.params);
    est.model = manifest.state;
    return est;
  }

  private fitted(): AweModel {
    if (!this.model) throw new Error('AweClassifier: call fit (or load) first');
    return this.model;
  }
}
