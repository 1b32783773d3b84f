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
import { checkpointHash, loadPretrainedGpt2 } from '../model/checkpoint';
import { UserError } from '../runtime/errors';
import { sha256File } from '../runtime/hash';
import { manifestPath, RunManifest, scheduleApplies } from './run-manifest';
import { chosenBackend, describeBackend } from '../runtime/backend';
import { progress } from '../runtime/progress';
import { nativeKernelsStatus } from '../runtime/kernels/index';
import { withGpuErrors } from '../runtime/webgpu';
import { ExampleSource, fitLength, planStep, stepsPerEpoch, evalSample, dropoutSeed } from './data';
import { AdamW, clipByGlobalNorm } from './optimizer';
import { ResolvedSchedule, ScheduleKind, learningRate, resolveSchedule } from './schedule';

export { resolveSchedule, type ResolvedSchedule } from './schedule';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { TrainingState, checkpointsDir } from '../experiment/dir';
import { MetricsLog } from './metrics';
import { EventWriter } from './tensorboard';
import { EvalMetrics, evaluateModel } from '../evaluate/eval';
import { MicroBatchHook, chunk, stepGradients } from './step';
import { WASM_HEAP_BYTES, accumulationFor, fittingMicroBatch, fixedTrainingBytes, hostPlacement, isFatalMemoryError, isMemoryError, outOfMemoryError } from './memory';

export interface TrainOptions {
  /** Preset name (src/model/config.ts PRESETS); ignored when `config` or `init` is given. */
  model: string;
  /** An explicit configuration (e.g. a reduced vocabulary in tests). */
  config?: GPT2Config;
  /** A Hugging Face GPT-2 directory to start from (the ILM rows are added). */
  init?: string;
  seed: number;
  /**
   * Examples per micro-batch, or 'auto': start at `autoBatchStart` (8) and halve after an out-of-memory error
   * (memory.ts), raising the accumulation so each step keeps `autoBatchStart x accum` examples.
   */
  batchSize: number | 'auto';
  /** Micro-batches per step; examples per step = batch size x accum (with 'auto': autoBatchStart x accum). */
  accum: number;
  /** First micro-batch tried by batchSize 'auto' (default 8). */
  autoBatchStart?: number;
  /**
   * Peak learning rate. Not given: the default schedule (schedule.ts) — with `init` the fine-tuning rate 5e-5,
   * constant; from random weights 3e-4 with warm-up and cosine decay.
   */
  lr?: number;
  /** Linear warm-up steps (default 0 with an explicit lr; the default schedule's otherwise). */
  warmupSteps?: number;
  /** 'constant' (default with an explicit lr) or 'cosine' decay to `minLrRatio` x lr over the run's steps. */
  schedule?: ScheduleKind;
  minLrRatio?: number;
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
  /** Share of the context targets trained at each step, drawn afresh per step (default 1: all; see objective/loss). */
  contextSample?: number;
  /** Delete the experiment's checkpoints and logs first instead of resuming. */
  restart?: boolean;
  /** Where lines for the user go (model summary, evaluations); default stdout. */
  log?: (line: string) => void;
  /** Called before each micro-batch's forward pass (tests simulate running out of memory here). */
  beforeMicroBatch?: MicroBatchHook;
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
  /** The micro-batch and accumulation that ran (with batchSize 'auto': what was found to fit). */
  batchSize: number;
  accum: number;
  /** The learning-rate schedule that applied. */
  schedule: ResolvedSchedule;
}

/** A NaN or infinite loss: training stopped, the last good checkpoint was kept. */
export class TrainingDivergedError extends UserError {
  constructor(message: string) {
    super(message, 3);
    this.name = 'TrainingDivergedError';
  }
}

const AUTO_BATCH_START = 8;

