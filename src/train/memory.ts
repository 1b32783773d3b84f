/**
 * Running out of memory during training, in every form it takes, and the automatic micro-batch size.
 *
 * Forms seen with TensorFlow.js: JavaScript's `RangeError: Array buffer allocation failed` / `Invalid typed
 * array length` (cpu backend), the wasm backend's failed allocations ("Failed to allocate", "Cannot enlarge
 * memory", "out of memory") and, once the 4 GiB WebAssembly heap is exhausted inside a kernel, emscripten's
 * `RuntimeError: Aborted()` (or "memory access out of bounds"). The last ones leave the WebAssembly instance
 * unusable, so they are fatal: no retry in this process. The others free what the failed step allocated (its
 * tidy scopes end) and the step can be tried again with a smaller micro-batch. On webgpu the GPU's own
 * out-of-memory errors (and a tensor over the adapter's largest buffer) arrive through the device's error
 * scopes as "out of memory on the GPU" (src/runtime/webgpu.ts, `withGpuErrors`) and are retried the same way.
 *
 * `--batch-size auto` (the default of the command line) works as Hugging Face Accelerate's
 * `find_executable_batch_size`: start from the requested micro-batch (8), halve it after each out-of-memory
 * error, and raise the accumulation so that every optimizer step still sees the same examples. Because the
 * step's loss is weighted by trained tokens across its micro-batches (step.ts), a smaller micro-batch changes
 * only float rounding, not the trajectory.
 */
import { UserError } from '../runtime/errors';
import type { GPT2Config } from '../model/config';

