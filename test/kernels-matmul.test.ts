/**
 * The native kernels give the same results as TensorFlow.js's own kernels on random inputs, on both CPU
 * backends: every transpose combination, batched and broadcast batch axes, fused bias, the fallbacks, and
 * softmax. Skipped (with the reason) when the OpenBLAS addon is not built on this machine.
 */
import { test, describe, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../src/runtime/rng';
import { disableNativeKernels, enableNativeKernels, nativeKernelsStatus, planMatMul } from '../src/runtime/kernels';
import { addonStatus } from '../src/runtime/kernels/native';

const addon = addonStatus();
// CI builds the addon and sets CEFRLAB_REQUIRE_NATIVE=1: there a missing addon fails instead of skipping.
if (!addon.loaded && process.env.CEFRLAB_REQUIRE_NATIVE === '1') throw new Error(`CEFRLAB_REQUIRE_NATIVE=1 but the OpenBLAS addon is not available: ${addon.reason}`);
const skip = addon.loaded ? false : `OpenBLAS addon not available: ${addon.reason}`;

/** Random normal inputs, kept as plain arrays so each backend builds its own tensors from them. */
function randn(rng: Rng, shape: number[]): { shape: number[]; data: Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal();
  return { shape, data };
}

type Input = { shape: number[]; data: Float32Array };

async function run(backend: string, native: boolean, inputs: Input[], f: (...ts: tf.Tensor[]) => tf.Tensor) {
  assert.ok(await tf.setBackend(backend));
  if (native) assert.equal(enableNativeKernels().active, true);
  else disableNativeKernels();
  const ts = inputs.map((x) => tf.tensor(x.data, x.shape, 'float32'));
  const y = f(...ts);
  const out = { data: y.dataSync() as Float32Array, shape: y.shape };
  tf.dispose([...ts, y]);
  return out;
}

/**
 * The reference is TensorFlow.js's pure-JavaScript cpu kernels (the wasm backend's own _FusedMatMul returns
 * wrong values for a batched left operand with a bias, so it cannot serve as the reference).
 */
async function both(backend: string, inputs: Input[], f: (...ts: tf.Tensor[]) => tf.Tensor, ref = f) {
  const r = await run('cpu', false, inputs, ref);
  const n = await run(backend, true, inputs, f);
  return { ref: r.data, nat: n.data, refShape: r.shape, natShape: n.shape };
}

function assertClose(ref: Float32Array, nat: Float32Array, tol = 1e-4): void {
  assert.equal(nat.length, ref.length);
  let scale = 1;
  for (const x of ref) scale = Math.max(scale, Math.abs(x));
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i] - nat[i]));
  assert.ok(worst <= tol * scale, `max abs difference ${worst} exceeds ${tol * scale}`);
}

