/**
 * Micro-benchmark of the matrix products of a small-GPT-2 training step, TensorFlow.js kernels against the
 * OpenBLAS kernels, on the wasm and cpu backends. GFLOP/s per shape (median of a few runs).
 *
 *   node --import tsx bench/train-speed/matmul.ts [--backends wasm,cpu] [--tokens 1024] [--embd 256] [--vocab 50264]
 *     [--tfjs 0]   (0: time the OpenBLAS kernels only; TensorFlow.js's take minutes on the large shapes)
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { enableNativeKernels, disableNativeKernels } from '../../src/runtime/kernels';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

interface Shape {
  name: string;
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

async function timeIt(f: () => tf.Tensor, reps: number): Promise<number> {
  f().dispose(); // warm-up
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const y = f();
    y.dataSync();
    times.push(performance.now() - t0);
    y.dispose();
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)] / 1000;
}

async function main(): Promise<void> {
  const backends = arg('backends', 'wasm,cpu').split(',');
  const N = Number(arg('tokens', '1024'));
  const C = Number(arg('embd', '256'));
  const V = Number(arg('vocab', '50264'));
  const H = 4;
  const T = 128;
  const shapes: Shape[] = [
    { name: 'logits h·wteᵀ', a: [N, C], b: [V, C], ta: false, tb: true },
    { name: 'dh = dlogits·wte', a: [N, V], b: [V, C], ta: false, tb: false },
    { name: 'dwte = dlogitsᵀ·h', a: [N, V], b: [N, C], ta: true, tb: false },
    { name: 'mlp c_fc x·W', a: [N, C], b: [C, 4 * C], ta: false, tb: false },
    { name: 'attn scores q·kᵀ', a: [(N / T) * H, T, C / H], b: [(N / T) * H, T, C / H], ta: false, tb: true },
  ];
  for (const backend of backends) {
    await tf.setBackend(backend);
    await tf.ready();
    for (const s of shapes) {
      const a = tf.randomNormal(s.a);
      const b = tf.randomNormal(s.b);
      const m = s.ta ? s.a[s.a.length - 1] : s.a[s.a.length - 2];
      const k = s.ta ? s.a[s.a.length - 2] : s.a[s.a.length - 1];
      const n = s.tb ? s.b[s.b.length - 2] : s.b[s.b.length - 1];
      const batch = s.a.slice(0, -2).reduce((x, y) => x * y, 1);
      const flops = 2 * batch * m * n * k;
      const row: string[] = [];
      for (const native of arg('tfjs', '1') === '0' ? [true] : [false, true]) {
        if (native) enableNativeKernels();
        else disableNativeKernels();
        const reps = native ? 5 : backend === 'cpu' ? 1 : 3;
        const sec = await timeIt(() => tf.matMul(a, b, s.ta, s.tb), reps);
        row.push(`${native ? 'openblas' : 'tfjs'} ${(flops / sec / 1e9).toFixed(1)} GFLOP/s (${(sec * 1000).toFixed(0)} ms)`);
      }
      process.stdout.write(`${backend.padEnd(5)} ${s.name.padEnd(20)} ${row.join('   ')}\n`);
      tf.dispose([a, b]);
    }
  }
  disableNativeKernels();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
