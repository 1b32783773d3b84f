/**
 * The shape every trainable model of the library can take (after scikit-learn's estimator API: Buitinck et al.
 * 2013, "API design for machine learning software: experiences from the scikit-learn project"): typed params
 * resolved from one defaults table, `fit` on data already loaded (an estimator never reads files while
 * fitting), `predict`, `predictProba` for classifiers, `score`, and `save` to a directory that `load` reads back
 * through a manifest (kind, format version, params, versions, and the weights' hash).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDirAtomic, writeFileAtomic, writeJsonAtomic } from '../runtime/atomic';
import { UserError } from '../runtime/errors';
import { sha256 } from '../runtime/hash';
import { versions, type Versions } from '../runtime/versions';
import { accuracy } from '../metrics/classification';

export interface Estimator<X, Y, P extends object> {
  /** What the saved manifest's `kind` says (e.g. `cefrlab.head-classifier`). */
  readonly kind: string;
  /** The resolved params: the defaults table merged with what the caller gave. */
  readonly params: Readonly<P>;
  /** Fit on rows `X` with targets `y`; returns the estimator, fitted. */
  fit(X: readonly X[], y: readonly Y[]): this;
  predict(X: readonly X[]): Y[];
  /** The estimator's default figure of merit on (X, y): accuracy for classifiers, as scikit-learn's `score`. */
  score(X: readonly X[], y: readonly Y[]): number;
  /** Write manifest.json (and weights.bin) to `dir`, atomically. */
  save(dir: string): Promise<void>;
}

export interface Classifier<X, Y, P extends object> extends Estimator<X, Y, P> {
  /** The classes in the order of the probability columns (set by `fit`). */
  readonly classes: readonly Y[];
  predictProba(X: readonly X[]): Float64Array[];
}

/** A classifier's `score`: the share of rows whose predicted label is the true one (scikit-learn's `accuracy_score`). */
export function labelAccuracy<Y>(yTrue: readonly Y[], yPred: readonly Y[]): number {
  const all = [...new Set([...yTrue, ...yPred])];
  return accuracy(yTrue.map((l) => all.indexOf(l)), yPred.map((l) => all.indexOf(l)));
}

/**
 * Params = the defaults table, overridden by each given value that is not null or undefined. A key the table
 * does not have is a RangeError (a misspelt option would otherwise be silently ignored). The result has the
 * table's key order, so manifests written from it compare byte for byte.
 */
export function resolveParams<P extends object>(defaults: Readonly<P>, given: Readonly<Partial<P>> = {} as Partial<P>, what = 'estimator'): P {
  const known = Object.keys(defaults);
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) throw new RangeError(`${what}: unknown param "${key}"; params: ${known.join(', ')}`);
  }
  const out = { ...defaults } as P;
  for (const key of known as Array<keyof P>) {
    const v = given[key];
    if (v != null) out[key] = v as P[keyof P];
  }
  return out;
}

export interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export interface EstimatorManifest<P, S> {
  kind: string;
  formatVersion: number;
  params: P;
  /** What `fit` learnt besides the tensors (classes, scaling, training history ...), JSON. */
  state: S;
  weights: { file: 'weights.bin'; dtype: 'float64-le'; sha256: string; tensors: TensorEntry[] };
  versions: Versions;
}

/** Pack named float64 tensors, in the given order, into one little-endian buffer and its table. */
export function packTensors(order: readonly string[], tensors: Readonly<Record<string, Float64Array>>, shapes: Readonly<Record<string, number[]>>): { bytes: Buffer; entries: TensorEntry[] } {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const name of order) {
    entries.push({ name, shape: shapes[name], offset, length: tensors[name].length });
    offset += tensors[name].length;
  }
  const bytes = Buffer.alloc(offset * 8);
  for (const e of entries) {
    const v = tensors[e.name];
    for (let i = 0; i < v.length; i++) bytes.writeDoubleLE(v[i], (e.offset + i) * 8);
  }
  return { bytes, entries };
}

/** Write an estimator directory: weights.bin with the tensors and manifest.json naming their hash. */
export async function saveEstimator<P, S>(dir: string, m: { kind: string; formatVersion: number; params: P; state: S }, tensors: { order: readonly string[]; values: Readonly<Record<string, Float64Array>>; shapes: Readonly<Record<string, number[]>> }): Promise<EstimatorManifest<P, S>> {
  const { bytes, entries } = packTensors(tensors.order, tensors.values, tensors.shapes);
  const manifest: EstimatorManifest<P, S> = { kind: m.kind, formatVersion: m.formatVersion, params: m.params, state: m.state, weights: { file: 'weights.bin', dtype: 'float64-le', sha256: sha256(bytes), tensors: entries }, versions: versions() };
  await buildDirAtomic(dir, (tmp) => {
    writeFileAtomic(path.join(tmp, 'weights.bin'), bytes);
    writeJsonAtomic(path.join(tmp, 'manifest.json'), manifest);
  });
  return manifest;
}

/**
 * Read a directory written by `saveEstimator`, checking its kind, format version and the weights' hash; each
 * problem is a UserError that names the file and the fix.
 */
export function loadEstimator<P, S>(dir: string, kind: string, formatVersion: number): { manifest: EstimatorManifest<P, S>; tensors: Record<string, Float64Array>; shapes: Record<string, number[]>; order: string[] } {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) throw new UserError(`${dir}: no manifest.json, so this is not a saved ${kind}. Fix: give a directory the estimator was saved to`);
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as EstimatorManifest<P, S>;
  if (manifest.kind !== kind) throw new UserError(`${file}: a ${manifest.kind} manifest, not a ${kind} one. Fix: give a directory a ${kind} was saved to`);
  if (manifest.formatVersion !== formatVersion) throw new UserError(`${file}: format version ${manifest.formatVersion}, this version reads ${formatVersion}. Fix: save the model again with this version`);
  const bytes = fs.readFileSync(path.join(dir, manifest.weights.file));
  if (sha256(bytes) !== manifest.weights.sha256) throw new UserError(`${path.join(dir, manifest.weights.file)}: the weights do not match the manifest's hash (damaged or replaced). Fix: train and save the model again`);
  return { manifest, ...unpackTensors(bytes, manifest.weights.tensors) };
}

/** The tensors of a buffer written by `packTensors`, by name, with their shapes and order. */
export function unpackTensors(bytes: Buffer, entries: readonly TensorEntry[]): { tensors: Record<string, Float64Array>; shapes: Record<string, number[]>; order: string[] } {
  const tensors: Record<string, Float64Array> = {};
  const shapes: Record<string, number[]> = {};
  for (const e of entries) {
    const v = new Float64Array(e.length);
    for (let i = 0; i < e.length; i++) v[i] = bytes.readDoubleLE((e.offset + i) * 8);
    tensors[e.name] = v;
    shapes[e.name] = e.shape;
  }
  return { tensors, shapes, order: entries.map((e) => e.name) };
}