function validate(opts: TrainOptions): void {
  const positive = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new UserError(`--${name} must be a positive integer, got ${v}. Fix: give a whole number of at least 1`);
  };
  if (opts.batchSize !== 'auto') positive('batch-size', opts.batchSize);
  positive('accum', opts.accum);
  positive('seq-len', opts.seqLen);
  positive('epochs', opts.epochs);
  positive('max-steps', opts.maxSteps);
  positive('eval-every-steps', opts.evalEverySteps);
  if (opts.lr !== undefined && (!(opts.lr > 0) || !Number.isFinite(opts.lr))) throw new UserError(`--lr must be a positive number, got ${opts.lr}. Fix: e.g. --lr 5e-5`);
  if (!(opts.clip >= 0)) throw new UserError(`--clip must be 0 (off) or positive, got ${opts.clip}`);
  if (!(opts.weightDecay >= 0)) throw new UserError(`--weight-decay must be 0 or positive, got ${opts.weightDecay}`);
  if (opts.warmupSteps !== undefined && !(opts.warmupSteps >= 0)) throw new UserError(`--warmup-steps must be 0 or positive, got ${opts.warmupSteps}`);
  if (opts.schedule !== undefined && opts.schedule !== 'constant' && opts.schedule !== 'cosine') throw new UserError(`--schedule must be constant or cosine, got ${opts.schedule}`);
  if (opts.contextSample !== undefined && !(opts.contextSample > 0 && opts.contextSample <= 1)) {
    throw new UserError(`--context-sample must be in (0, 1], got ${opts.contextSample}. Fix: e.g. --context-sample 0.25 (1 trains every context target)`);
  }
}

type Fingerprint = TrainingState['fingerprint'];

/** The options and data that fix the trajectory of the weights and the meaning of "best"; a resume must match them. */
function fingerprint(opts: TrainOptions, config: GPT2Config, seqLen: number, dataHash: string, evalHash: string, initHash: string | null, examplesPerStep: number, schedule: ResolvedSchedule): Fingerprint {
  return {
    config: JSON.stringify(config),
    // what the start weights are, not where they were: the run resumes after its folders move
    initWeights: initHash,
    seed: opts.seed,
    examplesPerStep,
    lr: schedule.lr,
    warmupSteps: schedule.warmupSteps,
    schedule: schedule.kind === 'cosine' ? `cosine to ${schedule.minLrRatio} over ${schedule.totalSteps} steps` : 'constant',
    weightDecay: opts.weightDecay,
    clip: opts.clip,
    seqLen,
    minimalSupervision: opts.minimalSupervision,
    contextSample: opts.contextSample ?? 1,
    trainData: dataHash,
    evalData: evalHash,
    evalMaxExamples: opts.evalMaxExamples,
  };
}

/**
 * Keys that checkpoints written before they existed lack, and the value those runs had. A checkpoint of an
 * earlier version resumes when its settings equal these; batchSize x accum stood for examplesPerStep.
 */
const LEGACY: Record<string, (old: Fingerprint) => string | number | boolean | null | undefined> = {
  examplesPerStep: (old) => (typeof old.batchSize === 'number' && typeof old.accum === 'number' ? old.batchSize * old.accum : undefined),
  schedule: () => 'constant',
  contextSample: () => 1,
};
const IGNORED_IN_OLD = new Set(['batchSize', 'accum', 'init']);

/** The settings that differ between a checkpoint and this run, described for the user. */
export function fingerprintDiffs(stored: Fingerprint, expected: Fingerprint): string[] {
  const diffs: string[] = [];
  for (const k of Object.keys(expected)) {
    let was: Fingerprint[string] | undefined = stored[k];
    if (!(k in stored)) {
      if (k === 'evalData' || k === 'evalMaxExamples' || k === 'initWeights') {
        // written before these were part of the fingerprint (`init` held a path then): nothing to compare against
        continue;
      }
      was = LEGACY[k]?.(stored);
    }
    if (was !== expected[k]) diffs.push(`${k} (checkpoint ${String(was).slice(0, 60)}, now ${String(expected[k]).slice(0, 60)})`);
  }
  for (const k of Object.keys(stored)) if (!(k in expected) && !IGNORED_IN_OLD.has(k)) diffs.push(`${k} (checkpoint ${String(stored[k]).slice(0, 60)}, now not set)`);
  return diffs;
}

