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
export type FeatureSet = 'all' | 'rates';

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

export function createFeaturesEncoder(set: FeatureSet = 'all'): Encoder {
  const keep = FEATURE_NAMES.map((n, i) => (set === 'all' || !LENGTH_FEATURES.includes(n) ? i : -1)).filter((i) => i >= 0);
  return {
    spec: set === 'all' ? 'features' : `features:${set}`,
    id: set === 'all' ? featuresEncoderId() : createHash('sha256').update(`${featuresEncoderId()}:${set}`).digest('hex'),
    dim: keep.length,
    names: keep.map((i) => FEATURE_NAMES[i]),
    async encode(texts: readonly string[], opts: EncodeOptions = {}): Promise<Float32Array[]> {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i++) {
        const f = textFeatures(texts[i]);
        out.push(Float32Array.from(keep, (j) => f[j]));
        if ((i + 1) % 200 === 0 || i + 1 === texts.length) opts.onProgress?.(i + 1, texts.length);
      }
      return out;
    },
  };
}
