/** `cefrlab pretrain`: train the base ILM shipped in data/models/base (src/pretrain/pretrain.ts). */
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors';
import type { PretrainCorpus } from '../../pretrain/corpus';
import { nonNegative, wholeNumber } from '../options';

function schedule(value: string | undefined): 'constant' | 'cosine' | undefined {
  if (value === undefined || value === 'constant' || value === 'cosine') return value;
  throw new UserError(`--schedule must be cosine or constant, got "${value}". Fix: --schedule cosine`);
}

interface PretrainCli {
  workDir?: string; out?: string; seed: number; model?: string; dropout?: number; maxSteps?: number; batchSize?: number; accum?: number; lr?: number;
  warmupSteps?: number; schedule?: string; weightDecay?: number; clip?: number; contextSample?: number; seqLen?: number; examplesPerDoc?: number; p?: number; maxWords?: number;
  validShare?: number; validMaxExamples?: number; wordSteps?: number; wordMaxWords?: number; wordSeqLen?: number; wordBatchSize?: number; wordLr?: number; wordWarmupSteps?: number; wordContextSample?: number; wordExamplesPerDoc?: number; wordInitialExamplesPerDoc?: number; wordLayers?: number; wordMix?: boolean; longSteps?: number; longMaxWords?: number; longSeqLen?: number; longBatchSize?: number; longLr?: number; longWarmupSteps?: number; longContextSample?: number; longExamplesPerDoc?: number; denseSteps?: number; denseP?: number; denseFunctionP?: number; denseLr?: number; evalEverySteps?: number; evalMaxExamples?: number; corpora?: string[]; restart: boolean; prepareOnly: boolean; exportOnly: boolean;
}