/**
 * The `--init` checkpoint's content hash, or 'unreadable' with the reason when it cannot be read: a fresh start
 * then fails with the loader's message, a resume with one that names the folder (startRun).
 */
async function initWeightsHash(init: string | undefined): Promise<{ hash: string | null; problem: string | null }> {
  if (!init) return { hash: null, problem: null };
  try {
    return { hash: await checkpointHash(init), problem: null };
  } catch (err) {
    return { hash: 'unreadable', problem: (err as Error).message };
  }
}

/** Each file's hash and size, named relative to the run's folder (as every path in its manifest). */
async function hashFiles(files: string[], expDir: string): Promise<Array<{ file: string; sha256: string; bytes: number }>> {
  const out = [];
  for (const file of files) out.push({ file: manifestPath(expDir, file), sha256: await sha256File(file), bytes: fs.statSync(file).size });
  return out;
}

function modelConfig(opts: TrainOptions): GPT2Config {
  return opts.config ? { ...opts.config } : presetConfig(opts.model);
}

interface RunStart {
  model: GPT2;
  optimizer: AdamW;
  state: TrainingState;
  resumedFromStep: number | null;
  /** What lives in JavaScript memory instead of backend tensors (memory.ts hostPlacement). */
  onHost: { accumulation: boolean; optimizer: boolean };
}

/** The model, optimizer and state of the run: resumed from checkpoints/last, or fresh. */
function startRun(lastDir: string, opts: TrainOptions, expected: (config: GPT2Config, seqLen: number) => Fingerprint, seqLenFor: (m: GPT2) => number, log: (l: string) => void, count: number, tfBackend: string, initProblem: string | null): RunStart {
  const optimizerFor = (model: GPT2) => {
    const onHost = hostPlacement(model.parameterCount(), tfBackend);
    return { onHost, optimizer: new AdamW(model.weights, { weightDecay: opts.weightDecay, onHost: onHost.optimizer }) };
  };
  if (hasCheckpoint(lastDir)) {
    const loaded = loadCheckpoint(lastDir);
    const { model, state } = loaded;
    if (initProblem !== null && typeof state.fingerprint.initWeights === 'string') {
      model.dispose();
      throw new UserError(
        `${lastDir}: this run started from --init ${opts.init}, which cannot be read now (${initProblem}); a resume checks ` +
          'that its start weights are still the ones it began with. Fix: pass --init where those weights are now, or add --restart to start again',
      );
    }
    const want = expected(opts.init ? model.config : modelConfig(opts), seqLenFor(model));
    const diffs = fingerprintDiffs(state.fingerprint, want);
    if (diffs.length > 0) {
      model.dispose();
      throw new UserError(
        `${lastDir}: this experiment was started with different settings: ${diffs.join('; ')}. ` +
          'Its best-loss comparisons and data order belong to those settings. Fix: rerun with the original settings to resume, ' +
          'add --restart to start again from scratch, or use a new EXP_DIR',
      );
    }
    state.fingerprint = want; // upgrade an older checkpoint's fingerprint to the current keys
    const { optimizer, onHost } = optimizerFor(model);
    optimizer.loadState(loaded.optimizerState);
    log(`Resuming ${path.dirname(path.dirname(lastDir))} from step ${state.step} (epoch ${state.epoch}, example ${state.position} of ${count}).`);
    return { model, optimizer, onHost, state, resumedFromStep: state.step };
  }
  let model: GPT2;
  if (opts.init) {
    model = loadPretrainedGpt2(opts.init, opts.seed);
    log(`Initialised from ${opts.init}.`);
  } else {
    model = GPT2.create(modelConfig(opts), opts.seed);
  }
  const state: TrainingState = {
    format: 1, step: 0, epoch: 0, position: 0, examplesSeen: 0, tokensSeen: 0,
    bestInfillLoss: null, bestStep: null, evalsWithoutImprovement: 0, stopped: null,
    seed: opts.seed, fingerprint: expected(model.config, seqLenFor(model)),
  };
  return { model, ...optimizerFor(model), state, resumedFromStep: null };
}

