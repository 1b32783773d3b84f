/** `cefrlab pretrain`: train the base ILM shipped in data/models/base (src/pretrain/pretrain.ts). */
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors';
import type { PretrainCorpus } from '../../pretrain/corpus';

function integer(name: string, min: number) {
  return (value: string): number => {
    if (!/^\s*\d+\s*$/.test(value) || Number(value) < min) throw new UserError(`${name} must be a whole number of at least ${min}, got "${value}". Fix: e.g. ${name} ${Math.max(min, 1)}`);
    return Number(value);
  };
}

function decimal(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UserError(`${name} must be a non-negative number, got "${value}". Fix: e.g. ${name} 3e-4`);
    return n;
  };
}

interface PretrainCli {
  workDir?: string; out?: string; seed: number; model?: string; dropout?: number; maxSteps?: number; batchSize?: number; accum?: number; lr?: number;
  warmupSteps?: number; weightDecay?: number; clip?: number; seqLen?: number; examplesPerDoc?: number; p?: number; maxWords?: number;
  validShare?: number; validMaxExamples?: number; evalEverySteps?: number; evalMaxExamples?: number; corpora?: string[]; restart: boolean; prepareOnly: boolean; exportOnly: boolean;
}

export function registerPretrain(program: Command): void {
  program
    .command('pretrain')
    .description(
      'Pretrain the base ILM model from random weights on the embedded English that is not the learner test corpus (Brown, ELLIPSE, ' +
        'OneStopEnglish, CEFR-SP; never CEFR-ASAG): corpus with a held-out part per corpus -> ILM examples with hierarchical masks -> ' +
        'training (resumes from its checkpoint when rerun) -> the best checkpoint in half precision with config.json, manifest.json ' +
        '(hashes, options, steps, validation perplexity per corpus) and README.md in --out (default data/models/base, what `train --init base` uses). ' +
        'Defaults: the settings of the shipped model.',
    )
    .option('--work-dir <dir>', 'corpus, examples and the training run (default experiments/pretrain-base)')
    .option('--out <dir>', 'where the exported model goes (default data/models/base)')
    .option('--seed <n>', 'seed of the held-out choice, masks, initialisation and data order', integer('--seed', 0), 0)
    .option('--model <preset>', 'architecture preset (default tiny)')
    .option('--dropout <x>', 'dropout while pretraining (default 0; the exported config.json keeps the preset\'s rates for fine-tuning)', decimal('--dropout'))
    .option('--max-steps <n>', 'optimizer steps (default 1400, the shipped model; raise it and rerun to continue a finished run: the rate is constant after warm-up)', integer('--max-steps', 1))
    .option('--batch-size <n>', 'examples per micro-batch (default 4)', integer('--batch-size', 1))
    .option('--accum <n>', 'micro-batches per step (default 1)', integer('--accum', 1))
    .option('--lr <x>', 'AdamW learning rate after warm-up (default 1e-3, constant after warm-up: a from-scratch rate for the tiny preset)', decimal('--lr'))
    .option('--warmup-steps <n>', 'linear warm-up steps (default 50)', integer('--warmup-steps', 0))
    .option('--weight-decay <x>', 'AdamW decoupled weight decay (default 0.01)', decimal('--weight-decay'))
    .option('--clip <x>', 'global gradient-norm limit (default 1)', decimal('--clip'))
    .option('--seq-len <n>', 'example length in tokens (default 256)', integer('--seq-len', 16))
    .option('--examples-per-doc <n>', 'masked examples per training piece (default 3)', integer('--examples-per-doc', 1))
    .option('--p <x>', 'hierarchical mask probability (default 0.03)', decimal('--p'))
    .option('--max-words <n>', 'longest corpus piece in words (default 170)', integer('--max-words', 10))
    .option('--valid-share <x>', 'share of each corpus held out for validation (default 0.05)', decimal('--valid-share'))
    .option('--eval-every-steps <n>', 'evaluate on the held-out examples every n steps (default 100)', integer('--eval-every-steps', 1))
    .option('--eval-max-examples <n>', 'held-out examples per evaluation (default 128)', integer('--eval-max-examples', 1))
    .option('--valid-max-examples <n>', 'held-out examples per corpus for the exported perplexities (default 1000, 0: all)', integer('--valid-max-examples', 0))
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
        lr: o.lr, warmupSteps: o.warmupSteps, weightDecay: o.weightDecay, clip: o.clip, seqLen: o.seqLen, examplesPerDoc: o.examplesPerDoc,
        p: o.p, maxWords: o.maxWords, validShare: o.validShare, validMaxExamples: o.validMaxExamples, evalEverySteps: o.evalEverySteps, evalMaxExamples: o.evalMaxExamples,
        corpora, restart: o.restart, prepareOnly: o.prepareOnly, exportOnly: o.exportOnly,
      });
    });
}
