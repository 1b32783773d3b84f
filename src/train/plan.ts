/**
 * The sizes of the notebooks' training runs, in one place. By default a real short run: the general model and
 * the per-level models together train for about six minutes on a 2-core CPU with the `tiny` preset, long enough
 * for the loss to fall visibly. Under the test suite's fast setting (CEFRLAB_FAST=1) the same code runs a
 * handful of steps. Also: which CEFR levels have enough documents for a model of their own.
 */
import { CEFR_LEVELS } from '../corpus/cefr';
import type { PrepareManifest } from '../corpus/prepare';

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

export function isFast(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CEFRLAB_FAST === '1';
}

/**
 * Sequence length 256 (the reference's): learner texts are long enough that 128 tokens would cut the answers off
 * more than half of the examples. Batch 4 without accumulation keeps a step near one second.
 */
export function notebookPlan(env: NodeJS.ProcessEnv = process.env): NotebookPlan {
  const fast = isFast(env);
  return {
    fast,
    model: 'tiny',
    seqLen: 256,
    batchSize: 4,
    accum: 1,
    general: fast
      ? { maxSteps: 3, evalEverySteps: 2, evalMaxExamples: 8, lr: 1e-3, warmupSteps: 1 }
      : { maxSteps: 200, evalEverySteps: 25, evalMaxExamples: 48, lr: 1e-3, warmupSteps: 10 },
    level: fast
      ? { maxSteps: 2, evalEverySteps: 1, evalMaxExamples: 8, lr: 5e-4, warmupSteps: 0 }
      : { maxSteps: 40, evalEverySteps: 20, evalMaxExamples: 48, lr: 5e-4, warmupSteps: 0 },
    testMaxExamples: fast ? 8 : 48,
    minLevelDocuments: 100,
  };
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