/** The backend in use, as chosen by initBackend() at the entry point; train() never switches it. */
function backendInfo(): { choice: string; tfBackend: string; description: string; nativeKernels: ReturnType<typeof nativeKernelsStatus> } {
  const report = chosenBackend();
  const native = nativeKernelsStatus();
  if (report) return { choice: report.choice, tfBackend: report.tfBackend, description: describeBackend(report), nativeKernels: native };
  const tfBackend = tf.getBackend();
  return { choice: tfBackend, tfBackend, description: `${tfBackend} (TensorFlow.js's default: initBackend() was not called, so the native kernels are ${native.active ? 'on' : 'off'})`, nativeKernels: native };
}

/** The length limits of a run; they depend on the examples per step only, not on the micro-batch. */
interface RunLimits {
  auto: boolean;
  /** The micro-batch asked for (with 'auto': where the search starts). */
  target: number;
  examplesPerStep: number;
  perEpoch: number;
  epochs: number | undefined;
  totalSteps: number;
}

function runLimits(opts: TrainOptions, count: number): RunLimits {
  const auto = opts.batchSize === 'auto';
  const target = auto ? opts.autoBatchStart ?? AUTO_BATCH_START : (opts.batchSize as number);
  const examplesPerStep = target * opts.accum;
  const perEpoch = stepsPerEpoch(count, examplesPerStep, 1);
  const epochs = opts.epochs ?? (opts.maxSteps ? undefined : 1);
  const totalSteps = Math.min(opts.maxSteps ?? Infinity, epochs !== undefined ? epochs * perEpoch : Infinity);
  return { auto, target, examplesPerStep, perEpoch, epochs, totalSteps };
}

/** Why a run at `step` stops: its epochs or its step limit. */
function limitReached(limits: RunLimits, step: number): 'epochs' | 'max-steps' {
  return limits.epochs !== undefined && step >= limits.epochs * limits.perEpoch ? 'epochs' : 'max-steps';
}

/** Move the state past a step of `examples` examples and `tokens` tokens (epoch and position in the data order). */
function advance(state: TrainingState, examples: number, tokens: number, count: number): void {
  state.step++;
  state.position += examples;
  state.examplesSeen += examples;
  state.tokensSeen += tokens;
  if (state.position >= count) {
    state.epoch++;
    state.position = 0;
  }
}

/** The micro-batch in use; with 'auto' it halves after an out-of-memory error, the accumulation rising to match. */
interface Batching {
  micro: number;
  accum: number;
}

/**
 * Train (or resume) the experiment in `expDir`. Writes checkpoints/{last,best}, metrics.jsonl, TensorBoard events
 * and manifest.json there. Uses the active TensorFlow.js backend: call `initBackend()` first to choose the best
 * one (the command line and the notebooks do).
 */
