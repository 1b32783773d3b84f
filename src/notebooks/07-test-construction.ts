/**
 * What notebook 07 (test construction) computes, as library calls: the sizes of fast and default runs, the
 * vocabulary-scale box plot groups and ablation table, pseudowords next to real words of the same difficulty,
 * passage-scale breakpoint AUCs and one OneStopEnglish article's three versions, and the bank's histograms.
 * Fast mode (CEFRLAB_FAST=1) shrinks every run so the notebook finishes in well under two minutes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CEFR_LEVELS } from '../corpus/cefr';
import { binOf, BIN_COUNT, binRange } from '../scale/cefr-scale';
import { evaluateVocabScale, trainVocabScale, trainWordCharLm, type VocabEvalResult, type VocabScale } from '../scale/vocab';
import { loadFrequencyList, loadVocabProfile, type ProfileWord } from '../scale/data';
import { trainPassageScale, evaluateHeldOut, type PassageScale } from '../scale/passage';
import { loadOneStop, ONESTOP_LEVELS, splitOneStop } from '../scale/passage-data';
import { DEFAULT_PASSAGE_DIR, DEFAULT_VOCAB_DIR, loadPassageScale, loadVocabScale } from '../scale/store';
import { Rng } from '../runtime/rng';
import { isFast } from './fast';
import { escapeHtml } from '../plot/html';
import type { Item } from '../items/types';

export interface Notebook07Settings {
  fast: boolean;
  /** Labelled words used by the notebook's evaluation (all in default mode). */
  evalWords: number | null;
  folds: number;
  maxIter: number;
  /** Frequency-list types for the character model (all in default mode). */
  lmTypes: number | null;
  passageLimit: number | null;
  pseudowords: number;
  frequentWords: number;
  perBin: number;
}

export function notebook07Settings(env: NodeJS.ProcessEnv = process.env): Notebook07Settings {
  const fast = isFast(env);
  return fast
    ? { fast, evalWords: 1200, folds: 3, maxIter: 25, lmTypes: 15000, passageLimit: 400, pseudowords: 300, frequentWords: 1500, perBin: 8 }
    : { fast, evalWords: null, folds: 5, maxIter: 25, lmTypes: null, passageLimit: null, pseudowords: 3000, frequentWords: 8000, perBin: 30 };
}

/** A seeded subsample of the labelled words (all when n is null). */
export function profileSample(n: number | null, seed = 0): ProfileWord[] {
  const all = loadVocabProfile();
  if (n == null || n >= all.length) return all;
  return new Rng(seed).shuffle([...all]).slice(0, n).sort((a, b) => (a.word < b.word ? -1 : 1));
}

/** The vocabulary scale for the notebook: the saved one in default mode when present, else trained now. */
export function notebookVocabScale(s: Notebook07Settings): { scale: VocabScale; source: string } {
  if (!s.fast && fs.existsSync(path.join(DEFAULT_VOCAB_DIR, 'vocab-scale.json'))) return { scale: loadVocabScale(), source: `loaded from ${path.relative(process.cwd(), DEFAULT_VOCAB_DIR)}` };
  const freq = loadFrequencyList();
  const lm = trainWordCharLm({}, s.lmTypes ? freq.slice(0, s.lmTypes) : freq);
  return { scale: trainVocabScale({ maxIter: s.maxIter }, lm, s.fast ? profileSample(3000) : loadVocabProfile()), source: s.fast ? 'trained now (fast mode: 15,000 types, 3,000 words)' : 'trained now' };
}

export function notebookVocabEval(s: Notebook07Settings, scale: VocabScale): VocabEvalResult {
  return evaluateVocabScale({ folds: s.folds, maxIter: s.maxIter, lm: scale.lm, profile: profileSample(s.evalWords) });
}

export function notebookPassageScale(s: Notebook07Settings): { scale: PassageScale; source: string } {
  if (!s.fast && fs.existsSync(path.join(DEFAULT_PASSAGE_DIR, 'passage-scale.json'))) return { scale: loadPassageScale(), source: `loaded from ${path.relative(process.cwd(), DEFAULT_PASSAGE_DIR)}` };
  return {
    scale: trainPassageScale(s.passageLimit ? { limit: s.passageLimit, cefrPairs: 4000, parallelPairs: 3000, maxIter: 40 } : {}),
    source: s.passageLimit ? `trained now (fast mode: ${s.passageLimit} CEFR-SP sentences)` : 'trained now',
  };
}

