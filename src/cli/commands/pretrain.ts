/** `cefrlab pretrain`: train the base ILM shipped in data/models/base (src/pretrain/pretrain.ts). */
import { Option, type Command } from 'commander';
import { UserError } from '../../runtime/errors';
import type { PretrainCorpus } from '../../corpus/pretraining';
import type { PretrainOptions } from '../../pretrain/pretrain';
import { PRETRAIN_DEFAULTS as D } from '../../pretrain/defaults';
import { nonNegative, wholeNumber } from '../options';

function schedule(value: string | undefined): 'constant' | 'cosine' | undefined {
  if (value === undefined || value === 'constant' || value === 'cosine') return value;
  throw new UserError(`--schedule must be cosine or constant, got "${value}". Fix: --schedule cosine`);
}

/** What commander parses: PretrainOptions by the same names, but --out, --schedule and --corpora as typed. */
type PretrainCli = Omit<PretrainOptions, 'outDir' | 'schedule' | 'corpora' | 'log'> & { out?: string; schedule?: string; corpora?: string[] };

type Parse = (value: string) => number;

/**
 * The settings a word-blank stage has under its own prefix (--word-*, --long-*), with the help each gets; the
 * default shown is the one in src/pretrain/defaults.ts, so that the help cannot drift from it.
 */
const whole = (min: number) => (flag: string) => wholeNumber(flag, min);
const STAGE_SETTINGS: Array<{ flag: string; key: string; value: 'n' | 'x'; help: string; parse: (flag: string) => Parse }> = [
  { flag: 'max-words', key: 'MaxWords', value: 'n', help: 'longest piece in words', parse: whole(10) },
  { flag: 'seq-len', key: 'SeqLen', value: 'n', help: 'example length in tokens; longer examples are dropped', parse: whole(16) },
  { flag: 'batch-size', key: 'BatchSize', value: 'n', help: 'examples per step', parse: whole(1) },
  { flag: 'lr', key: 'Lr', value: 'x', help: 'AdamW peak learning rate, cosine decay to a tenth', parse: nonNegative },
  { flag: 'warmup-steps', key: 'WarmupSteps', value: 'n', help: 'linear warm-up steps', parse: whole(0) },
  { flag: 'context-sample', key: 'ContextSample', value: 'x', help: 'share of the context targets in the loss, in (0, 1]; lower makes a step cheaper', parse: nonNegative },
  { flag: 'examples-per-doc', key: 'ExamplesPerDoc', value: 'n', help: 'masked examples per training piece, each a different word', parse: whole(1) },
];

/** The STAGE_SETTINGS of one stage: --word-* for stage 2, --long-* for stage 3. */
function addStageSettings(cmd: Command, prefix: 'word' | 'long', stage: string): Command {
  for (const s of STAGE_SETTINGS) {
    const flag = `--${prefix}-${s.flag}`;
    const dflt = (D as Record<string, unknown>)[`${prefix}${s.key}`];
    cmd.addOption(new Option(`${flag} <${s.value}>`, `${stage}: ${s.help} (default ${dflt})`).argParser(s.parse(flag)).hideHelp());
  }
  return cmd;
}

export function registerPretrain(program: Command): void {
  const cmd = program
    .command('pretrain')
    .description(
      'Pretrain the base ILM model shipped in data/models/base (what `train --init base` uses) from random weights on the embedded ' +
        'English that is not the learner test corpus (Brown, ELLIPSE, OneStopEnglish, CEFR-SP; never CEFR-ASAG), in three stages: ' +
        'hierarchical masks, then one-word blanks in short pieces, then in longer ones. Resumes from its checkpoint when rerun. ' +
        'About 3 h on 2 cores with the defaults, the settings of the shipped model.',
    )
    .addHelpText(
      'after',
      '\nThe stages, where each is exported and reused, the settings of stages 2-4 (--word-*, --long-*, --dense-*, hidden here) ' +
        'with their defaults, and why the shipped model was built this way: docs/pretrain.md.',
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
    .option('--word-steps <n>', `steps of stage 2, one-word blanks in short pieces, from stage 1's weights (default ${D.wordSteps}, as the shipped base; 0: the base is stage 1 alone)`, wholeNumber('--word-steps', 0));
  addStageSettings(cmd, 'word', 'stage 2')
    .addOption(new Option('--word-initial-examples-per-doc <n>', 'stage 2: examples per training piece that blank the first word of a sentence, whose answer the right side decides (default 0: none)').argParser(wholeNumber('--word-initial-examples-per-doc', 0)).hideHelp())
    .addOption(new Option('--word-layers <n>', 'stage 2: grow stage 1\'s model to n layers first, the new blocks appended as the identity (default 0: stage 1\'s depth)').argParser(wholeNumber('--word-layers', 0)).hideHelp())
    .addOption(new Option('--no-word-mix', 'stage 2: train on the one-word examples alone (default: stage 1\'s hierarchical examples, cut to the same length, are drawn in too)').hideHelp())
    .option('--long-steps <n>', `steps of stage 3, one-word blanks in longer pieces, from stage 2's weights, which are exported to WORK_DIR/stage2 and reused (default ${D.longSteps}, as the shipped base; 0: none)`, wholeNumber('--long-steps', 0));
  addStageSettings(cmd, 'long', 'stage 3')
    .option('--dense-steps <n>', `steps of stage 4, stage 3's pieces with several one-word blanks each, from stage 3's weights, which are exported to WORK_DIR/stage3 and reused (default ${D.denseSteps}: none, an experiment the shipped base does not have); batch, length, warm-up and context share as stage 3`, wholeNumber('--dense-steps', 0))
    .addOption(new Option('--dense-p <x>', `stage 4: probability that a word other than a function word is blanked (default ${D.denseP})`).argParser(nonNegative('--dense-p')).hideHelp())
    .addOption(new Option('--dense-function-p <x>', `stage 4: probability that a function word (src/ilm/function-words.ts) is blanked (default ${D.denseFunctionP})`).argParser(nonNegative('--dense-function-p')).hideHelp())
    .addOption(new Option('--dense-lr <x>', `stage 4: AdamW peak learning rate, cosine decay to a tenth (default ${D.denseLr})`).argParser(nonNegative('--dense-lr')).hideHelp())
    .option('--corpora <names...>', 'only these corpora (brown ellipse onestopenglish cefr-sp)')
    .option('--restart', 'delete the run\'s checkpoints and start again instead of resuming', false)
    .option('--prepare-only', 'build the corpus and the examples, then stop', false)
    .option('--export-only', 'do not train: evaluate and export the run\'s best checkpoint as it is', false)
    .action(async (o: PretrainCli) => {
      // loaded here, not at the top: `--help` must not load TensorFlow.js (require: works under every loader)
      const { pretrain } = require('../../pretrain/pretrain') as typeof import('../../pretrain/pretrain');
      const { out, schedule: kind, corpora, ...options } = o;
      // the backend is chosen here, at the entry point; pretrain() trains on whichever is active
      if (!options.prepareOnly) await (require('../../runtime/backend') as typeof import('../../runtime/backend')).initBackend();
      await pretrain({ ...options, outDir: out, schedule: schedule(kind), corpora: corpora as PretrainCorpus[] | undefined });
    });
}
