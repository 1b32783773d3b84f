/**
 * Encoding speed of our BERT encoder against PyTorch on the same random BERT-base-shaped weights (12 layers,
 * 768 wide, 12 heads, FFN 3072, vocabulary 30,522, 512 positions) and the same inputs, in one run.
 *
 *   nice node --import tsx bench/bert/speed.ts [--texts 32] [--max-tokens 450] [--batch-size 8]
 *     [--backend wasm|cpu] [--no-native] [--rounds 2] [--threads 2] [--dir /tmp/cefrlab-bert-base-random]
 *     [--json FILE]
 *
 * The weights are generated once into --dir (about 440 MB; never committed) and reused while their config
 * matches. The inputs are the first texts of the embedded CEFR-ASAG learner answers, tokenized by our tokenizer
 * (the vocabulary: letters, ## letters, punctuation and the most frequent alphabetic words of the embedded
 * OpenSubtitles list up to 30,522 entries, so texts split into about as many pieces as with bert-base-uncased's)
 * and batched as our encoder batches them (sorted by length, padded per batch); PyTorch
 * (bench/bert/reference.py speed: float32, no_grad, torch's fused F.linear / F.layer_norm / F.gelu) gets exactly
 * these padded batches. PyTorch runs first, then ours, one after the other, so they do not compete for the
 * cores; each side reports its best of --rounds passes after a warm-up batch. Our time includes tokenization.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { enableNativeKernels } from '../../src/runtime/kernels/index';
import { writeRandomBert } from '../../src/model/bert-random';
import { BERT_BASE, padBatch } from '../../src/model/bert';
import { WordPieceTokenizer } from '../../src/tokenize/wordpiece';
import { createBertEncoder } from '../../src/classify/encoder-bert';
import { lengthSortedBatches } from '../../src/classify/encoder-batches';
import { learnerTexts, runReference } from './common';

/**
 * The most frequent alphabetic word forms of the embedded OpenSubtitles list, as whole-word vocabulary entries,
 * so that learner texts split into about as many pieces as with a real BERT vocabulary.
 */
function frequentWords(): string[] {
  const file = path.join(__dirname, '..', '..', 'data', 'opensubtitles-freq-en', 'en_50k_2018.txt');
  return fs.readFileSync(file, 'utf8').split('\n').map((l) => l.split(' ')[0]).filter((w) => /^[a-z]+$/.test(w));
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--texts <n>', 'learner texts to encode', '32')
    .option('--max-tokens <n>', 'tokens per text', '450')
    .option('--batch-size <n>', 'texts per forward pass', '8')
    .option('--backend <name>', 'wasm or cpu', 'wasm')
    .option('--no-native', 'without the OpenBLAS kernels')
    .option('--rounds <n>', 'timed passes per side (best kept)', '2')
    .option('--threads <n>', 'PyTorch threads', String(Math.min(2, os.cpus().length)))
    .option('--dir <dir>', 'where the random BERT-base weights are kept', path.join(os.tmpdir(), 'cefrlab-bert-base-random'))
    .option('--json <file>', 'also write the report here')
    .parse(process.argv)
    .opts();
  const dir = o.dir as string;
  const configFile = path.join(dir, 'config.json');
  const marker = path.join(dir, 'bench-vocabulary-v2');
  const fresh = !fs.existsSync(configFile) || !fs.existsSync(marker) || !fs.existsSync(path.join(dir, 'model.safetensors'));
  if (fresh) {
    process.stderr.write(`writing random BERT-base weights to ${dir} ...\n`);
    writeRandomBert(dir, { config: BERT_BASE, seed: 0, std: 0.02, words: frequentWords() });
    fs.writeFileSync(marker, '');
  }
  const maxTokens = Number(o.maxTokens);
  const batchSize = Number(o.batchSize);
  const texts = learnerTexts(Number(o.texts));
  const tokenizer = WordPieceTokenizer.fromDir(dir);
  const sequences = texts.map((t) => tokenizer.encode(t, maxTokens).ids);
  const batches = lengthSortedBatches(sequences.map((s) => s.length), batchSize).map((b) => padBatch(b.map((i) => sequences[i]), tokenizer.padId));
  const rows = (a: ArrayLike<number>, w: number) => Array.from({ length: a.length / w }, (_, r) => Array.from({ length: w }, (_, j) => a[r * w + j]));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-bert-speed-'));
  const input = path.join(work, 'batches.json');
  fs.writeFileSync(input, JSON.stringify({ batches: batches.map((b) => ({ ids: rows(b.ids, b.seqLen), mask: rows(b.mask, b.seqLen) })) }));

  process.stderr.write('PyTorch ...\n');
  const torch = JSON.parse(runReference(['speed', dir, input, '--threads', String(o.threads), '--rounds', String(o.rounds)]).trim().split('\n').pop()!) as { textsPerSecond: number; seconds: number; threads: number; torch: string };
  fs.rmSync(work, { recursive: true, force: true });

  process.stderr.write('ours ...\n');
  if (o.backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(o.backend))) throw new Error(`backend ${o.backend} did not initialise`);
  await tf.ready();
  const native = o.native ? enableNativeKernels() : null;
  if (o.native && !native!.active) throw new Error(`native kernels unavailable: ${native!.reason}`);
  const tLoad = Date.now();
  const encoder = createBertEncoder(dir, { maxTokens, batchSize });
  const loadSeconds = (Date.now() - tLoad) / 1000;
  await encoder.encode(texts.slice(0, batchSize)); // warm-up
  let best = Infinity;
  for (let r = 0; r < Number(o.rounds); r++) {
    const t0 = process.hrtime.bigint();
    await encoder.encode(texts);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  encoder.dispose?.();
  const ours = { seconds: Number(best.toFixed(3)), textsPerSecond: Number((texts.length / best).toFixed(3)) };
  const tokens = sequences.reduce((a, s) => a + s.length, 0);
  const padded = batches.reduce((a, b) => a + b.batchSize * b.seqLen, 0);
  const report = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, load average at end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
    command: `nice node --import tsx bench/bert/speed.ts ${process.argv.slice(2).join(' ')}`.trim(),
    input: { texts: texts.length, tokens, paddedTokens: padded, batches: batches.length, maxTokens, batchSize, longest: Math.max(...sequences.map((s) => s.length)) },
    pytorch: { ...torch },
    ours: { backend: `${tf.getBackend()}${native?.active ? ' + OpenBLAS kernels' : ''}`, loadSeconds, ...ours },
    ratio: Number((torch.textsPerSecond / ours.textsPerSecond).toFixed(3)),
  };
  console.log(JSON.stringify(report, null, 2));
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(report, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