export function registerPretrain(program: Command): void {
  program
    .command('pretrain')
    .description(
      'Pretrain the base ILM model from random weights on the embedded English that is not the learner test corpus (Brown, ELLIPSE, ' +
        'OneStopEnglish, CEFR-SP; never CEFR-ASAG): corpus with a held-out part per corpus -> ILM examples with hierarchical masks -> ' +
        'training (resumes from its checkpoint when rerun) -> the best checkpoint in half precision with config.json, ' +
        'manifest.json (hashes, options, steps, validation perplexity per corpus) and README.md in --out (default data/models/base, what `train --init base` uses). ' +
        'Three stages, and an experimental fourth: stage 1 (hierarchical masks) is exported to WORK_DIR/stage1 (reused while its options match); stage 2, ' +
        '--word-steps steps on one-word blanks in short pieces, stage 1\'s examples mixed in, continues from it and is exported to WORK_DIR/stage2 ' +
        '(reused likewise); stage 3, --long-steps steps on one-word blanks in pieces of up to --long-max-words words, continues from that ' +
        'before the export to --out. With --dense-steps, stage 3 goes to WORK_DIR/stage3 (reused likewise) and stage 4, steps on the same pieces with function ' +
        'words blanked with probability --dense-function-p and other words with --dense-p, continues from it before the export (--long-steps 0: ' +
        'stage 2 goes to --out; --word-steps 0: stage 1 alone). Defaults: the settings of the shipped model (no stage 4).',
    )
    .option('--work-dir <dir>', 'corpus, examples and the training run (default experiments/pretrain-base)')
    .option('--out <dir>', 'where the exported model goes (default data/models/base)')
    .option('--seed <n>', 'seed of the held-out choice, masks, initialisation and data order', wholeNumber('--seed', 0), 0)
    .option('--model <preset>', 'architecture preset (default tiny)')
    .option('--dropout <x>', 'dropout while pretraining (default 0), also written to the exported config.json for fine-tuning', nonNegative('--dropout'))
    .option('--max-steps <n>', 'optimizer steps (default 2800, the shipped model)', wholeNumber('--max-steps', 1))
    .option('--schedule <kind>', 'cosine (default: decay to 0.1 x lr at --max-steps) or constant after warm-up (a finished run can then be continued by raising --max-steps)')
    .option('--batch-size <n>', 'examples per micro-batch (default 16)', wholeNumber('--batch-size', 1))
    .option('--accum <n>', 'micro-batches per step (default 1)', wholeNumber('--accum', 1))
    .option('--lr <x>', 'AdamW peak learning rate after warm-up (default 1.5e-3, a from-scratch rate for the tiny preset)', nonNegative('--lr'))
    .option('--warmup-steps <n>', 'linear warm-up steps (default 100)', wholeNumber('--warmup-steps', 0))
    .option('--weight-decay <x>', 'AdamW decoupled weight decay (default 0.01)', nonNegative('--weight-decay'))
    .option('--clip <x>', 'global gradient-norm limit (default 1)', nonNegative('--clip'))
    .option('--context-sample <x>', 'share of the context targets in the loss at each step, in (0, 1] (default 0.25; every answer token counts)', nonNegative('--context-sample'))
    .option('--seq-len <n>', 'example length in tokens (default 256)', wholeNumber('--seq-len', 16))
    .option('--examples-per-doc <n>', 'masked examples per training piece (default 3)', wholeNumber('--examples-per-doc', 1))
    .option('--p <x>', 'hierarchical mask probability (default 0.03)', nonNegative('--p'))
    .option('--max-words <n>', 'longest corpus piece in words (default 170)', wholeNumber('--max-words', 10))
    .option('--valid-share <x>', 'share of each corpus held out for validation (default 0.05)', nonNegative('--valid-share'))
    .option('--eval-every-steps <n>', 'evaluate on the held-out examples every n steps (default 200)', wholeNumber('--eval-every-steps', 1))
    .option('--eval-max-examples <n>', 'held-out examples per evaluation (default 128)', wholeNumber('--eval-max-examples', 1))
    .option('--valid-max-examples <n>', 'held-out examples per corpus for the exported perplexities (default 1000, 0: all)', wholeNumber('--valid-max-examples', 0))
    .option('--word-steps <n>', 'steps of stage 2, one-word blanks in short pieces, from stage 1\'s weights (default 4000, as the shipped base; 0: the base is stage 1 alone)', wholeNumber('--word-steps', 0))
    .option('--word-max-words <n>', 'stage 2: longest piece in words (default 40)', wholeNumber('--word-max-words', 10))
    .option('--word-seq-len <n>', 'stage 2: example length in tokens; longer examples are dropped (default 64)', wholeNumber('--word-seq-len', 16))
    .option('--word-batch-size <n>', 'stage 2: examples per step (default 64)', wholeNumber('--word-batch-size', 1))
    .option('--word-lr <x>', 'stage 2: AdamW peak learning rate, cosine decay to a tenth (default 1e-3)', nonNegative('--word-lr'))
    .option('--word-warmup-steps <n>', 'stage 2: linear warm-up steps (default 20)', wholeNumber('--word-warmup-steps', 0))
    .option('--word-context-sample <x>', 'stage 2: share of the context targets in the loss, in (0, 1] (default 0.25, as stage 1; lower makes a step cheaper)', nonNegative('--word-context-sample'))
    .option('--word-examples-per-doc <n>', 'stage 2: masked examples per training piece (default 2)', wholeNumber('--word-examples-per-doc', 1))
    .option('--word-initial-examples-per-doc <n>', 'stage 2: examples per training piece that blank the first word of a sentence, whose answer the right side decides (default 0: none)', wholeNumber('--word-initial-examples-per-doc', 0))
    .option('--word-layers <n>', 'stage 2: grow stage 1\'s model to n layers first, the new blocks appended as the identity (default 0: stage 1\'s depth)', wholeNumber('--word-layers', 0))
    .option('--no-word-mix', 'stage 2: train on the one-word examples alone (default: stage 1\'s hierarchical examples, cut to the same length, are drawn in too)')
    .option('--long-steps <n>', 'steps of stage 3, one-word blanks in longer pieces, from stage 2\'s weights, which are exported to WORK_DIR/stage2 and reused (default 10000, as the shipped base; 0: none)', wholeNumber('--long-steps', 0))
    .option('--long-max-words <n>', 'stage 3: longest piece in words (default 90)', wholeNumber('--long-max-words', 10))
    .option('--long-seq-len <n>', 'stage 3: example length in tokens; longer examples are dropped (default 128)', wholeNumber('--long-seq-len', 16))
    .option('--long-batch-size <n>', 'stage 3: examples per step (default 32)', wholeNumber('--long-batch-size', 1))
    .option('--long-lr <x>', 'stage 3: AdamW peak learning rate, cosine decay to a tenth (default 5e-4)', nonNegative('--long-lr'))
    .option('--long-warmup-steps <n>', 'stage 3: linear warm-up steps (default 50)', wholeNumber('--long-warmup-steps', 0))
    .option('--long-context-sample <x>', 'stage 3: share of the context targets in the loss, in (0, 1] (default 0.05)', nonNegative('--long-context-sample'))
    .option('--long-examples-per-doc <n>', 'stage 3: masked examples per training piece, each a different word (default 6)', wholeNumber('--long-examples-per-doc', 1))
    .option('--dense-steps <n>', 'steps of stage 4, stage 3\'s pieces with several one-word blanks each, from stage 3\'s weights, which are exported to WORK_DIR/stage3 and reused (default 0: none, an experiment the shipped base does not have); batch, length, warm-up and context share as stage 3', wholeNumber('--dense-steps', 0))
    .option('--dense-p <x>', 'stage 4: probability that a word other than a function word is blanked (default 0.05)', nonNegative('--dense-p'))
    .option('--dense-function-p <x>', 'stage 4: probability that a function word (src/ilm/function-words.ts) is blanked (default 0.25)', nonNegative('--dense-function-p'))
    .option('--dense-lr <x>', 'stage 4: AdamW peak learning rate, cosine decay to a tenth (default 3e-4)', nonNegative('--dense-lr'))
    .option('--corpora <names...>', 'only these corpora (brown ellipse onestopenglish cefr-sp)')
    .option('--restart', 'delete the run\'s checkpoints and start again instead of resuming', false)
    .option('--prepare-only', 'build the corpus and the examples, then stop', false)
    .option('--export-only', 'do not train: evaluate and export the run\'s best checkpoint as it is', false)
    .action(async (o: PretrainCli) => {
      // loaded here, not at the top: `--help` must not load TensorFlow.js (require: works under every loader)
      const { pretrain } = require('../../pretrain/pretrain') as typeof import('../../pretrain/pretrain');
      const corpora = o.corpora as PretrainCorpus[] | undefined;
      await pretrain({
        workDir: o.workDir, outDir: o.out, seed: o.seed, model: o.model, dropout: o.dropout, maxSteps: o.maxSteps, batchSize: o.batchSize, accum: o.accum,
        lr: o.lr, warmupSteps: o.warmupSteps, schedule: schedule(o.schedule), weightDecay: o.weightDecay, clip: o.clip, contextSample: o.contextSample, seqLen: o.seqLen, examplesPerDoc: o.examplesPerDoc,
        p: o.p, maxWords: o.maxWords, validShare: o.validShare, validMaxExamples: o.validMaxExamples, evalEverySteps: o.evalEverySteps, evalMaxExamples: o.evalMaxExamples,
        wordSteps: o.wordSteps, wordMaxWords: o.wordMaxWords, wordSeqLen: o.wordSeqLen, wordBatchSize: o.wordBatchSize, wordLr: o.wordLr, wordWarmupSteps: o.wordWarmupSteps, wordContextSample: o.wordContextSample, wordExamplesPerDoc: o.wordExamplesPerDoc, wordInitialExamplesPerDoc: o.wordInitialExamplesPerDoc, wordLayers: o.wordLayers, wordMix: o.wordMix,
        longSteps: o.longSteps, longMaxWords: o.longMaxWords, longSeqLen: o.longSeqLen, longBatchSize: o.longBatchSize, longLr: o.longLr, longWarmupSteps: o.longWarmupSteps,
        longContextSample: o.longContextSample, longExamplesPerDoc: o.longExamplesPerDoc, denseSteps: o.denseSteps, denseP: o.denseP, denseFunctionP: o.denseFunctionP, denseLr: o.denseLr,
        corpora, restart: o.restart, prepareOnly: o.prepareOnly, exportOnly: o.exportOnly,
      });
    });
}
