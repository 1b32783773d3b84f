/**
 * The GPU kit's benchmark (bundled into one file by bench/gpu/kit.sh; run by the kit's run.sh): on the backend
 * CEFRLAB_BACKEND names (webgpu in the kit), first the logits parity check against the cpu backend's numbers
 * computed beforehand (`--parity`), then GPT-2 trained from random weights by the project's own `train` on the
 * kit's example store: tokens/s, step time, the GPU memory TensorFlow.js holds, and model FLOPs utilisation
 * against the FP32 peak given. Writes one JSON object to `--out`.
 *
 *   node bench.js --examples DIR --parity parity.json [--model gpt2] [--batch 8] [--seq-len 256] [--steps 10]
 *     [--peak-tflops 67] [--out result.json]
 *
 * `--make-parity FILE` (kit.sh, on the cpu backend) writes the reference instead: the logits of the committed
 * fixture (test/fixtures/model/tiny) and of GPT-2 124M at random initialisation (seed 0) at a few positions.
 *
 * MFU: model FLOPs per token = 6 x parameters + 12 x layers x width x sequence length (Chowdhery et al. 2022,
 * PaLM, appendix B), over all B x T positions, as PyTorch users count it; the project's step computes the output
 * layer at the trained positions only, so this counts a little more than the step does.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/runtime/backend';
import { gpuBytesAllocated } from '../../src/runtime/webgpu';
import { GPT2 } from '../../src/model/gpt2';
import { loadModel } from '../../src/model/checkpoint';
import { presetConfig, GPT2Config } from '../../src/model/config';
import { train } from '../../src/train/loop';
import { openExamples } from '../../src/ilm/store-open';
import { readMetrics } from '../../src/train/metrics';

function arg(name: string, dflt?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

/** Token ids of the parity check: a fixed stretch of ordinary GPT-2 ids. */
const PARITY_TOKENS = [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 198, 40, 588, 284, 1100, 3835, 546, 262, 3329, 290, 284, 2883, 351, 616, 2460, 13, 632, 318, 257, 922, 1110, 13];
/** Positions of GPT-2 124M's logits kept (all 50257 of each): the last positions see every token before them. */
const PARITY_POSITIONS = [0, 15, 31];

async function logits(model: GPT2, tokens: number[][]): Promise<Float32Array> {
  const x = tf.tensor2d(tokens, [tokens.length, tokens[0].length], 'int32');
  const y = model.logits(x);
  const out = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return out;
}

