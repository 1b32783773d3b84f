/**
 * Defaults of `cefrlab train` (a light module: the command line reads them to build its help without loading
 * TensorFlow.js). `batchSize` is where `--batch-size auto` starts; `lr` is the fine-tuning rate that applies
 * with --init (without --init and without --lr the from-scratch schedule of schedule.ts applies).
 */
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
