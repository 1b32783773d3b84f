/**
 * The training loop of an ILM model (spec sections 4-5), resumable byte for byte.
 *
 * Every random choice is a pure function of the seed and a position in the run (data order of an epoch,
 * dropout of a micro-batch, the evaluation sample; see train/data.ts), and the checkpoint holds the weights,
 * the AdamW moments and the step, epoch and position. So a run killed at any moment and started again with the
 * same command continues from its last checkpoint and ends with the same weights, bit for bit, as a run that
 * was never interrupted.
 *
 * One step: up to `accum` micro-batches of `batchSize` examples; each micro-batch's loss (context mean + infill
 * mean) is differentiated, the gradients are averaged over the micro-batches, clipped to a global norm, and AdamW
 * applies them at the scheduled learning rate. Every `evalEverySteps` steps the model is evaluated on a fixed
 * seeded sample of the evaluation set; the best infill loss is kept in checkpoints/best, and `patience`
 * evaluations without improvement stop the run. A NaN or infinite loss or gradient stops the run before the
 * update, keeping the last good checkpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { GPT2 } from '../model/gpt2';
import { GPT2Config, presetConfig } from '../model/config';
import { loadPretrainedGpt2 } from '../model/checkpoint';
import { UserError } from '../runtime/errors';
import { writeJsonAtomic } from '../runtime/atomic';
import { sha256File } from '../runtime/hash';
import { versions } from '../runtime/versions';
import { initBackend, describeBackend } from '../runtime/backend';
import { progress } from '../runtime/progress';
import { enableNativeKernels } from '../runtime/kernels/index';
import { ExampleSource, fitLength, planStep, stepsPerEpoch, evalSample, dropoutSeed } from './data';
import { ilmTrainingLoss } from './loss';
import { AdamW, GradientAccumulator, clipByGlobalNorm } from './optimizer';
import { learningRate } from './schedule';
import { TrainingState, checkpointsDir, hasCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { MetricsLog } from './metrics';
import { EventWriter } from './tensorboard';
import { EvalMetrics, evaluateModel } from '../evaluate/eval';

export interface TrainOptions {
  /** Preset name (src/model/config.ts PRESETS); ignored when `config` or `init` is given. */
  model: string;
  /** An explicit configuration (e.g. a reduced vocabulary in tests). */
  config?: GPT2Config;
  /** A Hugging Face GPT-2 directory to start from (the ILM rows are added). */
  init?: string;
  seed: number;
  batchSize: number;
  accum: number;
  lr: number;
  warmupSteps: number;
  weightDecay: number;
  /** Global gradient-norm limit; 0 disables clipping. */
  clip: number;
  /** Examples are cut or padded to this length (default: their stored length). */
  seqLen?: number;
  /** Passes over the training examples (default 1 when `maxSteps` is not given either). */
  epochs?: number;
  maxSteps?: number;
  /** Evaluate every N steps (default: once per epoch). */
  evalEverySteps?: number;
  /** Write checkpoints/last every N steps (default: at each evaluation). */
  checkpointEverySteps?: number;
  evalMaxExamples: number;
  /** Stop after this many evaluations without a better infill loss (0 or undefined: never). */
  patience?: number;
  minimalSupervision: boolean;
  /** Delete the experiment's checkpoints and logs first instead of resuming. */
  restart?: boolean;
  /** Where lines for the user go (model summary, evaluations); default stdout. */
  log?: (line: string) => void;
}

export interface TrainData {
  train: ExampleSource;
  eval: ExampleSource | null;
  /** Shown in the manifest (e.g. the examples directory and tags). */
  description?: Record<string, string>;
}

export interface TrainResult {
  expDir: string;
  step: number;
  epoch: number;
  stopped: TrainingState['stopped'];
  resumedFromStep: number | null;
  bestInfillLoss: number | null;
  bestStep: number | null;
  lastEval: EvalMetrics | null;
  parameters: number;
  seconds: number;
}

/** A NaN or infinite loss: training stopped, the last good checkpoint was kept. */
export class TrainingDivergedError extends UserError {
  constructor(message: string) {
    super(message, 3);
    this.name = 'TrainingDivergedError';
  }
}

const MEMORY_ERROR = /out of memory|oom|cannot allocate|allocation failed|invalid (typed )?array length|memory access out of bounds|array buffer allocation/i;

