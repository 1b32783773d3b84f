/**
 * The dense and normalisation building blocks of a GPT-2 block, each a single function so that a faster kernel
 * can replace one place. Activations are kept 2-D ([rows, features]) so the dense layers are plain 2-D matrix
 * products.
 *
 * `linear` and `layerNorm` carry hand-written gradients. TF.js would differentiate them itself, but it sums
 * bias and gain gradients over rows with the `Sum` kernel along axis 0, which on the wasm backend transposes the
 * whole [rows, features] gradient first: measured at 50 ms for one [2048, 768] gradient on this machine, against
 * 1-3 ms for the same sum written as a matrix product with a row of ones (1ᵀ · dy). Every block has eight
 * such sums, so this is most of the non-matrix time of a training step.
 */
import * as tf from '@tensorflow/tfjs';

/** Σ over rows of a [N, F] matrix, as the matrix product 1ᵀ · m (fast on every backend): [F]. */
export function sumRows(m: tf.Tensor2D): tf.Tensor1D {
  const ones = tf.ones([1, m.shape[0]]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(ones, m), [m.shape[1]]) as tf.Tensor1D;
}

/**
 * Hugging Face's Conv1D: y = x W + b with W stored [in, out]. Forward is one fused product with a bias add;
 * the gradients are dx = dy Wᵀ, dW = xᵀ dy, db = 1ᵀ dy.
 */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  const f = tf.customGrad((...args) => {
    const [a, w, b] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    save([a, w]);
    const value = tf.fused.matMul({ a, b: w, bias: b }) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sa, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, sw, false, true), tf.matMul(sa, dy, true, false), sumRows(dy)];
    };
    return { value, gradFunc };
  });
  return f(x, weight, bias) as tf.Tensor2D;
}

/**
 * Layer normalisation over the last axis (Ba, Kiros & Hinton 2016) with the biased variance, as PyTorch's
 * `nn.LayerNorm` computes it: y = n ⊙ g + b with n = (x − mean) / sqrt(var + eps).
 * Gradient (per row, d = features): dg = Σrows dy ⊙ n, db = Σrows dy, and with dn = dy ⊙ g,
 * dx = (dn − mean(dn) − n ⊙ mean(dn ⊙ n)) / sqrt(var + eps).
 */
export function layerNorm(x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D, eps: number): tf.Tensor2D {
  const f = tf.customGrad((...args) => {
    const [input, g, b] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const mean = tf.mean(input, -1, true);
    const centred = tf.sub(input, mean);
    const variance = tf.mean(tf.square(centred), -1, true);
    const invStd = tf.rsqrt(tf.add(variance, eps));
    const normed = tf.mul(centred, invStd) as tf.Tensor2D;
    save([normed, invStd, g]);
    const value = tf.add(tf.mul(normed, g), b) as tf.Tensor2D;
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [n, inv, sg] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const dn = tf.mul(dy, sg);
      const dx = tf.mul(tf.sub(tf.sub(dn, tf.mean(dn, -1, true)), tf.mul(n, tf.mean(tf.mul(dn, n), -1, true))), inv);
      return [dx, sumRows(tf.mul(dy, n) as tf.Tensor2D), sumRows(dy)];
    };
    return { value, gradFunc };
  });
  return f(x, gain, bias) as tf.Tensor2D;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const K1 = 2 * SQRT_2_OVER_PI;
const K2 = 2 * SQRT_2_OVER_PI * 0.044715;

/**
 * GELU with the tanh approximation that GPT-2 uses ("gelu_new" in Hugging Face; Hendrycks & Gimpel 2016):
 * 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), computed through the identity 0.5 (1 + tanh z) = sigmoid(2z)
 * as x · sigmoid(x (k1 + k2 x²)): six elementwise kernels instead of nine, and wasm's sigmoid is about twice as
 * fast as its tanh.
 */
export function geluTanh(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(tf.mul(x, tf.add(tf.mul(tf.square(x), K2), K1)))) as tf.Tensor2D);
}
