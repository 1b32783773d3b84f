/**
 * Loads the optional OpenBLAS addon built by `native/install.js` during `npm install`.
 *
 * The addon is an accelerator, never a requirement: when it is missing (no libopenblas-dev at install time),
 * fails to load, or `CEFRLAB_NATIVE=0` is set, everything runs on TensorFlow.js's own kernels and
 * `nativeKernelsStatus()` says why, for `cefrlab doctor` and experiment manifests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../paths';

/** The functions `native/src/addon.cc` exports. Offsets and sizes are in float32 elements. */
export interface BlasAddon {
  /** C[i] = alpha·op(A at aOffsets[i])·op(B at bOffsets[i]) + beta·C[i] for each i; C[i] starts at i·cStride. */
  sgemmBatch(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: Float32Array, aOffsets: Int32Array, b: Float32Array, bOffsets: Int32Array,
    c: Float32Array, cStride: number, alpha?: number, beta?: number,
  ): void;
  /** c[r, j] += bias[j] for a row-major [rows, cols] matrix. */
  addRowBias(c: Float32Array, rows: number, cols: number, bias: Float32Array): void;
  /** y[r] = softmax(x[r]) for a row-major [rows, cols] matrix (x and y may be the same array). */
  softmaxRows(x: Float32Array, y: Float32Array, rows: number, cols: number): void;
  /**
   * sum_i w_i (logsumexp(x_i) - x_i[t_i]) over the rows of [rows, cols]; nll receives each weighted row's
   * negative log-likelihood. With g, the same pass writes the gradient w_i (softmax(x_i) - onehot(t_i)).
   */
  crossEntropy(
    x: Float32Array, rows: number, cols: number, targets: Int32Array, weights: Float32Array, nll: Float32Array, g: Float32Array | null,
  ): number;
  blasInfo(): { config: string; threads: number };
  setThreads(n: number): void;
}

export interface NativeKernelsStatus {
  /** The addon is loaded and usable. */
  loaded: boolean;
  /** Kernels are currently registered with TensorFlow.js (for `backend`). */
  active: boolean;
  /** The TensorFlow.js backend the kernels are registered for, when active. */
  backend: string | null;
  /** Why it is (not) loaded or active, in words a user can act on. */
  reason: string;
  /** OpenBLAS's build description (version, CPU target, threads), or '' when not loaded. */
  blas: string;
  /** Kernel names replaced, when active. */
  kernels: string[];
}

export const addonPath = path.join(projectRoot, 'native', 'build', 'Release', 'cefrlab_blas.node');

let cached: { addon: BlasAddon | null; reason: string; blas: string } | null = null;

/** Load the addon once; returns null (with the reason kept for the status) when it cannot be used. */
export function loadAddon(): BlasAddon | null {
  if (cached) return cached.addon;
  if (process.env.CEFRLAB_NATIVE === '0') {
    cached = { addon: null, reason: 'disabled by CEFRLAB_NATIVE=0', blas: '' };
  } else if (!fs.existsSync(addonPath)) {
    cached = {
      addon: null,
      reason: 'not built: install libopenblas-dev (Debian/Ubuntu) and run `node native/install.js` (or `npm install`)',
      blas: '',
    };
  } else {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const addon = require(addonPath) as BlasAddon;
      const info = addon.blasInfo();
      cached = { addon, reason: 'OpenBLAS addon loaded', blas: `${info.config.trim()} (threads ${info.threads})` };
    } catch (err) {
      cached = {
        addon: null,
        reason: `built but does not load (${(err as Error).message.split('\n')[0]}); rebuild with \`node native/install.js\``,
        blas: '',
      };
    }
  }
  return cached.addon;
}

export function addonStatus(): { loaded: boolean; reason: string; blas: string } {
  loadAddon();
  return { loaded: cached!.addon != null, reason: cached!.reason, blas: cached!.blas };
}