test('planMatMul broadcasts batch axes with zero strides', () => {
  // a: [2,1,3,4] (batch axes 2,1), b: [5,4,6] (batch axis 5) -> out [2,5,3,6]
  const p = planMatMul([2, 1, 3, 4], [5, 4, 6], false, false);
  assert.deepEqual(p.outShape, [2, 5, 3, 6]);
  assert.equal(p.aOffsets.length, 10);
  // a's batch index follows the first axis only; each a block has 3*4 = 12 elements.
  assert.deepEqual([...p.aOffsets], [0, 0, 0, 0, 0, 12, 12, 12, 12, 12]);
  // b's batch index follows the second axis; each b block has 4*6 = 24 elements.
  assert.deepEqual([...p.bOffsets], [0, 24, 48, 72, 96, 0, 24, 48, 72, 96]);
  assert.throws(() => planMatMul([3, 4], [5, 6], false, false), /inner shapes/);
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`native kernels on ${backend}`, { skip }, () => {
    before(async () => {
      assert.ok(await tf.setBackend(backend));
      await tf.ready();
    });
    after(() => disableNativeKernels());

    test('status reports the backend and the replaced kernels', async () => {
      assert.ok(await tf.setBackend(backend));
      const st = enableNativeKernels();
      assert.equal(st.loaded, true);
      assert.equal(st.backend, backend);
      const expected = ['BatchMatMul', 'CefrlabWeightedCrossEntropy', 'Softmax', '_FusedMatMul'];
      if (backend === 'wasm') expected.push('Identity');
      assert.deepEqual(st.kernels.sort(), expected.sort());
      assert.match(st.blas, /OpenBLAS/);
    });

    const cases: Array<[string, number[], number[], boolean, boolean]> = [
      ['2-D', [7, 5], [5, 9], false, false],
      ['2-D transposeA', [5, 7], [5, 9], true, false],
      ['2-D transposeB', [7, 5], [9, 5], false, true],
      ['2-D both transposed', [5, 7], [9, 5], true, true],
      ['batched 3-D', [4, 6, 8], [4, 8, 3], false, false],
      ['batched 4-D, transposeB (attention scores)', [2, 3, 16, 8], [2, 3, 16, 8], false, true],
      ['batched 4-D, transposeA (attention gradient)', [2, 3, 16, 8], [2, 3, 16, 5], true, false],
      ['rank-2 weight broadcast over a batch', [3, 10, 12], [12, 7], false, false],
      ['batch of 1 broadcast on the left, both transposed', [1, 4, 3], [6, 5, 4], true, true],
      ['empty inner dimension', [3, 0], [0, 4], false, false],
    ];
    for (const [name, as, bs, ta, tb] of cases) {
      test(`BatchMatMul ${name}`, async () => {
        const rng = new Rng(as.length * 100 + bs.length * 10 + as[as.length - 1]);
        const r = await both(backend, [randn(rng, as), randn(rng, bs)], (a, b) => tf.matMul(a, b, ta, tb));
        assert.deepEqual(r.natShape, r.refShape);
        assertClose(r.ref, r.nat);
      });
    }

    test('BatchMatMul broadcasts batch axes [2,1] against [5] (NumPy rules)', async () => {
      // TensorFlow.js's own kernels only broadcast a batch of 1, so the reference tiles the operands first.
      const rng = new Rng(3);
      const r = await both(backend, [randn(rng, [2, 1, 3, 4]), randn(rng, [5, 4, 6])], (a, b) => tf.matMul(a, b), (a, b) =>
        tf.matMul(tf.tile(a, [1, 5, 1, 1]), tf.broadcastTo(b, [2, 5, 4, 6])));
      assert.deepEqual(r.natShape, [2, 5, 3, 6]);
      assertClose(r.ref, r.nat);
    });

    test('_FusedMatMul with a bias, and its fallbacks (relu, non-vector bias)', async () => {
      const rng = new Rng(7);
      const inputs = [randn(rng, [2, 6, 10]), randn(rng, [10, 12]), randn(rng, [12]), randn(rng, [12, 10])];
      const fs: Array<(...ts: tf.Tensor[]) => tf.Tensor> = [
        (a, b, bias) => tf.fused.matMul({ a, b, bias }),
        (a, b, bias, w) => tf.fused.matMul({ a: a.reshape([12, 10]), b: w, bias, transposeB: true }),
        // Not handled natively: TensorFlow.js's kernel runs (with a 2-D left operand, which wasm gets right).
        (a, b, bias) => tf.fused.matMul({ a: a.reshape([12, 10]), b, bias, activation: 'relu' }),
      ];
      for (const f of fs) {
        const r = await both(backend, inputs, f);
        assert.deepEqual(r.natShape, r.refShape);
        assertClose(r.ref, r.nat);
      }
    });

    test('Softmax over the last axis, and the fallback for another axis', async () => {
      const rng = new Rng(11);
      const x = randn(rng, [3, 5, 50]);
      x.data.forEach((v, i) => (x.data[i] = v * 10));
      for (const f of [(t: tf.Tensor) => tf.softmax(t), (t: tf.Tensor) => tf.softmax(t.reshape([15, 50]), -1)]) {
        const r = await both(backend, [x], f);
        assertClose(r.ref, r.nat, 1e-5);
      }
      // Large logits: the maximum must be subtracted before exp, or the result overflows.
      const r = await both(backend, [{ shape: [1, 3], data: new Float32Array([1000, 1001, 1002]) }], (t) => tf.softmax(t));
      assert.ok(r.nat.every(Number.isFinite));
      assertClose(r.ref, r.nat, 1e-6);
    });

    test('Identity (clone) shares data and the clone outlives its source', async () => {
      assert.ok(await tf.setBackend(backend));
      enableNativeKernels();
      const x = tf.tensor1d([1, 2, 3]);
      const y = tf.clone(x);
      x.dispose();
      assert.deepEqual([...(y.dataSync() as Float32Array)], [1, 2, 3]);
      const z = tf.add(y, 1);
      assert.deepEqual([...(z.dataSync() as Float32Array)], [2, 3, 4]);
      tf.dispose([y, z]);
    });

    test('disable restores the original kernels', () => {
      enableNativeKernels();
      disableNativeKernels();
      assert.equal(nativeKernelsStatus().active, false);
      assert.match(nativeKernelsStatus().reason, /restored/);
    });
  });
}
