/**
 * Grammatical minimal pairs: a sentence with one blank (`[MASK]`), the grammatical filler and an ungrammatical
 * one ("Every morning he [MASK] to school by bus." goes / go). A model gets a pair right when `rank`
 * (src/infill/rank.ts) gives the grammatical filler the strictly higher log-probability (fill tokens plus the
 * end-of-answer token; with `rank`'s default scoring, `with-next-word`, followed by the word after the blank).
 * Accuracy is reported per category and overall; chance is 50 %.
 *
 * File format (data/minimal-pairs/minimal-pairs.tsv): UTF-8, tab-separated, lines starting with `#` and blank
 * lines ignored, a header `category, sentence, correct, wrong`, then one pair a line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GPT2 } from '../model/gpt2';
import { DEFAULT_RANK_SCORING, type RankScoring } from '../infill/rank-scoring';
import { UserError, locate } from '../runtime/errors';
import { dataDir } from '../runtime/paths';

export const MINIMAL_PAIRS_FILE = path.join(dataDir, 'minimal-pairs', 'minimal-pairs.tsv');
const HEADER = ['category', 'sentence', 'correct', 'wrong'];

export interface MinimalPair {
  category: string;
  sentence: string;
  correct: string;
  wrong: string;
  /** Line in the file (1-based). */
  line: number;
}

/** Parse the TSV text of a minimal-pair file; `file` names it in errors. */
export function parseMinimalPairs(text: string, file = 'minimal pairs'): MinimalPair[] {
  const pairs: MinimalPair[] = [];
  let header = false;
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim() || raw.startsWith('#')) return;
    const cells = raw.split('\t').map((c) => c.trim());
    if (!header) {
      if (cells.join(',') !== HEADER.join(',')) throw new UserError(locate(file, line, `the header must be ${HEADER.join(' TAB ')}, got "${raw}"`, 'put the header line first (after # comments)'));
      header = true;
      return;
    }
    if (cells.length !== 4 || cells.some((c) => !c)) throw new UserError(locate(file, line, `expected 4 non-empty tab-separated cells, got ${cells.length}`, 'write category TAB sentence TAB correct TAB wrong'));
    const [category, sentence, correct, wrong] = cells;
    const blanks = sentence.match(/\[MASK\]/g)?.length ?? 0;
    if (blanks !== 1) throw new UserError(locate(file, line, `the sentence must have exactly one [MASK], it has ${blanks}`, 'write one [MASK] where the filler goes'));
    if (correct === wrong) throw new UserError(locate(file, line, `the two fillers are the same ("${correct}")`, 'give a grammatical and an ungrammatical filler'));
    pairs.push({ category, sentence, correct, wrong, line });
  });
  if (!header) throw new UserError(locate(file, null, 'no header line', `start with ${HEADER.join(' TAB ')}`));
  return pairs;
}

/** Read a minimal-pair file (default: the embedded one). */
export function readMinimalPairs(file = MINIMAL_PAIRS_FILE): MinimalPair[] {
  if (!fs.existsSync(file)) throw new UserError(`${file}: not found. Fix: restore data/minimal-pairs/minimal-pairs.tsv from the repository or pass an existing file`);
  return parseMinimalPairs(fs.readFileSync(file, 'utf8'), file);
}

export interface PairResult extends MinimalPair {
  correctLogProb: number;
  wrongLogProb: number;
  /** True when the grammatical filler is strictly more probable. */
  right: boolean;
}

export interface CategoryAccuracy {
  category: string;
  pairs: number;
  right: number;
  accuracy: number;
}

export interface MinimalPairReport {
  /** How `rank` scored the fillers. */
  scoring: RankScoring;
  results: PairResult[];
  /** Per category in order of first appearance, then the overall row ("all"). */
  byCategory: CategoryAccuracy[];
  overall: CategoryAccuracy;
}

/** Score every pair with `rank` (one blank, two candidates), scored as `scoring` says (default: `rank`'s). */
export async function scoreMinimalPairs(model: GPT2, pairs: MinimalPair[], scoring: RankScoring = DEFAULT_RANK_SCORING): Promise<MinimalPairReport> {
  const { rank } = require('../infill/rank') as typeof import('../infill/rank');
  const results: PairResult[] = [];
  for (const p of pairs) {
    const ranked = await rank(model, p.sentence, [p.correct, p.wrong], { scoring });
    const lp = (c: string) => ranked.find((r) => r.candidate === c)!.logProb;
    const correctLogProb = lp(p.correct);
    const wrongLogProb = lp(p.wrong);
    results.push({ ...p, correctLogProb, wrongLogProb, right: correctLogProb > wrongLogProb });
  }
  return { scoring, results, ...accuracyByCategory(results) };
}

/** Accuracy per category (order of first appearance) and overall. */
export function accuracyByCategory(results: Array<{ category: string; right: boolean }>): { byCategory: CategoryAccuracy[]; overall: CategoryAccuracy } {
  const map = new Map<string, { pairs: number; right: number }>();
  for (const r of results) {
    const c = map.get(r.category) ?? { pairs: 0, right: 0 };
    c.pairs++;
    if (r.right) c.right++;
    map.set(r.category, c);
  }
  const row = (category: string, c: { pairs: number; right: number }): CategoryAccuracy => ({ category, pairs: c.pairs, right: c.right, accuracy: c.pairs ? c.right / c.pairs : 0 });
  const total = results.reduce((s, r) => ({ pairs: s.pairs + 1, right: s.right + (r.right ? 1 : 0) }), { pairs: 0, right: 0 });
  return { byCategory: [...map].map(([k, c]) => row(k, c)), overall: row('all', total) };
}