export async function train(expDir: string, data: TrainData, opts: TrainOptions): Promise<TrainResult> {
  validate(opts);
  const log = opts.log ?? ((line: string) => process.stdout.write(line + '\n'));
  const started = Date.now();
  const backend = backendInfo();
  if (data.train.count === 0) throw new UserError(`the training set has no examples. Fix: build examples with \`cefrlab examples train ...\``);
  if (opts.restart) removeRunOutputs(expDir);
  fs.mkdirSync(expDir, { recursive: true });
  const lastDir = path.join(checkpointsDir(expDir), 'last');
  const bestDir = path.join(checkpointsDir(expDir), 'best');

  const trainFiles = await hashFiles(data.train.files, expDir);
  const evalFiles = data.eval ? await hashFiles(data.eval.files, expDir) : [];
  const dataHash = trainFiles.map((f) => f.sha256).join(',') || `memory:${data.train.count}`;
  const evalHash = data.eval ? evalFiles.map((f) => f.sha256).join(',') || `memory:${data.eval.count}` : 'none';
  const { hash: initHash, problem: initProblem } = await initWeightsHash(opts.init);

  const limits = runLimits(opts, data.train.count);
  const { auto, examplesPerStep, perEpoch, epochs, totalSteps } = limits;
  const schedule = resolveSchedule(opts, totalSteps);
  const seqLenFor = (m: GPT2) => Math.min(opts.seqLen ?? data.train.seqLen, m.config.n_positions);
  const expected = (config: GPT2Config, seqLen: number) => fingerprint(opts, config, seqLen, dataHash, evalHash, initHash, examplesPerStep, schedule);

  const { model, optimizer, onHost, state, resumedFromStep } = startRun(lastDir, opts, expected, seqLenFor, log, data.train.count, backend.tfBackend, initProblem);
  const seqLen = seqLenFor(model);
  log(model.summary());
  log(`Backend: ${backend.description}; native kernels: ${backend.nativeKernels.active ? 'on' : 'off'} (${backend.nativeKernels.reason})`);

  // wasm: micro-batch sums (and a large model's AdamW moments, placed by startRun) live in JavaScript memory,
  // outside the 4 GiB heap, and the largest micro-batch estimated to fit comes first, since running out of
  // memory there is fatal
  const micro0 = auto && backend.tfBackend === 'wasm'
    ? fittingMicroBatch(model.config, limits.target, seqLen, fixedTrainingBytes(model.parameterCount(), onHost), 0.85 * WASM_HEAP_BYTES)
    : limits.target;
  const batching: Batching = { micro: micro0, accum: accumulationFor(examplesPerStep, micro0) };
  const evalEvery = opts.evalEverySteps ?? perEpoch;
  const checkpointEvery = opts.checkpointEverySteps ?? evalEvery;
  const patience = opts.patience && opts.patience > 0 ? opts.patience : 0;
  if (state.stopped === 'max-steps' || state.stopped === 'epochs') state.stopped = null; // limits may have grown
  const evalIndices = data.eval ? evalSample(opts.seed, data.eval.count, opts.evalMaxExamples) : [];

  const metrics = new MetricsLog(path.join(expDir, 'metrics.jsonl'));
  metrics.truncateAfter(state.step);
  const events = new EventWriter(expDir, resumedFromStep !== null ? { resumedAtStep: resumedFromStep } : {});
  const initIn = opts.init ? manifestPath(expDir, opts.init) : null;
  const manifest = new RunManifest({
    file: path.join(expDir, 'manifest.json'), started, seed: opts.seed,
    options: {
      ...opts, log: undefined, beforeMicroBatch: undefined, init: initIn, seqLen, epochs: epochs ?? null, evalEverySteps: evalEvery, checkpointEverySteps: checkpointEvery,
    },
    model: { config: model.config, parameters: model.parameterCount(), init: initIn, initWeights: initHash, preset: opts.config || opts.init ? null : opts.model },
    backend,
    data: {
      ...(data.description ?? {}),
      train: { examples: data.train.count, seqLen: data.train.seqLen, files: trainFiles },
      eval: data.eval ? { examples: data.eval.count, sample: evalIndices.length, files: evalFiles } : null,
    },
    stepsPerEpoch: perEpoch, totalSteps, examplesPerStep, requestedBatch: opts.batchSize, schedule, resumedFromStep,
  });
  manifest.write(batching.micro, batching.accum);

  const describeBatch = () => `batch ${batching.micro} x accumulation ${batching.accum}${auto ? ' (--batch-size auto)' : ''}`;
  log(`Training: ${data.train.count} examples, ${perEpoch} steps per epoch (${examplesPerStep} examples per step: ${describeBatch()}), ` +
    `${Number.isFinite(totalSteps) ? totalSteps : '?'} steps, sequence length ${seqLen}, evaluation every ${evalEvery} steps on ${evalIndices.length} examples.`);
  if (onHost.optimizer) log('Memory: the AdamW moments and the sums of micro-batch gradients are kept in JavaScript memory, outside the 4 GiB WebAssembly heap.');
  log(`Learning rate: ${scheduleApplies(schedule)}${schedule.name === 'given' ? ` (${schedule.lr}, ${schedule.kind}, warm-up ${schedule.warmupSteps})` : ` (warm-up ${schedule.warmupSteps} steps)`}.`);

  let lastEval: EvalMetrics | null = null;
  const bar = progress('train', Number.isFinite(totalSteps) ? totalSteps : state.step + perEpoch);
  const keptMessage = () => (hasCheckpoint(lastDir) ? `the last good checkpoint (step ${loadStep(lastDir)}) is kept in ${lastDir}` : 'no checkpoint had been written yet');
  const memoryFailure = (err: unknown, canHalve: boolean, fatalInAuto = false) =>
    outOfMemoryError({ step: state.step + 1, micro: batching.micro, accum: batching.accum, seqLen, auto: canHalve, backend: backend.tfBackend, err, kept: keptMessage(), fatalInAuto });

  /** The step's gradients at the current micro-batch; with 'auto', halve it after out-of-memory and retry. */
  const gradientsOfStep = async (indices: number[]) => {
    for (;;) {
      try {
        const micros = chunk(indices, batching.micro);
        const keep = opts.contextSample ?? 1;
        // On webgpu, running out of GPU memory shows only in the device's error scopes (withGpuErrors).
        return await withGpuErrors(() => stepGradients(model, micros.map((ix) => fitLength(data.train.batch(ix), seqLen)), {
          step: state.step + 1,
          dropoutSeed: (k) => dropoutSeed(opts.seed, state.step, k),
          minimalSupervision: opts.minimalSupervision,
          contextSample: keep < 1 ? { keep, seed: opts.seed, examples: micros } : undefined,
          beforeMicroBatch: opts.beforeMicroBatch,
          accumulateOnHost: onHost.accumulation,
        }), (r) => tf.dispose([...r.grads.values()]));
      } catch (err) {
        if (!isMemoryError(err)) throw err;
        const fatal = isFatalMemoryError(err);
        if (!auto || batching.micro === 1 || fatal) throw memoryFailure(err, auto && !fatal, auto && fatal);
        const was = batching.micro;
        batching.micro = Math.max(1, Math.floor(batching.micro / 2));
        batching.accum = accumulationFor(examplesPerStep, batching.micro);
        log(`Out of memory with micro-batch ${was} (${(err as Error).message.split('\n')[0].slice(0, 120)}): trying ${describeBatch()}, still ${examplesPerStep} examples per step.`);
        manifest.write(batching.micro, batching.accum);
      }
    }
  };

  try {
    while (!state.stopped) {
      if (state.step >= totalSteps) {
        state.stopped = limitReached(limits, state.step);
        break;
      }
      const [indices] = planStep(opts.seed, state.epoch, state.position, data.train.count, examplesPerStep, 1);
      const t0 = Date.now();
      const { grads, loss, tokens, examples } = await gradientsOfStep(indices);
      const gradNorm = await clipByGlobalNorm(grads, opts.clip);
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        tf.dispose([...grads.values()]);
        metrics.append({ kind: 'train', step: state.step + 1, epoch: state.epoch, loss, grad_norm: gradNorm, diverged: 1 });
        throw divergedError(state.step + 1, loss, gradNorm, keptMessage(), schedule.lr, opts.clip);
      }
      const lr = learningRate(schedule, state.step);
      try {
        await withGpuErrors(async () => optimizer.apply(grads, lr));
      } catch (err) {
        throw isMemoryError(err) ? memoryFailure(err, false) : err;
      } finally {
        tf.dispose([...grads.values()]);
      }
      advance(state, examples, tokens, data.train.count);
      const seconds = Math.max(1e-3, (Date.now() - t0) / 1000);
      logStep(metrics, events, state, { loss, lr, grad_norm: gradNorm, examples_per_sec: examples / seconds, tokens_per_sec: tokens / seconds });
      bar.update(state.step, { loss: loss.toFixed(3), 'tok/s': Math.round(tokens / seconds), epoch: state.epoch });

      const final = state.step >= totalSteps;
      if (final) state.stopped = limitReached(limits, state.step);
      if ((state.step % evalEvery === 0 || final) && data.eval && evalIndices.length > 0) {
        lastEval = await evaluateAndKeepBest({ model, source: data.eval, indices: evalIndices, batchSize: batching.micro, seqLen, state, metrics, events, log, bestDir });
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
  } catch (err) {
    optimizer.dispose();
    model.dispose();
    throw err;
  } finally {
    bar.stop();
    events.close();
  }

  const result: TrainResult = {
    expDir, step: state.step, epoch: state.epoch, stopped: state.stopped, resumedFromStep,
    bestInfillLoss: state.bestInfillLoss, bestStep: state.bestStep, lastEval, parameters: model.parameterCount(),
    seconds: (Date.now() - started) / 1000, batchSize: batching.micro, accum: batching.accum, schedule,
  };
  manifest.finish(state, { step: state.step, epoch: state.epoch, stopped: state.stopped, bestInfillLoss: state.bestInfillLoss, bestStep: state.bestStep, lastEval }, batching.micro, batching.accum);
  optimizer.dispose();
  model.dispose();
  log(`Done: step ${state.step}, epoch ${state.epoch}, stopped by ${state.stopped}; best infill loss ${fmt(state.bestInfillLoss)} at step ${state.bestStep ?? '-'}.`);
  return result;
}

/** A step's loss or gradient norm is not finite: stop before the update, with what to change. */
function divergedError(step: number, loss: number, gradNorm: number, kept: string, lr: number, clip: number): TrainingDivergedError {
  return new TrainingDivergedError(
    `training stopped at step ${step}: the ${Number.isFinite(loss) ? 'gradient norm' : 'loss'} is ${Number.isFinite(loss) ? gradNorm : loss}; ${kept}. ` +
    `Fix: lower the learning rate (--lr, now ${lr}), keep gradient clipping on (--clip, now ${clip}), add --warmup-steps, and check the examples`,
  );
}

/** One training step in metrics.jsonl and the TensorBoard events. */
function logStep(metrics: MetricsLog, events: EventWriter, state: TrainingState, record: { loss: number; lr: number; grad_norm: number; examples_per_sec: number; tokens_per_sec: number }): void {
  metrics.append({ kind: 'train', step: state.step, epoch: state.epoch, ...record });
  events.scalars(state.step, {
    'train/loss': record.loss, 'train/lr': record.lr, 'train/grad_norm': record.grad_norm,
    'train/examples_per_sec': record.examples_per_sec, 'train/tokens_per_sec': record.tokens_per_sec,
  });
}

/**
 * One evaluation during training: the fixed sample's losses, logged to metrics.jsonl and TensorBoard, the
 * early-stopping state updated, and checkpoints/best written when the infill loss improved.
 */
async function evaluateAndKeepBest(c: {
  model: GPT2; source: ExampleSource; indices: number[]; batchSize: number; seqLen: number; state: TrainingState;
  metrics: MetricsLog; events: EventWriter; log: (line: string) => void; bestDir: string;
}): Promise<EvalMetrics> {
  const { state } = c;
  const t0 = Date.now();
  const m = await evaluateModel(c.model, c.source, c.indices, { batchSize: c.batchSize, seqLen: c.seqLen });
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
  c.metrics.append({ kind: 'eval', step: state.step, epoch: state.epoch, ...record });
  const scalars: Record<string, number> = {};
  for (const [k, v] of Object.entries(record)) if (typeof v === 'number' && !['best', 'examples'].includes(k)) scalars[`eval/${k}`] = v;
  c.events.scalars(state.step, scalars);
  c.log(`eval step ${state.step}: context loss ${fmt(m.context.loss)}, infill loss ${fmt(m.infill.loss)} (ppl ${fmt(m.infill.perplexity)}), ` +
    `infill text ppl ${fmt(m.infillTextOnly.perplexity)}${improved ? ' (best)' : ''}`);
  if (improved) await saveCheckpoint(c.bestDir, c.model, null, state);
  return m;
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