function atPositions(all: Float32Array, V: number, positions: number[]): number[] {
  return positions.flatMap((p) => Array.from(all.subarray(p * V, (p + 1) * V)));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

async function parityValues(fixtureDir: string): Promise<{ fixture: number[]; gpt2: number[]; fixtureTokens: number[][] }> {
  const fixtureTokens = JSON.parse(fs.readFileSync(path.join(fixtureDir, 'reference_logits.json'), 'utf8')).tokens as number[][];
  const fixture = loadModel(fixtureDir);
  const f = Array.from(await logits(fixture, fixtureTokens));
  fixture.dispose();
  const config = presetConfig('gpt2');
  const big = GPT2.create(config, 0);
  const g = atPositions(await logits(big, [PARITY_TOKENS]), config.vocab_size, PARITY_POSITIONS);
  big.dispose();
  return { fixture: f, gpt2: g, fixtureTokens };
}

async function main(): Promise<void> {
  const report = await initBackend();
  const fixtureDir = arg('fixture', path.join(__dirname, 'fixture'))!;
  const makeParity = arg('make-parity');
  if (makeParity) {
    const v = await parityValues(fixtureDir);
    fs.writeFileSync(makeParity, JSON.stringify({ backend: report.choice, tokens: PARITY_TOKENS, positions: PARITY_POSITIONS, seed: 0, ...v }));
    process.stdout.write(`parity reference on ${report.choice} written to ${makeParity}\n`);
    return;
  }
  const out = arg('out', 'result.json')!;
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    host: os.hostname(),
    cpu: os.cpus()[0]?.model ?? '',
    node: process.version,
    tfjs: tf.version.tfjs,
    backend: report.choice,
    adapter: report.webgpu?.adapter ?? null,
    vulkan: report.webgpu ? { loader: report.webgpu.loader, drivers: report.webgpu.drivers } : null,
  };
  const write = () => fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  const say = (line: string) => process.stdout.write(line + '\n');
  say(`backend ${report.choice}${report.webgpu?.adapter ? `: ${report.attempts.at(-1)?.reason}` : ''}`);

  const parityFile = arg('parity');
  if (parityFile) {
    const ref = JSON.parse(fs.readFileSync(parityFile, 'utf8'));
    const t0 = Date.now();
    const mine = await parityValues(fixtureDir);
    const fixture = maxAbsDiff(mine.fixture, ref.fixture);
    const gpt2 = maxAbsDiff(mine.gpt2, ref.gpt2);
    const tolerance = 1e-4;
    result.parity = {
      against: ref.backend, tolerance, seconds: (Date.now() - t0) / 1000,
      fixture: { maxAbsDiff: fixture, logits: ref.fixture.length },
      gpt2RandomInit: { maxAbsDiff: gpt2, logits: ref.gpt2.length, largestLogit: ref.gpt2.reduce((m: number, x: number) => Math.max(m, Math.abs(x)), 0) },
      pass: fixture <= tolerance && gpt2 <= tolerance,
    };
    say(`parity against ${ref.backend}: fixture ${fixture.toExponential(2)}, GPT-2 124M ${gpt2.toExponential(2)} (tolerance ${tolerance})`);
    write();
  }

  const examples = arg('examples', path.join(__dirname, 'examples'))!;
  const modelName = arg('model', 'gpt2')!;
  const config: GPT2Config = presetConfig(modelName);
  const B = Number(arg('batch', '8'));
  const T = Number(arg('seq-len', '256'));
  const steps = Number(arg('steps', '10'));
  const warmup = Math.min(Number(arg('warmup', '2')), Math.max(0, steps - 1));
  const peak = arg('peak-tflops') ? Number(arg('peak-tflops')) * 1e12 : null;
  const { source } = openExamples(examples, 'train', T);
  const expDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-gpu-bench-'));
  const lines: string[] = [];
  say(`training ${modelName} from random weights: batch ${B} x ${T}, ${steps} steps (the first ${warmup} not timed) on ${source.count} examples`);
  const t0 = Date.now();
  try {
    const r = await train(expDir, { train: source, eval: null }, {
      model: modelName, config, seed: 0, batchSize: B, accum: 1, lr: 1e-4, warmupSteps: 0, weightDecay: 0.01, clip: 1,
      seqLen: T, maxSteps: steps, checkpointEverySteps: steps, evalMaxExamples: 0, minimalSupervision: false,
      log: (l) => lines.push(l),
    });
    const records = readMetrics(path.join(expDir, 'metrics.jsonl')).filter((m) => m.kind === 'train');
    const stepSeconds = records.map((m) => (m.examples_per_sec ? B / (m.examples_per_sec as number) : NaN));
    const timed = stepSeconds.slice(warmup).sort((a, b) => a - b);
    const median = timed[Math.floor(timed.length / 2)];
    const tokensPerSecond = (B * T) / median;
    const flopsPerToken = 6 * r.parameters + 12 * config.n_layer * config.n_embd * T;
    result.train = {
      model: modelName, parameters: r.parameters, batch: B, seqLen: T, steps, warmupSteps: warmup,
      stepSeconds: stepSeconds.map((s) => +s.toFixed(4)), medianStepSeconds: +median.toFixed(4),
      tokensPerSecond: Math.round(tokensPerSecond),
      losses: records.map((m) => m.loss),
      flopsPerToken, achievedTflops: +((tokensPerSecond * flopsPerToken) / 1e12).toFixed(3),
      mfu: peak ? +((tokensPerSecond * flopsPerToken) / peak).toFixed(4) : null,
      peakTflopsGiven: peak ? peak / 1e12 : null,
      gpuBytesHeldByTfjs: gpuBytesAllocated(),
      totalSeconds: (Date.now() - t0) / 1000,
    };
    say(`median step ${median.toFixed(3)} s, ${Math.round(tokensPerSecond)} tokens/s${peak ? `, MFU ${(100 * (tokensPerSecond * flopsPerToken) / peak).toFixed(1)} %` : ''}`);
  } catch (err) {
    result.train = { error: (err as Error).message, log: lines.slice(-5) };
    say(`training failed: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    fs.rmSync(expDir, { recursive: true, force: true });
  }
  write();
  say(`wrote ${out}`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
