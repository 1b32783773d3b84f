/**
 * Native (OpenBLAS) kernels for TensorFlow.js's CPU backends.
 *
 * `enableNativeKernels()` replaces, for the backend in use (wasm or cpu), the kernels that dominate a GPT-2
 * training step — BatchMatMul, _FusedMatMul and Softmax (and, on wasm, Identity) — with versions that call
 * the addon in `native/` on the tensors' own memory, and adds a fused cross-entropy kernel
 * (`crossentropy.ts`). Measured on the project's 2-core machine (bench/train-speed), the wasm backend with
 * these kernels trains about 15x faster than wasm alone and 4x faster than the cpu backend with them (whose
 * every new tensor is a fresh JavaScript allocation). TensorFlow.js lets a program swap a backend's kernel with
 * `unregisterKernel`/`registerKernel`; the originals are kept and used for every case the native versions
 * do not cover (other dtypes, fused activations, odd bias shapes), and `disableNativeKernels()` puts them
 * back. Results equal the originals up to float32 rounding (test/kernels-*.test.ts).
 *
 * `CEFRLAB_NATIVE=0` turns all of this off.
 */
import * as tf from '@tensorflow/tfjs';
import { addonStatus, loadAddon, type BlasAddon, type NativeKernelsStatus } from './native';
import { isColumnBias, nativeMatMul } from './matmul';
import { storageFor } from './storage';
import { crossEntropyKernels, tokenNllNative, weightedCrossEntropyNative } from './crossentropy';

export type { NativeKernelsStatus } from './native';
export { planMatMul } from './matmul';
export { weightedCrossEntropyNative, tokenNllNative } from './crossentropy';

type TensorInfo = tf.TensorInfo;
type KernelConfig = tf.KernelConfig;
type KernelArgs = { inputs: Record<string, TensorInfo | undefined>; backend: unknown; attrs?: Record<string, unknown> };

export const SUPPORTED_BACKENDS = ['wasm', 'cpu'] as const;

interface Active {
  backend: string;
  /** Replaced TensorFlow.js kernels, restored by `disableNativeKernels`. */
  originals: Map<string, KernelConfig>;
  /** Kernels of our own (the fused cross-entropy), removed by `disableNativeKernels`. */
  added: string[];
}

let active: Active | null = null;
let lastReason = '';

const float32 = (...ts: Array<TensorInfo | undefined>) => ts.every((t) => t == null || t.dtype === 'float32');

function callOriginal(original: KernelConfig, args: KernelArgs): TensorInfo | TensorInfo[] {
  return original.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as TensorInfo | TensorInfo[];
}

/** Kernel functions for one backend, each falling back to `originals` for what it does not handle. */
function makeKernels(addon: BlasAddon, backendName: string, originals: Map<string, KernelConfig>): Record<string, tf.KernelFunc> {
  const orig = (name: string) => originals.get(name)!;
  const batchMatMul = (args: KernelArgs) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const store = storageFor(backendName, args.backend);
    if (!store || !float32(a, b)) return callOriginal(orig(tf.BatchMatMul), args);
    const attrs = args.attrs ?? {};
    return nativeMatMul(addon, store, a, b, Boolean(attrs.transposeA), Boolean(attrs.transposeB));
  };
  const fusedMatMul = (args: KernelArgs) => {
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const attrs = args.attrs ?? {};
    const activation = (attrs.activation as string | undefined) ?? 'linear';
    const store = storageFor(backendName, args.backend);
    const transposeB = Boolean(attrs.transposeB);
    const n = b ? (transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1]) : -1;
    if (!store || !a || !b || !float32(a, b, bias) || activation !== 'linear' || preluActivationWeights != null || (bias && !isColumnBias(bias, n))) {
      return callOriginal(orig(tf._FusedMatMul), args);
    }
    return nativeMatMul(addon, store, a, b, Boolean(attrs.transposeA), transposeB, bias ?? null);
  };
  const softmax = (args: KernelArgs) => {
    const { logits } = args.inputs as { logits: TensorInfo };
    const store = storageFor(backendName, args.backend);
    const dim = (args.attrs?.dim as number | undefined) ?? -1;
    const rank = logits.shape.length;
    if (!store || !float32(logits) || rank === 0 || (dim !== -1 && dim !== rank - 1)) return callOriginal(orig(tf.Softmax), args);
    const cols = logits.shape[rank - 1];
    const rows = cols === 0 ? 0 : logits.shape.reduce((x, y) => x * y, 1) / cols;
    const out = store.alloc([...logits.shape]);
    if (rows > 0) addon.softmaxRows(store.view(logits), store.view(out), rows, cols);
    return out;
  };
  /**
   * The engine clones every tensor a gradient needs (`saveTensorsForBackwardMode`), and the wasm backend's
   * Identity copies the data: for the output layer that is a copy of the [N, 50264] logits per step. Tensors
   * are never written in place, so sharing the data with a reference count (what the wasm Reshape and the cpu
   * backend's Identity already do) is equivalent and free.
   */
  const identity = (args: KernelArgs) => {
    const x = args.inputs.x!;
    const backend = args.backend as { incRef?: (dataId: object) => void };
    if (x.dtype === 'string' || typeof backend.incRef !== 'function') return callOriginal(orig(tf.Identity), args);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  return {
    [tf.Identity]: identity as unknown as tf.KernelFunc,
    [tf.BatchMatMul]: batchMatMul as unknown as tf.KernelFunc,
    [tf._FusedMatMul]: fusedMatMul as unknown as tf.KernelFunc,
    [tf.Softmax]: softmax as unknown as tf.KernelFunc,
  };
}

