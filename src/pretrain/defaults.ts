/**
 * The defaults of `pretrain` (pretrain.ts), the settings of the shipped base model. A module without imports, so
 * that the command line builds its help from these values without loading the pipeline.
 */
export const PRETRAIN_DEFAULTS = {
  examplesPerDoc: 3,
  seqLen: 256,
  p: 0.03,
  model: 'tiny',
  dropout: 0,
  batchSize: 16,
  accum: 1,
  lr: 1.5e-3,
  warmupSteps: 100,
  schedule: 'cosine' as 'constant' | 'cosine',
  weightDecay: 0.01,
  clip: 1.0,
  contextSample: 0.25,
  maxSteps: 2800,
  evalEverySteps: 200,
  evalMaxExamples: 128,
  validMaxExamples: 1000,
  // stage 2, from stage 1's weights: one blanked word per example of at most 40 words, 64 examples of 64
  // tokens a step (as many tokens as a stage-1 step, 16 times the clean one-blank answers), stage 1's examples
  // mixed in; see the module comment and BENCHMARKS.md (`--word-steps 0` exports stage 1 alone)
  wordSteps: 4000,
  wordMaxWords: 40,
  // CEFR-SP's sentences are grouped, not cut: two a piece keeps them near the other pieces' length
  wordSentencesPerDoc: 2,
  wordSeqLen: 64,
  wordBatchSize: 64,
  wordLr: 1e-3,
  wordWarmupSteps: 20,
  wordContextSample: 0.25,
  wordExamplesPerDoc: 2,
  wordInitialExamplesPerDoc: 0,
  wordMix: true,
  wordLayers: 0,
  // stage 3, from stage 2's weights: one blanked word per example again, in pieces up to 90 words (learner texts
  // of notebook 05 are about 60), 32 x 128 a step, a twentieth of the context targets (a step costs about what
  // a stage-2 step does; BENCHMARKS.md, "Word blanks at the positions of whole texts")
  longSteps: 10000,
  longMaxWords: 90,
  longSeqLen: 128,
  longBatchSize: 32,
  longLr: 5e-4,
  longWarmupSteps: 50,
  longContextSample: 0.05,
  longExamplesPerDoc: 6,
  // stage 4 (off: it made the base worse; BENCHMARKS.md, "Several blanks per piece"), from stage 3's weights:
  // stage 3's pieces with a quarter of the function words and a twentieth of the other words blanked (about a
  // dozen answers per example for one pass over its context, where stage 3 trains one)
  denseSteps: 0,
  denseP: 0.05,
  denseFunctionP: 0.25,
  denseLr: 3e-4,
};
