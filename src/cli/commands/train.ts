/** `cefrlab train`: train (or resume) an ILM model on an example store (src/train/experiment.ts). */
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PRESETS } from '../../model/config';
import { resolveInit } from '../../pretrain/base';
import { checkOutputPath } from '../../runtime/output-path';
import { TRAIN_DEFAULTS } from '../../train/defaults';
import { nonNegative, wholeNumber } from '../options';

function batchSize(value: string): number | 'auto' {
  if (value.trim().toLowerCase() === 'auto') return 'auto';
  return wholeNumber('--batch-size', 1)(value);
}

function scheduleKind(value: string): 'constant' | 'cosine' {
  if (value !== 'constant' && value !== 'cosine') throw new UserError(`--schedule must be constant or cosine, got "${value}". Fix: e.g. --schedule cosine`);
  return value;
}

/** A preset name, checked when the command line is read, so that nothing is created for an unknown one. */
function presetName(value: string): string {
  if (!Object.prototype.hasOwnProperty.call(PRESETS, value)) throw new UserError(`--model ${value} is not a preset. Fix: use one of ${Object.keys(PRESETS).join(', ')}`);
  return value;
}

/**
 * --init fixes the architecture (its config.json); a --model given as well must name the same shape, or the
 * command refuses rather than silently training another one.
 */
function checkModelAgainstInit(model: string, initDir: string): void {
  let cfg: { n_layer?: number; n_embd?: number; n_head?: number };
  try {
    cfg = JSON.parse(fs.readFileSync(path.join(initDir, 'config.json'), 'utf8'));
  } catch {
    return; // an unreadable --init is reported by the training itself, with its own fix
  }
  const p = PRESETS[model];
  if (cfg.n_layer === p.n_layer && cfg.n_embd === p.n_embd && cfg.n_head === p.n_head) return;
  const shape = (c: { n_layer?: number; n_embd?: number; n_head?: number }) => `${c.n_layer} layers, ${c.n_embd} wide, ${c.n_head} heads`;
  const same = Object.entries(PRESETS).find(([, c]) => c.n_layer === cfg.n_layer && c.n_embd === cfg.n_embd && c.n_head === cfg.n_head)?.[0];
  throw new UserError(
    `--model ${model} (${shape(p)}) contradicts --init ${initDir} (${shape(cfg)}): the weights of --init fix the shape. ` +
      `Fix: leave out --model${same ? ` (or write --model ${same})` : ''}, or leave out --init to train ${model} from random weights`,
  );
}