const MEMORY_ERROR =
  /out of memory|\boom\b|cannot allocate|allocation failed|failed to allocate|invalid (typed )?array( buffer)? length|array buffer allocation|cannot enlarge memory|could not allocate|memory access out of bounds|aborted\(|\babort\(/i;
const FATAL = /aborted\(|\babort\(|memory access out of bounds/i;

/** The error's name, message and (for wasm aborts) constructor name in one string. */
function describe(err: unknown): string {
  if (err instanceof Error) return `${err.constructor?.name ?? ''} ${err.name} ${err.message}`;
  return String(err);
}

/** Whether `err` is an out-of-memory error of any backend (never a UserError: those are ours). */
export function isMemoryError(err: unknown): boolean {
  if (err instanceof UserError) return false;
  return MEMORY_ERROR.test(describe(err));
}

/** Whether the error left the backend unusable (wasm aborted): the process must stop. */
export function isFatalMemoryError(err: unknown): boolean {
  return isMemoryError(err) && FATAL.test(describe(err));
}

/** First line of an error message, for user-facing text. */
export function firstLine(err: unknown): string {
  return (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split('\n')[0].slice(0, 200);
}

/** Micro-batch and accumulation for `examplesPerStep` examples at micro-batch `micro`. */
export function accumulationFor(examplesPerStep: number, micro: number): number {
  return Math.ceil(examplesPerStep / micro);
}

/**
 * A rough upper bound of the bytes one training micro-batch of `batch` x `seqLen` needs beyond the weights:
 * the activations kept for the backward pass and the output layer's logits, their softmax and gradient
 * (3 x V floats per trained position, at most every position). Per token and layer the forward pass keeps
 * about 60 x width floats: the two layer norms (input, centred, normalised: 3 + 3), q, k, v and their
 * head-major copies (6), the attention output and its merge (2), two residual sums (2), the MLP's 4C-wide
 * input and the eight 4C-wide pieces of GELU's tanh form (x³, its scaling, the sum, the tanh argument, tanh,
 * 1 + tanh, x/2 and the product: 36), the MLP output (1) and slack for the reshapes (7); plus the attention
 * scores, masked scores and probabilities (3 x heads x seqLen per token).
 */
export function activationBytes(config: GPT2Config, batch: number, seqLen: number): number {
  const { n_layer: L, n_embd: C, n_head: H, vocab_size: V } = config;
  const perLayer = batch * seqLen * (60 * C) + 3 * batch * H * seqLen * seqLen;
  return 4 * (L * perLayer + 3 * batch * seqLen * V);
}

/** The WebAssembly heap TensorFlow.js's wasm backend can grow to (wasm32: 4 GiB). */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;

/**
 * On wasm, the AdamW moments move to JavaScript memory (optimizer.ts, `onHost`) when the training state on the
 * heap (weights, two moments, gradients and their sum: 5 floats per parameter) would take more than this share
 * of it: GPT-2 124M (2.5 GB) moves, the tiny and small presets (0.14 and 0.33 GB) keep the faster device update.
 */
export const HOST_OPTIMIZER_SHARE = 0.25;

/** Where the training state lives on this backend: micro-batch sums and, for large models, the AdamW moments. */
export function hostPlacement(parameters: number, tfBackend: string): { accumulation: boolean; optimizer: boolean } {
  const wasm = tfBackend === 'wasm';
  return { accumulation: wasm, optimizer: wasm && 4 * parameters * 5 > HOST_OPTIMIZER_SHARE * WASM_HEAP_BYTES };
}

/**
 * Bytes the backend holds besides activations: weights and one set of gradients, plus both AdamW moments and a
 * second gradient set (the micro-batch sum) unless they live on the host.
 */
export function fixedTrainingBytes(parameters: number, onHost: { accumulation: boolean; optimizer: boolean }): number {
  return 4 * parameters * (2 + (onHost.optimizer ? 0 : 2) + (onHost.accumulation ? 0 : 1));
}

/**
 * How much more than `activationBytes` a micro-batch takes on the wasm heap (temporaries of the backward pass,
 * the dense embedding gradients, fragmentation). Measured 2026-12-02 with `--model gpt2` at 256 tokens: with
 * the moments and sums on the host (1.0 GB fixed), micro-batch 2 still aborted the 4 GiB heap, so it needs
 * more than 3 GB (the estimate with this factor: 3.3 GB); micro-batch 1 trains.
 */
export const ACTIVATION_SAFETY = 2;

/**
 * The largest micro-batch (a power-of-two fraction of `target`) whose estimate fits `budget` bytes next to
 * `fixedBytes` (weights, moments, gradients and their accumulation), at least 1. Used on wasm, where running
 * out is fatal, to start below the limit instead of finding it by crashing.
 */
export function fittingMicroBatch(config: GPT2Config, target: number, seqLen: number, fixedBytes: number, budget: number): number {
  let b = target;
  while (b > 1 && fixedBytes + ACTIVATION_SAFETY * activationBytes(config, b, seqLen) > budget) b = Math.floor(b / 2);
  return Math.max(1, b);
}

/** The message of a training run that ran out of memory (exit code 1; checkpoints are never written after it). */
export function outOfMemoryError(opts: {
  step: number; micro: number; accum: number; seqLen: number; auto: boolean; backend: string; err: unknown; kept: string;
  /** `--batch-size auto` was in use but the error was fatal (wasm), so it could not halve and retry. */
  fatalInAuto?: boolean;
}): UserError {
  const what = firstLine(opts.err);
  const fixes = opts.fatalInAuto
    ? `the WebAssembly heap cannot recover from this, so --batch-size auto could not halve and retry. Fix: ` +
      (opts.micro > 1 ? `start lower with --batch-size ${Math.floor(opts.micro / 2)} and --accum ${opts.accum * 2} (the same examples per step), ` : '') +
      `lower --seq-len (now ${opts.seqLen}), or use CEFRLAB_BACKEND=cpu (no 4 GiB limit)`
    : opts.auto
    ? `even a micro-batch of 1 does not fit. Fix: lower --seq-len (now ${opts.seqLen}), use a smaller --model, or another backend (CEFRLAB_BACKEND=cpu has no 4 GiB limit; on a GPU, a larger one)`
    : `Fix: use --batch-size auto (halves the micro-batch until it fits and raises --accum to keep the examples per step), or lower --batch-size (now ${opts.micro}) and raise --accum (now ${opts.accum}), or lower --seq-len (now ${opts.seqLen})`;
  const wasm = opts.backend === 'wasm' ? ' (the WebAssembly backend can use at most 4 GiB)' : '';
  return new UserError(`out of memory at step ${opts.step} with micro-batch ${opts.micro} x ${opts.seqLen} tokens on ${opts.backend}${wasm}: ${what}; ${opts.kept}. ${opts.auto ? 'Automatic batch size: ' : ''}${fixes}`, 1);
}
