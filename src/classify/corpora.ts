/**
 * The two CEFR-labelled corpora embedded for classification (notebook 06, the cross-corpus study, benchmarks):
 * their files, loading them with CEFR-SP split by its own split, and stratified subsets of rows.
 */
import * as path from 'node:path';
import { Rng } from '../runtime/rng';
import { dataDir } from '../runtime/paths';
import { CEFR_LEVELS } from '../corpus/cefr';
import { readLabelledCsv, type LabelledText } from './data';
import { stratifiedSample } from '../model-selection/folds';

export const ASAG_CSV = path.join(dataDir, 'cefr-asag', 'cefr_asag_4col.csv');
export const SP_CSV = path.join(dataDir, 'cefr-sp', 'cefr_sp_public.csv');

/** A stratified subset of rows (class proportions kept), in file order; all rows when n >= their number. */
export function sampleRows(rows: readonly LabelledText[], n: number, seed = 0): LabelledText[] {
  if (n >= rows.length) return rows.slice();
  const y = rows.map((r) => CEFR_LEVELS.indexOf(r.level!));
  return stratifiedSample(y, n, Rng.derive(seed, 'notebook-sample', n)).map((i) => rows[i]);
}

export interface Corpora {
  asag: LabelledText[];
  /** CEFR-SP sentences of its train and dev splits (the training side) and of its test split. */
  spTrain: LabelledText[];
  spTest: LabelledText[];
}

/**
 * CEFR-ASAG (learner answers, `cefr_level`) and CEFR-SP (sentences; the level is `cefr_max`, the higher of
 * the two teachers' ratings, as the embedded merge provides it), CEFR-SP split by its own `split` column.
 */
export function loadCorpora(plan: { spTrainRows: number; spTestRows: number }): Corpora {
  const asag = readLabelledCsv(ASAG_CSV);
  const sp = readLabelledCsv(SP_CSV, { textColumn: 'sentence', levelColumn: 'cefr_max', idColumn: 'id' });
  // the split column is not read by readLabelledCsv: ids carry it (`SCoRE-train-0`, `Wiki-Auto-test-12`, ...)
  const isTest = (r: LabelledText) => /-test-/.test(r.id);
  return {
    asag,
    spTrain: sampleRows(sp.filter((r) => !isTest(r)), plan.spTrainRows),
    spTest: sampleRows(sp.filter(isTest), plan.spTestRows),
  };
}
