/**
 * Which embedding gradient is fastest on the wasm backend (tf.gather has no gradient kernel there)?
 * Compares, for the same ids and upstream gradient: tf.scatterND (what src/model/embedding.ts uses), a
 * scatter-add in JavaScript on the downloaded gradient, and the one-hot matrix product.
 *
 *   nice node --import tsx bench/parity/embedding-grad.ts [N=2048] [V=50264] [C=256] [backend=wasm] [--one-hot]
 *
 * The one-hot product is N x V x C multiply-adds with a transposed operand; at training sizes it takes minutes
 * on wasm (169 s measured for 2048 x 50264 x 256), so it runs only with --one-hot.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../../src/runtime/rng';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--one-hot');
  const withOneHot = process.argv.includes('--one-hot');
  const [n = '2048', v = '50264', c = '256', backend = 'wasm'] = args;
  const N = Number(n);
  const V = Number(v);
  const C = Number(c);
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not initialise`);
  const rng = new Rng(0);
  const idsArr = Int32Array.from({ length: N }, () => rng.int(V));
  const ids = tf.tensor1d(idsArr, 'int32');
  const dy = tf.randomNormal([N, C], 0, 1, 'float32', 1) as tf.Tensor2D;
  const methods: Record<string, () => tf.Tensor> = {
    scatterND: () => tf.scatterND(tf.reshape(ids, [N, 1]), dy, [V, C]),
    'JS scatter-add': () => {
      const g = dy.dataSync();
      const out = new Float32Array(V * C);
      for (let i = 0; i < N; i++) {
        const row = idsArr[i] * C;
        const src = i * C;
        for (let j = 0; j < C; j++) out[row + j] += g[src + j];
      }
      return tf.tensor2d(out, [V, C]);
    },
    'one-hot matMul': () => tf.matMul(tf.oneHot(ids, V), dy, true, false),
  };
  const results: Record<string, Float32Array> = {};
  if (!withOneHot) delete methods['one-hot matMul'];
  for (const [name, f] of Object.entries(methods)) {
    const times: number[] = [];
    for (let r = 0; r < (name.startsWith('one-hot') ? 1 : 5); r++) {
      const t0 = performance.now();
      const out = tf.tidy(f);
      const data = out.dataSync() as Float32Array;
      times.push(performance.now() - t0);
      results[name] = data;
      out.dispose();
    }
    console.log(`${name.padEnd(16)} median ${median(times).toFixed(1)} ms over ${times.length} runs (N=${N}, V=${V}, C=${C}, ${backend})`);
  }
  let worst = 0;
  const ref = results.scatterND;
  for (const name of Object.keys(results)) for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(results[name][i] - ref[i]));
  console.log(`largest difference between methods: ${worst.toExponential(2)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
