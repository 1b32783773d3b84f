/**
 * One backend's side of test/webgpu-parity.test.ts, run in its own process (the backend is chosen once per
 * process, from CEFRLAB_BACKEND): GPT-2 logits of the committed fixture and of the shipped base, three AdamW
 * steps of a tiny model and a 20-step ILM run (both written to disk by `train`, checkpoints included), a rank and
 * a seeded infill decode, twice. Prints one JSON object on stdout.
 *
 *   node --import tsx test/webgpu-parity-run.ts WORK_DIR EXAMPLES_DIR
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { loadModel } from '../src/model/checkpoint';
import { PRESETS, GPT2Config } from '../src/model/config';
import { train } from '../src/train/loop';
import { MemorySource } from '../src/train/data';
import { openExamples } from '../src/ilm/store-open';
import { rank } from '../src/infill/rank';
import { infill } from '../src/infill/infill';

const ROOT = path.resolve(__dirname, '..');
export const FIXTURE = path.join(ROOT, 'test/fixtures/model/tiny');
export const BASE = path.join(ROOT, 'data/models/base');
export const RANK_TEXT = 'Yesterday I [MASK] to the cinema with my friends.';
export const RANK_CANDIDATES = ['went', 'go', 'have gone'];
export const INFILL_TEXT = 'My favourite [word] is pizza because it is [MASK].';
/** The tokens the base model reads for the logits comparison (ids of ordinary GPT-2 text). */
export const BASE_TOKENS = [40, 588, 284, 1100, 3835, 546, 262, 3329, 290, 284, 2883, 351, 616, 2460, 13, 50256];

/** The tiny model of the AdamW comparison: 1 layer, 64 wide, vocabulary 128 (learner text as bytes). */
export const ADAMW_CONFIG: GPT2Config = { ...PRESETS.tiny, vocab_size: 128, n_positions: 32, n_layer: 1, n_embd: 64, n_head: 2 };
/**
 * The ILM run: real ILM examples (hierarchical masks over learner text, 32 tokens) with their ids folded into
 * a 512-token vocabulary, the seven ILM tokens kept apart at its end, one layer. The full 50,264-wide output
 * layer makes a step about 15 s on SwiftShader; the objective (loss at trained positions by type), dropout, accumulation and
 * clipping are the same at any vocabulary size.
 */
export const ILM_CONFIG: GPT2Config = { ...PRESETS.tiny, vocab_size: 512, n_positions: 32, n_layer: 1, n_embd: 32, n_head: 2 };
export const ILM_SEQ_LEN = 32;
const FIRST_ILM_TOKEN = 50257;

function foldedIlmRows(examples: string): Array<{ tokens: Int32Array; types: Uint8Array }> {
  const { source } = openExamples(examples, 'train', ILM_SEQ_LEN);
  const plain = ILM_CONFIG.vocab_size - 7;
  const rows = [];
  for (let i = 0; i < Math.min(source.count, 32); i++) {
    const b = source.batch([i]);
    const tokens = Int32Array.from(b.tokens, (id) => (id >= FIRST_ILM_TOKEN ? plain + (id - FIRST_ILM_TOKEN) : id % plain));
    rows.push({ tokens, types: b.types });
  }
  return rows;
}

function byteRows(): Array<{ tokens: Int32Array; types: Uint8Array }> {
  const bytes = fs.readFileSync(path.join(ROOT, 'data/cefr-asag/cefr_asag_4col.csv'));
  const T = 24;
  const rows = [];
  for (let r = 0; r < 16; r++) {
    const tokens = new Int32Array(T);
    const types = new Uint8Array(T);
    for (let i = 0; i < T; i++) {
      tokens[i] = bytes[2000 + r * 97 + i] % 128;
      types[i] = i < T / 2 ? 1 : 4;
    }
    rows.push({ tokens, types });
  }
  return rows;
}

async function logitsOf(dir: string, tokens: number[][]): Promise<number[]> {
  const model = loadModel(dir);
  const x = tf.tensor2d(tokens, [tokens.length, tokens[0].length], 'int32');
  const logits = model.logits(x);
  const out = Array.from(await logits.data());
  tf.dispose([x, logits]);
  model.dispose();
  return out;
}

/**
 * A real GPU error in the middle of a step: a buffer over the adapter's maxBufferSize, made while the hook says
 * the micro-batch is larger than 2 (a tensor too large for the GPU is what a too-large batch causes). With
 * --batch-size auto the run halves and goes on; with a fixed batch it stops at step 3 with the message and the
 * checkpoint of step 2 intact.
 */
