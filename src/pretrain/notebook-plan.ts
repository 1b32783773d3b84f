/**
 * The sizes of the training runs of notebooks 03-05, in one place. As the guide fine-tunes every model from
 * GPT-2, every notebook model starts from the shipped base ILM (data/models/base, `init: BASE_MODEL_DIR`): the
 * general model on all levels, each level model on its level alone (same start, different data), and the
 * left-to-right baseline of notebook 05 with the general model's budget. `npm start` never retrains the base.
 *
 * Step counts: 50 (general) + 3 x 20 (levels A2, B1, B2) in notebook 03 and 50 (baseline) in notebook 05, 160
 * fine-tuning steps of the `tiny` preset at batch 4 x 256. Measured on 2026-12-01 on an idle 2-core machine with
 * the earlier 480-step plan (150 + 3 x 60 + 150): notebook 03 took 530 s and 05 240 s, and the whole `npm start`
 * about 1,210 s, over its 15-minute budget; these counts bring it to about 12-13 minutes (1.6 s per step with
 * the evaluations). Under the test suite's fast setting (CEFRLAB_FAST=1) the same code runs a handful of steps.
 */
import { isFast, type NotebookPlan } from '../train/plan';
import { BASE_MODEL_DIR } from './base';

export { levelsWithEnoughData, isFast } from '../train/plan';

export interface FineTunePlan extends NotebookPlan {
  /** The model every notebook run starts from. */
  init: string;
}

/**
 * Sequence length 256 (the reference's and the base model's). Batch 4 without accumulation; a constant
 * fine-tuning rate below the base's pretraining rate (1e-3), with a short warm-up.
 */
export function notebookPlan(env: NodeJS.ProcessEnv = process.env): FineTunePlan {
  const fast = isFast(env);
  return {
    fast,
    init: BASE_MODEL_DIR,
    model: 'tiny',
    seqLen: 256,
    batchSize: 4,
    accum: 1,
    general: fast
      ? { maxSteps: 3, evalEverySteps: 2, evalMaxExamples: 8, lr: 3e-4, warmupSteps: 1 }
      : { maxSteps: 50, evalEverySteps: 25, evalMaxExamples: 48, lr: 3e-4, warmupSteps: 10 },
    level: fast
      ? { maxSteps: 2, evalEverySteps: 1, evalMaxExamples: 8, lr: 3e-4, warmupSteps: 1 }
      : { maxSteps: 20, evalEverySteps: 20, evalMaxExamples: 48, lr: 3e-4, warmupSteps: 5 },
    testMaxExamples: fast ? 8 : 48,
    minLevelDocuments: 100,
  };
}
