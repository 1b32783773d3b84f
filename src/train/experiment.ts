/**
 * Train an experiment from an examples directory: what `cefrlab train EXP_DIR EXAMPLES_DIR` and the notebooks
 * call. Opens EXAMPLES_DIR/<train tag> and EXAMPLES_DIR/<eval tag> and runs the training loop (loop.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openExamples } from '../ilm/store-open';
import { ConcatSource } from '../objective/batch';
import { train, TrainOptions, TrainResult } from './loop';
import { MetricRecord, readMetrics } from './metrics';
import { manifestPath } from './run-manifest';

export interface ExperimentOptions extends TrainOptions {
  trainTag: string;
  /** Evaluation set tag; null trains without evaluation (no best checkpoint, no patience). */
  evalTag: string | null;
  /** More training sets, drawn with the main one in one shuffled order (each opened at the same --seq-len). */
  alsoTrainOn?: Array<{ examplesDir: string; tag: string }>;
}

export { TRAIN_DEFAULTS } from './defaults';
import { TRAIN_DEFAULTS } from './defaults';

export async function trainExperiment(expDir: string, examplesDir: string, opts: ExperimentOptions): Promise<TrainResult> {
  // Built at --seq-len directly, so that a shorter length shortens each example around its blanks.
  const trainSet = openExamples(examplesDir, opts.trainTag, opts.seqLen);
  const evalSet = opts.evalTag ? openExamples(examplesDir, opts.evalTag, opts.seqLen) : null;
  const extra = (opts.alsoTrainOn ?? []).map((x) => openExamples(x.examplesDir, x.tag, opts.seqLen ?? trainSet.source.seqLen));
  return train(expDir, {
    train: extra.length ? new ConcatSource([trainSet.source, ...extra.map((x) => x.source)]) : trainSet.source,
    eval: evalSet ? evalSet.source : null,
    description: {
      examplesDir: manifestPath(expDir, examplesDir),
      trainTag: opts.trainTag,
      evalTag: opts.evalTag ?? '',
      level: trainSet.level === undefined ? 'unknown' : trainSet.level ?? 'all',
      trainMask: trainSet.header.masking.mask,
      ...(extra.length ? { alsoTrainOn: extra.map((x) => `${manifestPath(expDir, x.dir)} (${x.header.masking.mask}, ${x.source.count} examples)`).join('; ') } : {}),
    },
  }, { ...opts, alsoTrainOn: undefined } as TrainOptions);
}

/** The metrics of an experiment (for curves in notebooks). */
export function experimentMetrics(expDir: string): MetricRecord[] {
  return readMetrics(path.join(expDir, 'metrics.jsonl'));
}