async function gpuOutOfMemory(work: string, rows: Array<{ tokens: Int32Array; types: Uint8Array }>) {
  const device = (tf.backend() as unknown as { device: { limits: { maxBufferSize: number }; createBuffer(d: { size: number; usage: number }): unknown } }).device;
  const tooLarge = () => device.createBuffer({ size: device.limits.maxBufferSize + 4, usage: 0x80 /* GPUBufferUsage.STORAGE */ });
  const opts = {
    model: 'tiny', config: ADAMW_CONFIG, seed: 3, accum: 1, lr: 3e-3, warmupSteps: 0, weightDecay: 0.01, clip: 1,
    evalMaxExamples: 0, minimalSupervision: false,
  };
  const autoLog: string[] = [];
  const auto = await train(path.join(work, 'oom-auto'), { train: new MemorySource(24, rows), eval: null }, {
    ...opts, batchSize: 'auto', autoBatchStart: 4, maxSteps: 2, log: (l) => autoLog.push(l),
    beforeMicroBatch: ({ batchSize }) => {
      if (batchSize > 2) tooLarge();
    },
  });
  let fixedError = '';
  try {
    await train(path.join(work, 'oom-fixed'), { train: new MemorySource(24, rows), eval: null }, {
      ...opts, batchSize: 4, maxSteps: 3, checkpointEverySteps: 1, log: () => {},
      beforeMicroBatch: ({ step }) => {
        if (step === 3) tooLarge();
      },
    });
  } catch (err) {
    fixedError = (err as Error).message;
  }
  return { autoSteps: auto.step, autoBatch: auto.batchSize, autoAccum: auto.accum, autoLog: autoLog.filter((l) => /out of memory/i.test(l)), fixedError };
}

async function main(): Promise<void> {
  const [work, examples] = process.argv.slice(2);
  const report = await initBackend();
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      timings[name] = (Date.now() - t0) / 1000;
    }
  };
  const fixtureTokens = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'reference_logits.json'), 'utf8')).tokens as number[][];
  const fixtureLogits = await timed('fixture', () => logitsOf(FIXTURE, fixtureTokens));
  const baseLogits = await timed('base', () => logitsOf(BASE, [BASE_TOKENS]));

  const rows = byteRows();
  await timed('adamw', () => train(path.join(work, 'adamw'), { train: new MemorySource(24, rows) , eval: null }, {
    model: 'tiny', config: ADAMW_CONFIG, seed: 3, batchSize: 4, accum: 1, lr: 3e-3, warmupSteps: 0, weightDecay: 0.01, clip: 1,
    maxSteps: 3, checkpointEverySteps: 3, evalMaxExamples: 0, minimalSupervision: false, log: () => {},
  }));
  const ilmRows = foldedIlmRows(examples);
  await timed('ilm', () => train(path.join(work, 'ilm'), { train: new MemorySource(ILM_SEQ_LEN, ilmRows.slice(0, 24)), eval: new MemorySource(ILM_SEQ_LEN, ilmRows.slice(24)) }, {
    model: 'tiny', config: ILM_CONFIG, seed: 5, batchSize: 2, accum: 2, lr: 3e-3, warmupSteps: 2, weightDecay: 0.01, clip: 1,
    maxSteps: 20, checkpointEverySteps: 10, evalEverySteps: 20, evalMaxExamples: 4, minimalSupervision: false, log: () => {},
  }));

  const outOfMemory = report.choice === 'webgpu' ? await timed('oom', () => gpuOutOfMemory(work, rows)) : null;

  const base = loadModel(BASE);
  const ranked = await timed('rank', () => rank(base, RANK_TEXT, RANK_CANDIDATES, { scoring: 'blank' }));
  const fills = async () => (await infill(base, INFILL_TEXT, { n: 2, seed: 7, maxNewTokens: 6 })).map((r) => ({ fills: r.fills, logProb: r.logProb }));
  const infillA = await timed('infill', fills);
  const infillB = await fills();
  base.dispose();
  process.stdout.write(JSON.stringify({
    backend: report.choice, adapter: report.webgpu?.adapter ?? null, timings,
    fixtureLogits, baseLogits,
    rank: ranked.map((r) => ({ candidate: r.candidate, logProb: r.logProb })),
    infillA, infillB, outOfMemory,
  }) + '\n');
}

if (require.main === module) main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
