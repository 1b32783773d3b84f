/**
 * The sizes of the training runs of notebooks 03-05, in one place, and which CEFR levels have enough documents
 * for a model of their own. As the guide fine-tunes every model from
 * GPT-2, every notebook model starts from the shipped base ILM (data/models/base, `init: BASE_MODEL_DIR`): the
 * general model on all levels, each level model on its level alone (same start, different data), and the
 * left-to-right baseline of notebook 05 with the general model's budget. `npm start` never retrains the base.
 *
 * Step counts: 40 for the general model and for each level model (A2, B1, B2) in notebook 03, and 40 for the
 * baseline in notebook 05: 200 fine-tuning steps of the `tiny` preset at batch 4 x 256. Every model gets the same
 * budget, so notebook 04's comparison of a level model with the general one compares data, not run lengths
 * (with 15 steps a level the gains were -9.2 %, 1.6 % and 1.7 %; with 40, -2.6 %, 11.7 % and 7.0 %). On
 * 2026-12-04 (AMD EPYC, 2 cores) the whole `npm start` took about 7 minutes; on the slower machine of 2026-12-02,
 * 12 min 9 s with 40 + 3 x 15 + 40 steps. Under the test suite's fast setting (CEFRLAB_FAST=1) the same code runs
 * a handful of steps.
 */
import { CEFR_LEVELS } from '../corpus/cefr';
import type { PrepareManifest } from '../corpus/prepare';
import { BASE_MODEL_DIR } from '../pretrain/base';
import { isFast } from './fast';

export interface RunSize {
  maxSteps: number;
  evalEverySteps: number;
  evalMaxExamples: number;
}

export interface NotebookPlan {
  fast: boolean;
  model: string;
  seqLen: number;
  batchSize: number;
  accum: number;
  general: RunSize & { lr: number; warmupSteps: number };
  level: RunSize & { lr: number; warmupSteps: number };
  /** Test examples per set in the evaluation notebook. */
  testMaxExamples: number;
  /** A level gets its own model only with at least this many documents (all splits). */
  minLevelDocuments: number;
}

export interface LevelChoice {
  level: string;
  documents: number;
  train: boolean;
}

/** Documents per level in a `prepare` manifest (all splits) and whether each gets its own model. */
export function levelsWithEnoughData(manifest: PrepareManifest, minDocuments: number): LevelChoice[] {
  return CEFR_LEVELS.map((level) => {
    const documents = Object.values(manifest.splits).reduce((sum, s) => sum + (s.byLevel[level] ?? 0), 0);
    return { level, documents, train: documents >= minDocuments };
  }).filter((c) => c.documents > 0);
}

export interface FineTunePlan extends NotebookPlan {
  /** The model every notebook run starts from. */
  init: string;
}

/**
 * Sequence length 256 (the reference's and the base model's). Batch 4 without accumulation; a constant
 * fine-tuning rate of 5e-5, the rate the base's last pretraining stage ended at and the reference's own
 * fine-tuning rate (`train --init`'s default), with a short warm-up. A higher rate undoes what the base learnt:
 * 3e-4 most of its blanks (notebook 05: ILM 1,258 against 691 with 1e-4, on the stage-2 base), 1e-4 two of its
 * minimal pairs (BENCHMARKS.md, "Fine-tuning at the rate the base ended at").
 */
export function notebookPlan(env: NodeJS.ProcessEnv = process.env): FineTunePlan {
  const fast = isFast(env);
  const budget = fast
    ? { maxSteps: 3, evalEverySteps: 2, evalMaxExamples: 8, lr: 5e-5, warmupSteps: 1 }
    : { maxSteps: 40, evalEverySteps: 20, evalMaxExamples: 48, lr: 5e-5, warmupSteps: 8 };
  return {
    fast,
    init: BASE_MODEL_DIR,
    model: 'tiny',
    seqLen: 256,
    batchSize: 4,
    accum: 1,
    general: { ...budget },
    level: { ...budget },
    testMaxExamples: fast ? 8 : 48,
    minLevelDocuments: 100,
  };
}
