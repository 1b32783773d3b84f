/**
 * Saved scales. A vocabulary scale directory holds `charlm.json` (the character model's adjusted counts),
 * `vocab-scale.json` (feature space and weights) and `manifest.json`; a passage scale directory holds
 * `passage-scale.json` and `manifest.json` (the unigram model is the embedded frequency list, checked by hash).
 * Loading never retrains. Files are written atomically; no time stamps, so the same data, options and seed give
 * the same bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDirAtomic } from '../runtime/atomic';
import { sha256File } from '../runtime/hash';
import { versions } from '../runtime/versions';
import { experimentsDir } from '../runtime/paths';
import { UserError } from '../runtime/errors';
import { CharLm, type CharLmData } from '../charlm/kn';
import { VocabScale, type VocabScaleData } from './vocab';
import { PassageScale, defaultUnigram, type PassageScaleData } from './passage';
import { CEFRJ_FILE, FREQ_FILE, OCTANOVE_FILE } from './data';
import { CEFR_SP_FILE, ONESTOP_FILE } from './passage-data';

export const DEFAULT_VOCAB_DIR = path.join(experimentsDir, 'scale', 'vocab');
export const DEFAULT_PASSAGE_DIR = path.join(experimentsDir, 'scale', 'passage');

/** Numbers rounded to 12 significant digits so JSON is compact and stable. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v));
}

async function inputs(files: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of files) out[path.relative(path.dirname(path.dirname(f)), f)] = await sha256File(f);
  return out;
}

export async function saveVocabScale(scale: VocabScale, dir = DEFAULT_VOCAB_DIR, extra: Record<string, unknown> = {}): Promise<string> {
  const inputHashes = await inputs([FREQ_FILE, CEFRJ_FILE, OCTANOVE_FILE]);
  await buildDirAtomic(dir, (tmp) => {
    fs.writeFileSync(path.join(tmp, 'charlm.json'), stable(scale.lm.toData()) + '\n');
    fs.writeFileSync(path.join(tmp, 'vocab-scale.json'), stable(scale.data) + '\n');
    const manifest = { kind: 'vocab-scale', options: { ...scale.data.lmOptions, model: scale.data.model, l2: scale.data.l2, maxIter: scale.data.maxIter }, seed: 0, inputs: inputHashes, ngrams: scale.lm.sizes(), features: 2 + scale.data.space.grams.length, ...extra, versions: versions() };
    fs.writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  });
  return dir;
}

export function loadVocabScale(dir = DEFAULT_VOCAB_DIR): VocabScale {
  const f = path.join(dir, 'vocab-scale.json');
  if (!fs.existsSync(f)) throw new UserError(`${f} not found. Fix: train it first: npx cefrlab scale vocab train --out ${dir}`);
  const lm = CharLm.fromData(JSON.parse(fs.readFileSync(path.join(dir, 'charlm.json'), 'utf8')) as CharLmData);
  return new VocabScale(lm, JSON.parse(fs.readFileSync(f, 'utf8')) as VocabScaleData);
}

export async function savePassageScale(scale: PassageScale, dir = DEFAULT_PASSAGE_DIR, extra: Record<string, unknown> = {}): Promise<string> {
  const inputHashes = await inputs([FREQ_FILE, CEFR_SP_FILE, ONESTOP_FILE]);
  await buildDirAtomic(dir, (tmp) => {
    fs.writeFileSync(path.join(tmp, 'passage-scale.json'), stable(scale.data) + '\n');
    const manifest = { kind: 'passage-scale', options: scale.data.options, seed: scale.data.options.seed, inputs: inputHashes, counts: scale.data.counts, features: 3 + scale.data.space.words.length, ...extra, versions: versions() };
    fs.writeFileSync(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  });
  return dir;
}

export function loadPassageScale(dir = DEFAULT_PASSAGE_DIR): PassageScale {
  const f = path.join(dir, 'passage-scale.json');
  if (!fs.existsSync(f)) throw new UserError(`${f} not found. Fix: train it first: npx cefrlab scale passage train --out ${dir}`);
  return new PassageScale(defaultUnigram(), JSON.parse(fs.readFileSync(f, 'utf8')) as PassageScaleData);
}

/** Load from `dir` when it holds a model, else null. */
export function tryLoad<T>(dir: string, load: (d: string) => T, file: string): T | null {
  return fs.existsSync(path.join(dir, file)) ? load(dir) : null;
}