/** Box plot groups: cross-validated δ of each labelled word, by its level. */
export function vocabBoxGroups(r: VocabEvalResult, which: 'predictedXV' | 'predictedAll' = 'predictedXV'): Array<[string, number[]]> {
  return CEFR_LEVELS.map((l) => [l, r.words.filter((w) => w.level === l).map((w) => w[which])] as [string, number[]]).filter(([, v]) => v.length > 0);
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3).replace(/^0/, '') : '-');

/** The Table 3 layout: model x feature set, r_ALL and r_XV, with the paper's numbers beside. */
export function ablationTableHtml(r: VocabEvalResult): string {
  const paper: Record<string, [number, number]> = {
    'linear|all features': [0.98, 0.3], 'linear|w/o character length': [0.98, 0.31], 'linear|w/o log-likelihood': [0.98, 0.34], 'linear|w/o Fisher score': [0.38, 0.38],
    'softmax|all features': [0.9, 0.56], 'softmax|w/o character length': [0.91, 0.56], 'softmax|w/o log-likelihood': [0.89, 0.51], 'softmax|w/o Fisher score': [0.46, 0.46],
  };
  const rows = r.ablations
    .map((a) => {
      const p = paper[`${a.model}|${a.features}`];
      return `<tr><td>${a.model === 'softmax' ? 'weighted softmax' : 'linear'}</td><td>${escapeHtml(a.features)}</td><td>${f3(a.rAll)}</td><td>${f3(a.rXV)}</td><td style="color:#777">${p ? f3(p[0]) : ''}</td><td style="color:#777">${p ? f3(p[1]) : ''}</td></tr>`;
    })
    .join('');
  return `<table><thead><tr><th>model</th><th>features</th><th>r<sub>ALL</sub></th><th>r<sub>XV</sub> (${r.folds}-fold)</th><th>paper r<sub>ALL</sub></th><th>paper r<sub>XV</sub></th></tr></thead><tbody>${rows}</tbody></table><p style="font-size:0.85em">${r.n} labelled words.</p>`;
}

/** For each bin: a few real words and a few pseudowords the scale puts there. */
export function wordsBesidePseudowords(scale: VocabScale, realWords: string[], pseudowords: string[], perBin = 4): Array<{ bin: number; range: string; words: string[]; pseudowords: string[] }> {
  const wb: string[][] = Array.from({ length: BIN_COUNT }, () => []);
  const pb: string[][] = Array.from({ length: BIN_COUNT }, () => []);
  for (const w of realWords) wb[binOf(scale.predict(w))].push(w);
  for (const w of pseudowords) pb[binOf(scale.predict(w))].push(w);
  return wb
    .map((ws, b) => ({ bin: b, range: binRange(b).join('-'), words: ws.slice(0, perBin), pseudowords: pb[b].slice(0, perBin) }))
    .filter((r) => r.words.length > 0 || r.pseudowords.length > 0);
}

/** One held-out OneStopEnglish article's three versions scored by the passage scale (δ and ranking score). */
export function oneStopVersions(scale: PassageScale, articleIndex = 0, seed = 0): { article: string; rows: Array<{ level: string; words: number; difficulty: number; rank: number; start: string }> } {
  const { test } = splitOneStop(loadOneStop(), seed);
  const a = test[articleIndex % test.length];
  return {
    article: a.article,
    rows: ONESTOP_LEVELS.map((l) => ({ level: l, words: a.versions[l].split(/\s+/).length, difficulty: scale.predict(a.versions[l]), rank: scale.rank(a.versions[l]), start: a.versions[l].slice(0, 140).replace(/\s+/g, ' ') + '…' })),
  };
}

export { evaluateHeldOut };

/** Difficulty per format, for the bank histogram. */
export function bankDifficulties(items: Item[]): Array<[string, number[]]> {
  return (['yesno', 'ctest'] as const).map((f) => [f === 'yesno' ? 'yes/no' : 'C-test', items.filter((i) => i.format === f).map((i) => i.difficulty)] as [string, number[]]);
}
