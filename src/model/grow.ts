/**
 * A deeper copy of a trained GPT-2: blocks appended after the last one, each starting as the identity, so the
 * grown model computes exactly what the original did (the "function-preserving" growth of Net2Net, Chen,
 * Goodfellow & Shlens 2016, here for residual blocks). A new block adds attn.c_proj(...) and mlp.c_proj(...)
 * to the residual stream; with both projections (weights and biases) zero it adds nothing. Its other weights
 * are drawn as `GPT2.create` draws them, so that the gradient reaching the zero projections is not zero and
 * training can put the new depth to use.
 *
 * Why by hand: no library grows a TensorFlow.js GPT-2, and the operation is a few array copies.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../runtime/errors';
import { GPT2 } from './gpt2';
import type { GPT2Config } from './config';

/** The names whose zero values make a block the identity on the residual stream. */
const RESIDUAL_OUTPUTS = ['attn.c_proj.weight', 'attn.c_proj.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias'];

/**
 * `model` with blocks appended up to `nLayer` (the original blocks, embeddings and final layer norm copied
 * unchanged); new weights other than the residual outputs are drawn from `seed`. `where` names the source in
 * the error message.
 */
export function growDepth(model: GPT2, nLayer: number, seed: number, where = 'model'): GPT2 {
  const from = model.config.n_layer;
  if (!Number.isInteger(nLayer) || nLayer < from) {
    throw new UserError(`${where}: cannot grow ${from} layers to ${nLayer}. Fix: give a whole number of layers of at least ${from}`);
  }
  const config: GPT2Config = { ...model.config, n_layer: nLayer };
  const grown = GPT2.create(config, seed);
  // The copies are made on the device (assign), so no weight is read back: a GPU backend cannot read
  // synchronously, and this stays as cheap there as on the CPU.
  try {
    for (const [name, v] of grown.weights) {
      const kept = model.weights.get(name);
      if (kept) v.assign(kept);
      else if (RESIDUAL_OUTPUTS.some((suffix) => name.endsWith(suffix))) tf.tidy(() => v.assign(tf.zerosLike(v)));
    }
  } catch (err) {
    grown.dispose();
    throw err;
  }
  return grown;
}
