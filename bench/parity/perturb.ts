/**
 * Make a freshly initialised model a sharper numerical test: with N(0, 0.02) weights, zero biases and unit
 * gains every activation is small and almost any implementation agrees to 1e-4. Scaling the weights up and
 * giving biases and gains random values exercises the softmax, GELU and layer norms away from zero.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/runtime/rng';
import { GPT2 } from '../../src/model/gpt2';

/** Weights (not biases or gains) are multiplied by `scale`; biases ~ N(0, 0.2²), gains ~ 1 + N(0, 0.3²). */
export function perturbWeights(model: GPT2, seed: number, scale = 4): void {
  for (const [name, variable] of model.weights) {
    const rng = Rng.derive(seed, 'perturb', name);
    const data = Float32Array.from(variable.dataSync() as Float32Array);
    const isGain = /ln_[12f]\.weight$/.test(name);
    const isBias = name.endsWith('.bias');
    for (let i = 0; i < data.length; i++) {
      if (isGain) data[i] = 1 + 0.3 * rng.normal();
      else if (isBias) data[i] = 0.2 * rng.normal();
      else data[i] *= scale;
    }
    const value = tf.tensor(data, variable.shape, 'float32');
    variable.assign(value);
    value.dispose();
  }
}
