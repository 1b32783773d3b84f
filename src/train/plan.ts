/**
 * The shape of the notebooks' training plan (its values are `notebookPlan()`, src/pretrain/notebook-plan.ts): by
 * default real short runs of the `tiny` preset, long enough for the loss to fall visibly; under the test suite's
 * fast setting (CEFRLAB_FAST=1) the same code runs a handful of steps. Also: which CEFR levels have enough
 * documents for a model of their own.
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
