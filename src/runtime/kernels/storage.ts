/**
 * Zero-copy access to tensor data inside a TensorFlow.js kernel, for the two CPU backends the native kernels
 * serve. The wasm backend keeps every tensor in its WebAssembly heap (a `memoryOffset` into
 * `backend.wasm.HEAPU8.buffer`); the cpu backend keeps a typed array per tensor (`backend.data.get(id).values`).
 *
 * Order matters on wasm: allocating an output can grow the heap, which detaches every earlier view of it.
 * Kernels therefore allocate all outputs first and take views (inputs and outputs) afterwards.
 */
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;

export interface KernelStorage {
  /** Allocate a float32 output of `shape` (contents undefined). */
  alloc(shape: number[]): TensorInfo;
  /** A Float32Array over the tensor's data (valid until the next allocation). */
  view(t: TensorInfo): Float32Array;
}

/* The backends' fields used here are internal to TensorFlow.js 4.x; they are typed loosely on purpose and
 * checked once by `storageFor` so a TensorFlow.js upgrade that changes them turns the kernels off instead of
 * breaking them. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}
interface CpuBackendLike {
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
  data: { get(dataId: object): { values?: unknown } | undefined };
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function wasmStorage(backend: WasmBackendLike): KernelStorage {
  return {
    alloc: (shape) => backend.makeOutput(shape, 'float32'),
    view: (t) => backend.typedArrayFromHeap(t),
  };
}

function cpuStorage(backend: CpuBackendLike): KernelStorage {
  return {
    alloc: (shape) => backend.makeTensorInfo(shape, 'float32', new Float32Array(size(shape))),
    view: (t) => {
      const values = backend.data.get(t.dataId)?.values;
      if (!(values instanceof Float32Array)) throw new Error(`native kernels: tensor data of dtype ${t.dtype} is not a Float32Array`);
      return values;
    },
  };
}

/** Storage for a backend by name, or null when that backend is not one the native kernels understand. */
export function storageFor(backendName: string, backend: unknown): KernelStorage | null {
  if (backend == null || typeof backend !== 'object') return null;
  const b = backend as Record<string, unknown>;
  if (backendName === 'wasm' && typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function') {
    return wasmStorage(backend as WasmBackendLike);
  }
  if (backendName === 'cpu' && typeof b.makeTensorInfo === 'function' && b.data != null) {
    return cpuStorage(backend as CpuBackendLike);
  }
  return null;
}