function isMemoryError(err: unknown): boolean {
  return err instanceof Error && !(err instanceof UserError) && MEMORY_ERROR.test(`${err.name} ${err.message}`);
}

function validate(opts: TrainOptions): void {
  const positive = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new UserError(`--${name} must be a positive integer, got ${v}. Fix: give a whole number of at least 1`);
  };
  positive('batch-size', opts.batchSize);
  positive('accum', opts.accum);
  positive('seq-len', opts.seqLen);
  positive('epochs', opts.epochs);
  positive('max-steps', opts.maxSteps);
  positive('eval-every-steps', opts.evalEverySteps);
  if (!(opts.lr > 0) || !Number.isFinite(opts.lr)) throw new UserError(`--lr must be a positive number, got ${opts.lr}. Fix: e.g. --lr 5e-5`);
  if (!(opts.clip >= 0)) throw new UserError(`--clip must be 0 (off) or positive, got ${opts.clip}`);
  if (!(opts.weightDecay >= 0)) throw new UserError(`--weight-decay must be 0 or positive, got ${opts.weightDecay}`);
  if (!(opts.warmupSteps >= 0)) throw new UserError(`--warmup-steps must be 0 or positive, got ${opts.warmupSteps}`);
}

/** The options that fix the trajectory of the weights; a resume must match them. */
function fingerprint(opts: TrainOptions, config: GPT2Config, seqLen: number, dataHash: string): TrainingState['fingerprint'] {
  return {
    config: JSON.stringify(config),
    init: opts.init ? path.resolve(opts.init) : null,
    seed: opts.seed,
    batchSize: opts.batchSize,
    accum: opts.accum,
    lr: opts.lr,
    warmupSteps: opts.warmupSteps,
    weightDecay: opts.weightDecay,
    clip: opts.clip,
    seqLen,
    minimalSupervision: opts.minimalSupervision,
    trainData: dataHash,
  };
}

async function hashFiles(files: string[]): Promise<Array<{ file: string; sha256: string; bytes: number }>> {
  const out = [];
  for (const file of files) out.push({ file, sha256: await sha256File(file), bytes: fs.statSync(file).size });
  return out;
}

function modelConfig(opts: TrainOptions): GPT2Config {
  return opts.config ? { ...opts.config } : presetConfig(opts.model);
}

/**
 * Train (or resume) the experiment in `expDir`. Writes checkpoints/{last,best}, metrics.jsonl, TensorBoard events
 * and manifest.json there.
 */
