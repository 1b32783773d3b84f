/**
 * BatchMatMul and _FusedMatMul on OpenBLAS. Same contract as TensorFlow.js's kernels: inputs of rank >= 2,
 * `transposeA`/`transposeB` on the last two axes, and the leading (batch) axes broadcast against each other
 * with NumPy rules. Transposes go to BLAS as flags and batches as element offsets into the operands, so no
 * operand is copied. Gradients need nothing extra: TensorFlow.js differentiates matMul into further matMuls
 * (with transposes), which land here too.
 */
import * as tf from '@tensorflow/tfjs';
import type { BlasAddon } from './native';
import type { KernelStorage } from './storage';

type TensorInfo = tf.TensorInfo;

export interface MatMulPlan {
  outShape: number[];
  m: number;
  n: number;
  k: number;
  aOffsets: Int32Array;
  bOffsets: Int32Array;
}

const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * Shapes and per-batch operand offsets for op(a)·op(b). Batch axes are right-aligned; an axis of size 1 (or a
 * missing axis) is broadcast by giving it stride 0.
 */
export function planMatMul(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): MatMulPlan {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) throw new Error(`matMul needs rank >= 2 operands, got shapes [${aShape}] and [${bShape}]`);
  const m = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const ka = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const kb = transposeB ? bShape[rb - 1] : bShape[rb - 2];
  const n = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  if (ka !== kb) {
    throw new Error(`Error in matMul: inner shapes (${ka}) and (${kb}) of Tensors with shapes ${aShape} and ${bShape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const batch = prod(outer);
  const aOffsets = new Int32Array(batch);
  const bOffsets = new Int32Array(batch);
  const r = outer.length;
  // Element strides of each output batch axis in a and b (0 where broadcast or absent).
  const strideA = new Array<number>(r).fill(0);
  const strideB = new Array<number>(r).fill(0);
  let sa = m * ka;
  for (let i = outerA.length - 1, j = r - 1; i >= 0; i--, j--) {
    strideA[j] = outerA[i] === 1 ? 0 : sa;
    sa *= outerA[i];
  }
  let sb = kb * n;
  for (let i = outerB.length - 1, j = r - 1; i >= 0; i--, j--) {
    strideB[j] = outerB[i] === 1 ? 0 : sb;
    sb *= outerB[i];
  }
  const idx = new Array<number>(r).fill(0);
  for (let t = 0; t < batch; t++) {
    let oa = 0;
    let ob = 0;
    for (let j = 0; j < r; j++) {
      oa += idx[j] * strideA[j];
      ob += idx[j] * strideB[j];
    }
    aOffsets[t] = oa;
    bOffsets[t] = ob;
    for (let j = r - 1; j >= 0; j--) {
      if (++idx[j] < outer[j]) break;
      idx[j] = 0;
    }
  }
  return { outShape: [...outer, m, n], m, n, k: ka, aOffsets, bOffsets };
}

/** op(a)·op(b) (+ bias over the last axis), into a newly allocated output. */
export function nativeMatMul(
  addon: BlasAddon, store: KernelStorage, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean,
  bias: TensorInfo | null = null,
): TensorInfo {
  const plan = planMatMul(a.shape, b.shape, transposeA, transposeB);
  const out = store.alloc(plan.outShape);
  const { m, n, k } = plan;
  if (plan.aOffsets.length > 0 && m > 0 && n > 0) {
    // Views only after the allocation above (it may move the wasm heap).
    const c = store.view(out);
    addon.sgemmBatch(transposeA, transposeB, m, n, k, store.view(a), plan.aOffsets, store.view(b), plan.bOffsets, c, m * n, 1, 0);
    if (bias) addon.addRowBias(c, plan.aOffsets.length * m, n, store.view(bias));
  }
  return out;
}

/** Whether a _FusedMatMul bias is a plain per-column vector the native path can add. */
export function isColumnBias(bias: TensorInfo, n: number): boolean {
  return bias.dtype === 'float32' && bias.shape.length >= 1 && bias.shape[bias.shape.length - 1] === n && prod(bias.shape) === n;
}