/**
 * Register the native kernels for `backendName` (default: the active backend). Idempotent; switching to
 * another backend first restores the previous one's kernels. Returns the resulting status.
 */
export function enableNativeKernels(backendName: string = tf.getBackend()): NativeKernelsStatus {
  const addon = loadAddon();
  if (!addon) {
    lastReason = addonStatus().reason;
    return nativeKernelsStatus();
  }
  if (active?.backend === backendName) return nativeKernelsStatus();
  if (active) disableNativeKernels();
  if (!(SUPPORTED_BACKENDS as readonly string[]).includes(backendName)) {
    lastReason = `backend '${backendName}' uses its own kernels (native kernels serve ${SUPPORTED_BACKENDS.join(' and ')})`;
    return nativeKernelsStatus();
  }
  if (!storageFor(backendName, tf.findBackend(backendName))) {
    lastReason = `backend '${backendName}' is not initialised or its internals differ from TensorFlow.js 4.x`;
    return nativeKernelsStatus();
  }
  const originals = new Map<string, KernelConfig>();
  // Identity only on wasm: the cpu backend's own Identity already shares data.
  const names = [tf.BatchMatMul, tf._FusedMatMul, tf.Softmax, ...(backendName === 'wasm' ? [tf.Identity] : [])];
  for (const name of names) {
    const original = tf.getKernel(name, backendName);
    if (!original) {
      lastReason = `backend '${backendName}' has no ${name} kernel to replace`;
      return nativeKernelsStatus();
    }
    originals.set(name, original);
  }
  const kernels = makeKernels(addon, backendName, originals);
  for (const name of names) {
    tf.unregisterKernel(name, backendName);
    tf.registerKernel({ kernelName: name, backendName, kernelFunc: kernels[name] });
  }
  const own = crossEntropyKernels(addon, backendName);
  const added = Object.keys(own);
  for (const name of added) {
    if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName);
    tf.registerKernel({ kernelName: name, backendName, kernelFunc: own[name] });
  }
  active = { backend: backendName, originals, added };
  lastReason = `OpenBLAS kernels registered for the ${backendName} backend`;
  return nativeKernelsStatus();
}

/** Put TensorFlow.js's own kernels back. */
export function disableNativeKernels(): void {
  if (!active) return;
  for (const [name, original] of active.originals) {
    tf.unregisterKernel(name, active.backend);
    tf.registerKernel(original);
  }
  for (const name of active.added) tf.unregisterKernel(name, active.backend);
  lastReason = `disabled; TensorFlow.js kernels restored for the ${active.backend} backend`;
  active = null;
}

/** What `cefrlab doctor` and manifests show: loaded, active for which backend, why, and the BLAS build. */
export function nativeKernelsStatus(): NativeKernelsStatus {
  const s = addonStatus();
  return {
    loaded: s.loaded,
    active: active != null,
    backend: active?.backend ?? null,
    reason: lastReason || s.reason,
    blas: s.blas,
    kernels: active ? [...active.originals.keys(), ...active.added] : [],
  };
}

/** Whether `weightedCrossEntropyNative` can run on the current backend. */
export function nativeCrossEntropyAvailable(): boolean {
  return active != null && active.backend === tf.getBackend();
}

/** Per-row negative log-likelihood through the native kernel when active on the current backend, else null. */
export function tryTokenNllNative(logits2d: tf.Tensor2D, targets: Int32Array): tf.Tensor1D | null {
  return nativeCrossEntropyAvailable() ? tokenNllNative(logits2d, targets) : null;
}

/**
 * The weighted cross-entropy through the native kernels when they are active on the current backend, else
 * null (the caller then uses its TensorFlow.js formulation).
 */
export function tryWeightedCrossEntropyNative(logits2d: tf.Tensor2D, targets: Int32Array, weights: Float32Array): tf.Scalar | null {
  return nativeCrossEntropyAvailable() ? weightedCrossEntropyNative(logits2d, targets, weights) : null;
}

/** One line for `cefrlab doctor` and logs, e.g. "active on wasm: OpenBLAS 0.3.21 … (threads 2)" or "off: <why>". */
export function describeNativeKernels(status: NativeKernelsStatus = nativeKernelsStatus()): string {
  if (status.active) return `active on ${status.backend}: ${status.blas}`;
  if (status.loaded) return `loaded but not active: ${status.reason} (${status.blas})`;
  return `off: ${status.reason}`;
}