export async function train(expDir: string, data: TrainData, opts: TrainOptions): Promise<TrainResult> {
  validate(opts);
  const log = opts.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const started = Date.now();
  const backend = await initBackend();
  const native = enableNativeKernels(); // an accelerator when the OpenBLAS addon is built; falls back silently
  if (data.train.count === 0) throw new UserError(`the training set has no examples. Fix: build examples with \`cefrlab examples train ...\``);
  if (opts.restart) removeRunOutputs(expDir);
  fs.mkdirSync(expDir, { recursive: true });
  const ckDir = checkpointsDir(expDir);
  const lastDir = path.join(ckDir, 'last');
  const bestDir = path.join(ckDir, 'best');

  const trainFiles = await hashFiles(data.train.files);
  const evalFiles = data.eval ? await hashFiles(data.eval.files) : [];
  const dataHash = trainFiles.map((f) => f.sha256).join(',') || `memory:${data.train.count}`;

  // ---- model, optimizer and state: resumed or fresh ----
  let model: GPT2;
  let state: TrainingState;
  let resumedFromStep: number | null = null;
  const optimizerOpts = { weightDecay: opts.weightDecay };
  let optimizer: AdamW;
  if (hasCheckpoint(lastDir)) {
    const loaded = loadCheckpoint(lastDir);
    model = loaded.model;
    state = loaded.state;
    const seqLen = Math.min(opts.seqLen ?? data.train.seqLen, model.config.n_positions);
    const expected = fingerprint(opts, opts.init ? model.config : modelConfig(opts), seqLen, dataHash);
    const diffs = Object.keys(expected).filter((k) => expected[k] !== state.fingerprint[k]);
    if (diffs.length > 0) {
      model.dispose();
      const what = diffs.map((k) => `${k} (checkpoint ${String(state.fingerprint[k]).slice(0, 60)}, now ${String(expected[k]).slice(0, 60)})`).join('; ');
      throw new UserError(`${lastDir}: this experiment was started with different settings: ${what}. Fix: rerun with the original settings to resume, or use a new EXP_DIR`);
    }
    optimizer = new AdamW(model.weights, optimizerOpts);
    optimizer.loadState(loaded.optimizerState);
    resumedFromStep = state.step;
    log(`Resuming ${expDir} from step ${state.step} (epoch ${state.epoch}, example ${state.position} of ${data.train.count}).`);
  } else {
    let config: GPT2Config;
    if (opts.init) {
      model = loadPretrainedGpt2(opts.init, opts.seed);
      config = model.config;
      log(`Initialised from ${opts.init}.`);
    } else {
      config = modelConfig(opts);
      model = GPT2.create(config, opts.seed);
    }
    const seqLen = Math.min(opts.seqLen ?? data.train.seqLen, model.config.n_positions);
    state = {
      format: 1, step: 0, epoch: 0, position: 0, examplesSeen: 0, tokensSeen: 0,
      bestInfillLoss: null, bestStep: null, evalsWithoutImprovement: 0, stopped: null,
      seed: opts.seed, fingerprint: fingerprint(opts, config, seqLen, dataHash),
    };
    optimizer = new AdamW(model.weights, optimizerOpts);
  }
  const seqLen = Math.min(opts.seqLen ?? data.train.seqLen, model.config.n_positions);
  log(model.summary());
  log(`Backend: ${describeBackend(backend)}; native kernels: ${native.active ? 'on' : 'off'} (${native.reason})`);

  // ---- limits ----
  const perEpoch = stepsPerEpoch(data.train.count, opts.batchSize, opts.accum);
  const epochs = opts.epochs ?? (opts.maxSteps ? undefined : 1);
  const totalSteps = Math.min(opts.maxSteps ?? Infinity, epochs !== undefined ? epochs * perEpoch : Infinity);
  const evalEvery = opts.evalEverySteps ?? perEpoch;
  const checkpointEvery = opts.checkpointEverySteps ?? evalEvery;
  const patience = opts.patience && opts.patience > 0 ? opts.patience : 0;
  if (state.stopped === 'max-steps' || state.stopped === 'epochs') state.stopped = null; // limits may have grown
  const evalIndices = data.eval ? evalSample(opts.seed, data.eval.count, opts.evalMaxExamples) : [];

  // ---- logs and manifest ----
  const metrics = new MetricsLog(path.join(expDir, 'metrics.jsonl'));
  metrics.truncateAfter(state.step);
  const events = new EventWriter(expDir, resumedFromStep !== null ? { resumedAtStep: resumedFromStep } : {});
  const manifestFile = path.join(expDir, 'manifest.json');
  const previous = fs.existsSync(manifestFile) ? (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { runs?: unknown[] }) : null;
  const manifest = {
    command: 'train',
    created: new Date(started).toISOString(),
    seed: opts.seed,
    options: { ...opts, log: undefined, seqLen, epochs: epochs ?? null, evalEverySteps: evalEvery, checkpointEverySteps: checkpointEvery },
    model: { config: model.config, parameters: model.parameterCount(), init: opts.init ?? null, preset: opts.config || opts.init ? null : opts.model },
    backend: { choice: backend.choice, tfBackend: backend.tfBackend, description: describeBackend(backend), nativeKernels: native },
    versions: versions(),
    data: {
      ...(data.description ?? {}),
      train: { examples: data.train.count, seqLen: data.train.seqLen, files: trainFiles },
      eval: data.eval ? { examples: data.eval.count, sample: evalIndices.length, files: evalFiles } : null,
    },
    schedule: { stepsPerEpoch: perEpoch, totalSteps: Number.isFinite(totalSteps) ? totalSteps : null, epochDefinition: 'one pass over the training examples' },
    runs: [...((previous?.runs as unknown[]) ?? []), { started: new Date(started).toISOString(), resumedFromStep }],
    result: null as unknown,
  };
  writeJsonAtomic(manifestFile, manifest);

  const examplesPerStep = opts.batchSize * opts.accum;
  log(`Training: ${data.train.count} examples, ${perEpoch} steps per epoch (${examplesPerStep} examples per step: batch ${opts.batchSize} x accumulation ${opts.accum}), ` +
    `${Number.isFinite(totalSteps) ? totalSteps : '?'} steps, sequence length ${seqLen}, evaluation every ${evalEvery} steps on ${evalIndices.length} examples.`);

  const varNames = new Map<string, string>();
  for (const [name, v] of model.weights) varNames.set(v.name, name);
  const varList = [...model.weights.values()];

  let lastEval: EvalMetrics | null = null;
  const bar = progress('train', Number.isFinite(totalSteps) ? totalSteps : state.step + perEpoch);

  const runEval = async (): Promise<void> => {
    if (!data.eval || evalIndices.length === 0) return;
    const t0 = Date.now();
    const m = await evaluateModel(model, data.eval, evalIndices, { batchSize: opts.batchSize, seqLen });
    lastEval = m;
    const improved = m.infill.loss !== null && (state.bestInfillLoss === null || m.infill.loss < state.bestInfillLoss);
    if (improved) {
      state.bestInfillLoss = m.infill.loss;
      state.bestStep = state.step;
      state.evalsWithoutImprovement = 0;
    } else {
      state.evalsWithoutImprovement++;
    }
    const record = {
      context_loss: m.context.loss, infill_loss: m.infill.loss, infill_text_loss: m.infillTextOnly.loss,
      context_ppl: m.context.perplexity, infill_ppl: m.infill.perplexity, infill_text_ppl: m.infillTextOnly.perplexity,
      context_tokens: m.context.tokens, infill_tokens: m.infill.tokens, infill_text_tokens: m.infillTextOnly.tokens,
      examples: m.examples, seconds: (Date.now() - t0) / 1000, best: improved ? 1 : 0,
    };
    metrics.append({ kind: 'eval', step: state.step, epoch: state.epoch, ...record });
    const scalars: Record<string, number> = {};
    for (const [k, v] of Object.entries(record)) if (typeof v === 'number' && !['best', 'examples'].includes(k)) scalars[`eval/${k}`] = v;
    events.scalars(state.step, scalars);
    log(`eval step ${state.step}: context loss ${fmt(m.context.loss)}, infill loss ${fmt(m.infill.loss)} (ppl ${fmt(m.infill.perplexity)}), ` +
      `infill text ppl ${fmt(m.infillTextOnly.perplexity)}${improved ? ' (best)' : ''}`);
    if (improved) await saveCheckpoint(bestDir, model, null, state);
  };

  try {
    while (true) {
      if (state.stopped) break;
      if (state.step >= totalSteps) {
        state.stopped = epochs !== undefined && state.step >= epochs * perEpoch ? 'epochs' : 'max-steps';
        break;
      }
      const micro = planStep(opts.seed, state.epoch, state.position, data.train.count, opts.batchSize, opts.accum);
      const t0 = Date.now();
      const acc = new GradientAccumulator();
      let lossSum = 0;
      let tokens = 0;
      let examples = 0;
      let grads: Map<string, tf.Tensor>;
      try {
        for (let k = 0; k < micro.length; k++) {
          const batch = fitLength(data.train.batch(micro[k]), seqLen);
          const input = tf.tensor2d(batch.tokens, [batch.batchSize, batch.seqLen], 'int32');
          const seed = dropoutSeed(opts.seed, state.step, k);
          const { value, grads: g } = tf.variableGrads(() => {
            const logits = model.logits(input, { training: true, dropoutSeed: seed });
            return ilmTrainingLoss(logits, batch.tokens, batch.types, { minimalSupervision: opts.minimalSupervision }).loss;
          }, varList);
          lossSum += (await value.data())[0];
          const named = new Map<string, tf.Tensor>();
          for (const [vn, t] of Object.entries(g)) named.set(varNames.get(vn)!, t);
          acc.add(named);
          tf.dispose([value, input, ...Object.values(g)]);
          tokens += batch.batchSize * batch.seqLen;
          examples += batch.batchSize;
        }
        grads = acc.mean();
      } catch (err) {
        acc.dispose();
        if (isMemoryError(err)) {
          throw new UserError(`out of memory at step ${state.step + 1} (${(err as Error).message.split('\n')[0]}). Fix: lower --batch-size (now ${opts.batchSize}) and raise --accum to keep the same examples per step, or lower --seq-len (now ${seqLen}), or use a smaller --model`);
        }
        throw err;
      }
      const loss = lossSum / micro.length;
      const gradNorm = await clipByGlobalNorm(grads, opts.clip);
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        tf.dispose([...grads.values()]);
        metrics.append({ kind: 'train', step: state.step + 1, epoch: state.epoch, loss, grad_norm: gradNorm, diverged: 1 });
        const kept = hasCheckpoint(lastDir) ? `the last good checkpoint (step ${loadStep(lastDir)}) is kept in ${lastDir}` : 'no checkpoint had been written yet';
        throw new TrainingDivergedError(
          `training stopped at step ${state.step + 1}: the ${Number.isFinite(loss) ? 'gradient norm' : 'loss'} is ${Number.isFinite(loss) ? gradNorm : loss}; ${kept}. ` +
          `Fix: lower the learning rate (--lr, now ${opts.lr}), keep gradient clipping on (--clip, now ${opts.clip}), add --warmup-steps, and check the examples`,
        );
      }
      const lr = learningRate({ lr: opts.lr, warmupSteps: opts.warmupSteps }, state.step);
      optimizer.apply(grads, lr);
      tf.dispose([...grads.values()]);

      // ---- bookkeeping ----
      state.step++;
      state.position += examples;
      state.examplesSeen += examples;
      state.tokensSeen += tokens;
      if (state.position >= data.train.count) {
        state.epoch++;
        state.position = 0;
      }
      const seconds = Math.max(1e-3, (Date.now() - t0) / 1000);
      const record = { loss, lr, grad_norm: gradNorm, examples_per_sec: examples / seconds, tokens_per_sec: tokens / seconds };
      metrics.append({ kind: 'train', step: state.step, epoch: state.epoch, ...record });
      events.scalars(state.step, {
        'train/loss': loss, 'train/lr': lr, 'train/grad_norm': gradNorm,
        'train/examples_per_sec': record.examples_per_sec, 'train/tokens_per_sec': record.tokens_per_sec,
      });
      bar.update(state.step, { loss: loss.toFixed(3), 'tok/s': Math.round(record.tokens_per_sec), epoch: state.epoch });

      const final = state.step >= totalSteps;
      if (final) state.stopped = epochs !== undefined && state.step >= epochs * perEpoch ? 'epochs' : 'max-steps';
      if (state.step % evalEvery === 0 || final) {
        await runEval();
        if (patience && state.evalsWithoutImprovement >= patience && !final) {
          state.stopped = 'patience';
          log(`Stopping early: ${patience} evaluations without a better infill loss (best ${fmt(state.bestInfillLoss)} at step ${state.bestStep}).`);
        }
      }
      if (state.step % checkpointEvery === 0 || state.stopped) {
        await saveCheckpoint(lastDir, model, optimizer, state);
        events.flush();
      }
    }
  } finally {
    bar.stop();
    events.close();
  }

  const result: TrainResult = {
    expDir, step: state.step, epoch: state.epoch, stopped: state.stopped, resumedFromStep,
    bestInfillLoss: state.bestInfillLoss, bestStep: state.bestStep, lastEval, parameters: model.parameterCount(),
    seconds: (Date.now() - started) / 1000,
  };
  manifest.runs[manifest.runs.length - 1] = { started: new Date(started).toISOString(), resumedFromStep, finished: new Date().toISOString(), stopped: state.stopped, step: state.step };
  manifest.result = { step: state.step, epoch: state.epoch, stopped: state.stopped, bestInfillLoss: state.bestInfillLoss, bestStep: state.bestStep, lastEval };
  writeJsonAtomic(manifestFile, manifest);
  optimizer.dispose();
  model.dispose();
  log(`Done: step ${state.step}, epoch ${state.epoch}, stopped by ${state.stopped}; best infill loss ${fmt(state.bestInfillLoss)} at step ${state.bestStep ?? '-'}.`);
  return result;
}

/** Delete what a training run writes in `expDir` (checkpoints, metrics, events, manifest), nothing else. */
export function removeRunOutputs(expDir: string): void {
  if (!fs.existsSync(expDir)) return;
  fs.rmSync(checkpointsDir(expDir), { recursive: true, force: true });
  for (const name of fs.readdirSync(expDir)) {
    if (name === 'metrics.jsonl' || name === 'manifest.json' || name.startsWith('events.out.tfevents.')) fs.rmSync(path.join(expDir, name), { force: true });
  }
}

function loadStep(dir: string): number | string {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).step;
  } catch {
    return '?';
  }
}

function fmt(x: number | null): string {
  return x === null ? '-' : x.toFixed(4);
}
