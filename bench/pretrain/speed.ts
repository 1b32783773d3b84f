/**
 * Seconds per optimizer step of the base-model pretraining for a preset, batch and sequence length, on the
 * pretraining examples (build them first: `npx cefrlab pretrain --prepare-only`).
 * Run: node --import tsx bench/pretrain/speed.ts PRESET BATCH SEQLEN [STEPS] [EXAMPLES_DIR] [CONTEXT_SAMPLE]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../../src/runtime/backend';
import { trainExperiment } from '../../src/train/experiment';
import { readMetrics } from '../../src/train/metrics';

async function main(): Promise<void> {
  const [preset = 'tiny', batch = '16', seqLen = '256', steps = '4', examples = 'experiments/pretrain-base/examples', keep = '1'] = process.argv.slice(2);
  await initBackend();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-speed-'));
  await trainExperiment(dir, examples, {
    model: preset, seed: 0, batchSize: Number(batch), accum: 1, lr: 3e-4, warmupSteps: 10, weightDecay: 0.01, clip: 1,
    seqLen: Number(seqLen), maxSteps: Number(steps), evalMaxExamples: 0, minimalSupervision: false, contextSample: Number(keep), trainTag: 'train', evalTag: null,
    checkpointEverySteps: 100000, log: () => undefined,
  });
  const rows = readMetrics(path.join(dir, 'metrics.jsonl')).filter((r) => r.kind === 'train').slice(1);
  const tps = rows.map((r) => Number(r.tokens_per_sec));
  const mean = tps.reduce((a, b) => a + b, 0) / tps.length;
  const secPerStep = (Number(batch) * Number(seqLen)) / mean;
  process.stdout.write(JSON.stringify({ preset, contextSample: Number(keep), batch: Number(batch), seqLen: Number(seqLen), tokensPerSec: Math.round(mean), secPerStep: +secPerStep.toFixed(3), loss: rows.map((r) => Number(r.loss).toFixed(3)) }) + '\n');
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exit(1); });
