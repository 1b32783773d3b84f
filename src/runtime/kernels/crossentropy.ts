/**
 * Weighted next-token cross-entropy over the 50,264-token vocabulary as two native kernels.
 *
 * Written with TensorFlow.js ops, the loss over logits [N, V] runs max, subtract, exp, sum, log, gather
 * forward and softmax, multiply, gather and a scatter backward: about ten passes over N x V floats (100 M for
 * batch 8 x 256 tokens), each allocating a tensor that size. Here one kernel reads each row once for its
 * maximum and once for the exponentials, and writes the loss and the gradient w_i (softmax(x_i) - onehot(t_i))
 * together; rows with weight 0 (padding, untrained positions) are skipped.
 *
 * The kernel is registered with the others by `enableNativeKernels`; `weightedCrossEntropyNative` is the
 * differentiable op, equal to `sum_i w_i * (logsumexp(x_i) - x_i[t_i])`, and `tokenNllNative` the per-row
 * negative log-likelihood for evaluation.
 */
import * as tf from '@tensorflow/tfjs';
import type { BlasAddon } from './native';
import { storageFor } from './storage';

type TensorInfo = tf.TensorInfo;
type KernelArgs = { inputs: Record<string, TensorInfo | undefined>; backend: unknown; attrs?: Record<string, unknown> };

export const CROSS_ENTROPY = 'CefrlabWeightedCrossEntropy';

export function crossEntropyKernels(addon: BlasAddon, backendName: string): Record<string, tf.KernelFunc> {
  const kernel = (args: KernelArgs) => {
    const logits = args.inputs.logits!;
    const { targets, weights, withGrad } = args.attrs as { targets: Int32Array; weights: Float32Array; withGrad: boolean };
    const [rows, cols] = logits.shape;
    const store = storageFor(backendName, args.backend)!;
    const loss = store.alloc([]);
    const nll = store.alloc([rows]);
    const grad = withGrad ? store.alloc([rows, cols]) : null;
    // Views only after every allocation (a wasm heap growth detaches earlier views).
    const total = addon.crossEntropy(store.view(logits), rows, cols, targets, weights, store.view(nll), grad ? store.view(grad) : null);
    store.view(loss)[0] = total;
    return grad ? [loss, nll, grad] : [loss, nll];
  };
  return { [CROSS_ENTROPY]: kernel as unknown as tf.KernelFunc };
}

function checkTargets(logits2d: tf.Tensor2D, targets: Int32Array, weights: Float32Array | null, what: string): void {
  const [n, v] = logits2d.shape;
  if (targets.length !== n || (weights && weights.length !== n)) {
    throw new Error(`${what}: ${n} rows but ${targets.length} targets${weights ? ` and ${weights.length} weights` : ''}`);
  }
  if (logits2d.dtype !== 'float32') throw new Error(`${what}: logits must be float32, got ${logits2d.dtype}`);
  for (let i = 0; i < n; i++) {
    if ((!weights || weights[i] !== 0) && !(targets[i] >= 0 && targets[i] < v)) throw new Error(`target token ${targets[i]} outside the vocabulary of ${v}`);
  }
}

/** Whether gradients are being recorded (inside tf.grad / tf.variableGrads), read from the engine's state. */
function recordingGradients(): boolean {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state;
  return (state?.gradientDepth ?? 1) > 0;
}

/**
 * sum_i weights[i] * -log softmax(logits[i])[targets[i]] for logits [N, V], differentiable with respect to
 * the logits. While gradients are recorded, the gradient is computed together with the value (one pass over
 * the logits instead of a forward and a backward); otherwise only the value. Needs the native kernels active
 * on the current backend (`enableNativeKernels()`); rows with weight 0 may hold any target.
 */
export function weightedCrossEntropyNative(logits2d: tf.Tensor2D, targets: Int32Array, weights: Float32Array): tf.Scalar {
  checkTargets(logits2d, targets, weights, 'weightedCrossEntropyNative');
  const engine = tf.engine();
  if (!recordingGradients()) {
    const [loss, nll] = engine.runKernel(CROSS_ENTROPY, { logits: logits2d }, { targets, weights, withGrad: false } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
    nll.dispose();
    return loss as tf.Scalar;
  }
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const attrs = { targets, weights, withGrad: true } as unknown as tf.NamedAttrMap;
    const [loss, , grad] = engine.runKernel(CROSS_ENTROPY, { logits: x }, attrs) as unknown as tf.Tensor[];
    save([grad]);
    return {
      value: loss as tf.Scalar,
      // The saved gradient is for dy = 1 (the usual case: this loss is the objective); scale it otherwise.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const scale = (dy.dataSync() as Float32Array)[0];
        return scale === 1 ? tf.clone(saved[0]) : tf.mul(saved[0], scale);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad<tf.Scalar>>[0]);
  return f(logits2d) as tf.Scalar;
}

/**
 * Per-row negative log-likelihood -log softmax(logits[i])[targets[i]] for logits [N, V], without gradient:
 * one pass over the logits for evaluation. Needs the native kernels active on the current backend.
 */
export function tokenNllNative(logits2d: tf.Tensor2D, targets: Int32Array): tf.Tensor1D {
  checkTargets(logits2d, targets, null, 'tokenNllNative');
  const weights = new Float32Array(targets.length).fill(1);
  const [loss, nll] = tf.engine().runKernel(CROSS_ENTROPY, { logits: logits2d }, { targets, weights, withGrad: false } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  loss.dispose();
  return nll as tf.Tensor1D;
}