interface TrainCli {
  model: string; init?: string; seed: number; trainTag: string; evalTag: string; eval: boolean; evalMaxExamples: number;
  batchSize: number | 'auto'; accum: number; lr?: number; warmupSteps?: number; schedule?: 'constant' | 'cosine'; weightDecay: number; clip: number; seqLen?: number;
  epochs?: number; maxSteps?: number; evalEverySteps?: number; checkpointEverySteps?: number; patience?: number;
  minimalSupervision: boolean; restart: boolean; json: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .argument('<EXP_DIR>', 'experiment directory: checkpoints/{last,best}, metrics.jsonl, TensorBoard event files and manifest.json go here')
    .argument('<EXAMPLES_DIR>', 'directory written by `cefrlab examples` holding the training and evaluation example sets')
    .description(
      'Train an infilling GPT-2 (ILM) model: loss = infill mean + context mean, AdamW, gradient clipping and accumulation. ' +
        'An epoch is one pass over the training EXAMPLES (the reference counted documents). Evaluates every N steps on a fixed ' +
        'seeded sample of the evaluation set, keeps the best checkpoint (lowest infill loss) and the last one. Run the same ' +
        'command again after an interruption to resume: the final weights equal those of an uninterrupted run, byte for byte. ' +
        'View the logs with `tensorboard --logdir experiments`.',
    )
    .addHelpText(
      'after',
      '\nCost on a 2-core laptop (BENCHMARKS.md, "What train costs on a laptop"): fine-tuning the shipped base (--init base, the tiny shape) ' +
        'takes about 3-5 s per step of 24 examples, so --max-steps 500 is about 30-40 min; this is what to use on a laptop. ' +
        'The small preset from random weights takes about 5-9 s per step and needs thousands of steps to learn English ' +
        '(--max-steps 2000: about 3-5 h); gpt2 (124M) about 3 min per step.',
    )
    .option('--model <preset>', `architecture preset when training from random weights: ${Object.keys(PRESETS).join(', ')} (gpt2 is the 124M model of the reference); with --init the shape is that of --init, and a --model that contradicts it is refused`, presetName, TRAIN_DEFAULTS.model)
    .option('--init <dir|base>', 'start from weights (recommended on a laptop: --init base) in a local Hugging Face directory (config.json and model.safetensors): `base` is the base ILM shipped in data/models/base (pretrained by `cefrlab pretrain`, what the notebooks fine-tune); a published GPT-2 directory gets the seven ILM token rows added, drawn N(0, 0.02)')
    .option('--seed <n>', 'seed of initialisation, data order, dropout and the evaluation sample; same seed, same weights', wholeNumber('--seed', 0), TRAIN_DEFAULTS.seed)
    .option('--train-tag <name>', 'training example set: EXAMPLES_DIR/<name>', TRAIN_DEFAULTS.trainTag)
    .option('--eval-tag <name>', 'evaluation example set: EXAMPLES_DIR/<name>', TRAIN_DEFAULTS.evalTag)
    .option('--no-eval', 'train without evaluation (no best checkpoint, no early stopping)')
    .option('--eval-max-examples <n>', 'evaluate on at most n examples, a fixed seeded sample of the evaluation set (0: all)', wholeNumber('--eval-max-examples', 0), TRAIN_DEFAULTS.evalMaxExamples)
    .option('--batch-size <n|auto>', `examples per micro-batch, or auto: start at ${TRAIN_DEFAULTS.batchSize} (on wasm, at the largest micro-batch estimated to fit its 4 GiB heap: 1 for gpt2) and halve after each out-of-memory error, raising --accum so that every step keeps batch x accum examples (prints what it chose)`, batchSize, 'auto')
    .option('--accum <n>', 'micro-batches per optimizer step (gradient accumulation, weighted by trained tokens, so it equals one big batch); examples per step = batch size x accum (with auto: 8 x accum)', wholeNumber('--accum', 1), TRAIN_DEFAULTS.accum)
    .option('--lr <x>', 'peak AdamW learning rate (betas 0.9/0.999, eps 1e-8). Default: with --init the fine-tuning rate 5e-5, constant; without --init (random weights) 3e-4 with a warm-up of 5 % of the steps (at most 200) and cosine decay to 3e-5. The manifest records which applied', nonNegative('--lr'))
    .option('--warmup-steps <n>', 'linear learning-rate warm-up over n steps (default: 0 with --init or an explicit --lr; 5 % of the steps from scratch)', wholeNumber('--warmup-steps', 0))
    .option('--schedule <kind>', 'constant or cosine (decay to 10 % of --lr at the last step); default: cosine from scratch, constant with --init or an explicit --lr', scheduleKind)
    .option('--weight-decay <x>', 'AdamW decoupled weight decay; never applied to biases and layer norms', nonNegative('--weight-decay'), TRAIN_DEFAULTS.weightDecay)
    .option('--clip <x>', 'clip gradients to this global L2 norm (0: no clipping)', nonNegative('--clip'), TRAIN_DEFAULTS.clip)
    .option('--seq-len <n>', 'cut or pad examples to n tokens (default: the length they were built with, 256 unless `examples --seq-len` said otherwise)', wholeNumber('--seq-len', 2))
    .option('--epochs <n>', 'stop after n passes over the training examples (default 1 when --max-steps is not given)', wholeNumber('--epochs', 1))
    .option('--max-steps <n>', 'stop after n optimizer steps (with --epochs too, whichever comes first)', wholeNumber('--max-steps', 1))
    .option('--eval-every-steps <n>', 'evaluate every n optimizer steps (default: once per epoch)', wholeNumber('--eval-every-steps', 1))
    .option('--checkpoint-every-steps <n>', 'write checkpoints/last every n steps (default: at every evaluation, and at the end)', wholeNumber('--checkpoint-every-steps', 1))
    .option('--patience <n>', 'stop early after n evaluations without a lower infill loss (default: never)', wholeNumber('--patience', 1))
    .option('--minimal-supervision', 'train on the infill loss alone (no context loss)', false)
    .option('--restart', 'delete the experiment\'s checkpoints and logs and start again instead of resuming', false)
    .option('--json', 'print the result as JSON', false)
    .action(async (expDir: string, examplesDir: string, o: TrainCli, cmd: Command) => {
      checkOutputPath(expDir, 'EXP_DIR', 'dir');
      const init = o.init === undefined ? undefined : resolveInit(o.init);
      if (init !== undefined && cmd.getOptionValueSource('model') === 'cli') checkModelAgainstInit(o.model, init);
      const { initBackend } = await import('../../runtime/backend');
      const { trainExperiment } = await import('../../train/experiment');
      await initBackend();
      const result = await trainExperiment(expDir, examplesDir, {
        model: o.model, init, seed: o.seed, trainTag: o.trainTag, evalTag: o.eval === false ? null : o.evalTag,
        evalMaxExamples: o.evalMaxExamples, batchSize: o.batchSize, accum: o.accum, lr: o.lr, warmupSteps: o.warmupSteps, schedule: o.schedule,
        weightDecay: o.weightDecay, clip: o.clip, seqLen: o.seqLen, epochs: o.epochs, maxSteps: o.maxSteps,
        evalEverySteps: o.evalEverySteps, checkpointEverySteps: o.checkpointEverySteps, patience: o.patience,
        minimalSupervision: o.minimalSupervision, restart: o.restart,
        log: o.json ? (line) => process.stderr.write(line + '\n') : undefined,
      });
      if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    });
}
