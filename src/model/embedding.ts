/**
 * Embedding lookup with a gradient that works on every backend.
 *
 * TF.js differentiates `tf.gather` through the `UnsortedSegmentSum` kernel, which the wasm backend does not
 * have, so training on wasm fails with "Kernel 'UnsortedSegmentSum' not registered". The gradient of a row
 * lookup is a scatter-add of the incoming gradient rows into a zero table (rows looked up twice get both
 * contributions), which `tf.scatterND` computes on wasm and cpu alike: it sums updates with duplicate indices.
 * The alternative, a one-hot matrix product, costs N x V x C multiply-adds (as much as the output layer) and
 * an N x V one-hot matrix. Measured on wasm for N = 2048 rows of a [50264, 256] table
 * (bench/parity/embedding-grad.ts): scatterND 0.55 s, a scatter-add in JavaScript 0.87 s, one-hot product 169 s.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Rows `ids` of `table`: [V, C] x [N] -> [N, C]. `ids` must be int32 and inside [0, V); the gradient with
 * respect to `table` is the scatter-add described above (no gradient flows to `ids`).
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const lookup = tf.customGrad((...inputs) => {
    const t = inputs[0] as tf.Tensor2D;
    const save = inputs[1] as tf.GradSaveFunc;
    const value = tf.gather(t, ids) as tf.Tensor2D;
    // Saved tensors outlive the forward pass's tidy scopes, so the ids are still there for the backward pass.
    const indices = tf.reshape(ids, [ids.size, 1]);
    save([indices]);
    const gradFunc = (dy: tf.Tensor2D, saved: tf.Tensor[]) => tf.scatterND(saved[0], dy, t.shape);
    return { value, gradFunc };
  });
  return lookup(table) as tf.Tensor2D;
}

/**
 * Rows `rows` of any [N, C] matrix with a gradient that works on wasm (the same scatter-add as the embedding).
 * For example, select the hidden states of the positions that carry a loss before the 50k-wide output layer:
 * `model.project(gatherRows(hidden2d, trainedPositions))` skips padding, blanks and separators entirely.
 */
export const gatherRows = embeddingLookup;
