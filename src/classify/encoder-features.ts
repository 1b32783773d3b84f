/**
 * `features`: the interpretable linguistic features of src/features/text-features.ts as an encoder (one
 * dimension per feature, named). The id hashes the feature names, a version and the resource files the
 * features read (word lists, frequency list, spelling dictionary), so changing any of them invalidates cached
 * vectors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { FEATURE_NAMES, textFeatures } from '../features/text-features';
import { dataDir, projectRoot } from '../runtime/paths';
import type { Encoder, EncodeOptions } from './encoder';

const FEATURES_ENCODER_VERSION = 1;

/**
 * The features that do not grow with the length of the text (`features:rates`): everything but the counts of
 * characters, words and sentences. Length is the strongest single cue within a corpus and the first to mislead
 * across corpora whose texts differ in length (answers against single sentences).
 */
export const LENGTH_FEATURES: readonly string[] = ['chars', 'words', 'sentences'];

/**
 * `features:transfer`: the features meant to mean the same in any corpus of English texts, whatever their length,
 * task or typesetting: word length, sentence length and commas per sentence (syntactic complexity), the CEFR-J
 * vocabulary profile and the frequency bands (lexical sophistication), and two error rates. Left out, beside the
 * counts: MTLD (for a text shorter than one factor, about 30 words, it equals the number of words, so on
 * single sentences it is length again), punctuation per word and capitals per letter (a one-sentence text has
 * one full stop and one initial capital, so both are about 1 / length), and the share of sentences starting
 * with a capital (edited sentences always do; it measures the source, not the writer). Two per-text
 * normalisations are added: the mean CEFR-J level of the listed words and the share of them above A2, which do
 * not move with the share of names, numbers and misspellings that the lists leave out.
 */
export const TRANSFER_FEATURES: readonly string[] = [
  'mean_word_length', 'mean_sentence_length', 'comma_rate',
  'vp_a1', 'vp_a2', 'vp_b1', 'vp_b2', 'vp_c1', 'vp_c2', 'vp_unlisted',
  'freq_k1', 'freq_k2', 'freq_k3_5', 'freq_k6_10', 'freq_k11_50', 'freq_offlist', 'freq_mean_log10_rank',
  'misspelling_rate', 'lowercase_i_rate',
];
/** The per-text normalisations of `features:transfer`, computed from the vocabulary profile. */
export const TRANSFER_DERIVED: readonly string[] = ['vp_listed_mean_level', 'vp_listed_above_a2'];
export type FeatureSet = 'all' | 'rates' | 'transfer';

/** The derived transfer features of one full feature vector (0 when no word is listed). */
function derivedTransfer(f: Float64Array): [number, number] {
  const vp = ['vp_a1', 'vp_a2', 'vp_b1', 'vp_b2', 'vp_c1', 'vp_c2'].map((n) => f[FEATURE_NAMES.indexOf(n)]);
  const listed = vp.reduce((a, b) => a + b, 0);
  if (!(listed > 0)) return [0, 0];
  return [vp.reduce((a, v, l) => a + l * v, 0) / listed, (listed - vp[0] - vp[1]) / listed];
}

let cachedId: string | null = null;

export function featuresEncoderId(): string {
  if (cachedId) return cachedId;
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ encoder: 'features', version: FEATURES_ENCODER_VERSION, names: FEATURE_NAMES }));
  for (const file of [
    path.join(dataDir, 'cefrj-wordlist', 'cefrj-vocabulary-profile-1.5.csv'),
    path.join(dataDir, 'cefrj-wordlist', 'octanove-vocabulary-profile-c1c2-1.0.csv'),
    path.join(dataDir, 'opensubtitles-freq-en', 'en_50k_2018.txt'),
    path.join(projectRoot, 'node_modules', 'dictionary-en', 'index.aff'),
    path.join(projectRoot, 'node_modules', 'dictionary-en', 'index.dic'),
  ]) {
    hash.update(path.basename(file));
    hash.update(fs.readFileSync(file));
  }
  cachedId = hash.digest('hex');
  return cachedId;
}

/** Indices into `FEATURE_NAMES` that a feature set keeps (before the derived transfer features). */
function keptIndices(set: FeatureSet): number[] {
  return set === 'transfer'
    ? TRANSFER_FEATURES.map((n) => FEATURE_NAMES.indexOf(n))
    : FEATURE_NAMES.map((n, i) => (set === 'all' || !LENGTH_FEATURES.includes(n) ? i : -1)).filter((i) => i >= 0);
}

/** A feature set's vector from the full `features` vector (what the set's encoder gives, without a second pass over the text). */
export function featureSetVector(full: ArrayLike<number>, set: FeatureSet): Float64Array {
  const keep = keptIndices(set);
  const f = Float64Array.from(full);
  const out = new Float64Array(keep.length + (set === 'transfer' ? TRANSFER_DERIVED.length : 0));
  keep.forEach((j, r) => (out[r] = f[j]));
  if (set === 'transfer') out.set(derivedTransfer(f), keep.length);
  return out;
}

export function createFeaturesEncoder(set: FeatureSet = 'all'): Encoder {
  const keep = keptIndices(set);
  const derived = set === 'transfer' ? TRANSFER_DERIVED.length : 0;
  return {
    spec: set === 'all' ? 'features' : `features:${set}`,
    id: set === 'all' ? featuresEncoderId() : createHash('sha256').update(`${featuresEncoderId()}:${set}${set === 'transfer' ? `:${JSON.stringify([TRANSFER_FEATURES, TRANSFER_DERIVED])}` : ''}`).digest('hex'),
    dim: keep.length + derived,
    names: [...keep.map((i) => FEATURE_NAMES[i]), ...(derived ? TRANSFER_DERIVED : [])],
    async encode(texts: readonly string[], opts: EncodeOptions = {}): Promise<Float32Array[]> {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i++) {
        const f = textFeatures(texts[i]);
        const v = new Float32Array(keep.length + derived);
        keep.forEach((j, r) => (v[r] = f[j]));
        if (derived) v.set(derivedTransfer(f), keep.length);
        out.push(v);
        if ((i + 1) % 200 === 0 || i + 1 === texts.length) opts.onProgress?.(i + 1, texts.length);
      }
      return out;
    },
  };
}
