/**
 * Train an experiment from an examples directory: what `cefrlab train EXP_DIR EXAMPLES_DIR` and the notebooks
 * call. Opens EXAMPLES_DIR/<train tag> and EXAMPLES_DIR/<eval tag> and runs the training loop (loop.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openExamples } from './examples';
import { train, TrainOptions, TrainResult } from './loop';
import { MetricRecord, readMetrics } from './metrics';

export interface ExperimentOptions extends TrainOptions {
  trainTag: string;
  /** Evaluation set tag; null trains without evaluation (no best checkpoint, no patience). */
  evalTag: string | null;
}

export const TRAIN_DEFAULTS = {
  model: 'gpt2',
  seed: 0,
  trainTag: 'train',
  evalTag: 'valid',
  evalMaxExamples: 500,
  batchSize: 8,
  accum: 3,
  lr: 5e-5,
  warmupSteps: 0,
  weightDecay: 0,
  clip: 1.0,
  minimalSupervision: false,
};

export async function trainExperiment(expDir: string, examplesDir: string, opts: ExperimentOptions): Promise<TrainResult> {
  const trainSet = openExamples(examplesDir, opts.trainTag);
  const evalSet = opts.evalTag ? openExamples(examplesDir, opts.evalTag) : null;
  return train(expDir, {
    train: trainSet.source,
    eval: evalSet ? evalSet.source : null,
    description: {
      examplesDir: path.resolve(examplesDir),
      trainTag: opts.trainTag,
      evalTag: opts.evalTag ?? '',
      level: trainSet.level === undefined ? 'unknown' : trainSet.level ?? 'all',
      trainMask: trainSet.header.masking.mask,
    },
  }, opts);
}

/** The metrics of an experiment (for curves in notebooks). */
export function experimentMetrics(expDir: string): MetricRecord[] {
  return readMetrics(path.join(expDir, 'metrics.jsonl'));
}

/** The CEFR level an experiment was trained on ("all" for the general model), from its manifest. */
export function experimentLevel(expDir: string): string | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(expDir, 'manifest.json'), 'utf8')) as { data?: { level?: string } };
    const level = m.data?.level;
    return level && level !== 'unknown' ? level : null;
  } catch {
    return null;
  }
}
