/**
 * Numerical parity of our RoBERTa encoder (src/model/roberta-load.ts: BERT's network with RoBERTa's position
 * numbering) with the independent PyTorch implementation in bench/bert/reference.py (float64), on a random
 * RoBERTa in the Hugging Face layout, and of our byte-level BPE with the reference's Python one.
 *
 *   node --import tsx bench/bert/parity-roberta.ts [--backend wasm|cpu] [--native] [--layers 3] [--hidden 64]
 *     [--heads 4] [--intermediate 128] [--merges 2000] [--texts 8] [--max-tokens 128] [--seed 0] [--tolerance 1e-4]
 *
 * Weights as in bench/bert/parity.ts (std 0.2 x sqrt(64 / hidden), biases and gains moved off 0 and 1). The
 * merges are learnt from the embedded CEFR-ASAG answers (src/model/roberta-random.ts) and the vocabulary ids are
 * shuffled, so ids are not merge ranks. The batch holds the first learner texts, tokenized by our tokenizer
 * and padded with <pad>; the hidden states are compared at every position, padding included (its
 * position id is the padding index in both). Exits 1 above the tolerance or on any tokenizer difference.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { enableNativeKernels } from '../../src/runtime/kernels/index';
import { writeRandomRoberta } from '../../src/model/roberta-random';
import { loadRoberta } from '../../src/model/roberta-load';
import { padBatch } from '../../src/model/bert';
import { learnerTexts, maxAbs, maxAbsDiff, runReference } from './common';

/** Texts that exercise the pre-tokenizer's and the byte table's corners, beside the learner texts. */
const HARD_TEXTS = [
  'Caf\u00E9 na\u00EFve R\u00C9SUM\u00C9 \u00C5ngstr\u00F6m', 'ah\u535A\u63A8zz \u3053\u3093\u306B\u3061\u306F', 'soft\u00ADhyphen zero\u200Bwidth tab\there',
  'nbsp\u00A0x  two   three\t\ttabs\n\nlines\r\nwindows', '"quotes" \u2014 dashes \u2013 and \u00ABguillemets\u00BB...', '$5.00 + 3^2 = `x` ~ 100%',
  'e\u0301 vs \u00E9', "I'm, you're, we've, they'll, he'd, it's, don't; 'quoted' O'Neil", "I'M YOU'RE 'S", ' leading space', 'trailing spaces   ',
  '\u{1F600}\u{1F44D}\u{1F3FD} emoji', '\u0661\u0662\u0663 \u00BD \u2167 digits', '<s> </s> <pad> <mask> <unk>', 'a'.repeat(300), '',
  '\uFEFFbom \uFEFFinside', 'next \u0085line  \u0085 x\u001Cy \u3000z',
];

async function main(): Promise<void> {
  const o = new Command()
    .option('--backend <name>', 'wasm or cpu', 'wasm')
    .option('--native', 'use the OpenBLAS kernels (src/runtime/kernels)')
    .option('--layers <n>', 'layers', '3')
    .option('--hidden <n>', 'hidden size', '64')
    .option('--heads <n>', 'attention heads', '4')
    .option('--intermediate <n>', 'feed-forward size', '128')
    .option('--merges <n>', 'BPE merges learnt from the learner texts', '2000')
    .option('--texts <n>', 'learner texts in the batch', '8')
    .option('--max-tokens <n>', 'tokens per text', '128')
    .option('--seed <n>', 'weights seed', '0')
    .option('--std <x>', 'weight standard deviation (default 0.2 x sqrt(64 / hidden))')
    .option('--tolerance <x>', 'largest allowed absolute difference', '1e-4')
    .parse(process.argv)
    .opts();
  if (o.backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(o.backend))) throw new Error(`backend ${o.backend} did not initialise`);
  await tf.ready();
  if (o.native && !enableNativeKernels().active) throw new Error('native kernels unavailable');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-roberta-parity-'));
  try {
    const dir = path.join(work, 'roberta');
    const maxTokens = Number(o.maxTokens);
    const std = o.std !== undefined ? Number(o.std) : 0.2 * Math.sqrt(64 / Number(o.hidden));
    const corpus = learnerTexts(100_000);
    const config = writeRandomRoberta(dir, {
      config: {
        vocab_size: 0, hidden_size: Number(o.hidden), num_hidden_layers: Number(o.layers), num_attention_heads: Number(o.heads),
        intermediate_size: Number(o.intermediate), hidden_act: 'gelu', max_position_embeddings: Math.max(128, maxTokens) + 2, type_vocab_size: 1, layer_norm_eps: 1e-5,
      },
      texts: corpus, merges: Number(o.merges), seed: Number(o.seed), std, noise: 0.1,
    });
    const { model, tokenizer } = loadRoberta(dir);

    // Tokenizer: our ids against the reference's on every learner text and the hard cases.
    const allTexts = [...corpus, ...HARD_TEXTS];
    const textsFile = path.join(work, 'texts.json');
    const idsFile = path.join(work, 'ids.json');
    fs.writeFileSync(textsFile, JSON.stringify(allTexts));
    runReference(['tokenize-bpe', dir, textsFile, idsFile, '--max-tokens', '100000']);
    const refIds = JSON.parse(fs.readFileSync(idsFile, 'utf8')) as number[][];
    let idMismatches = 0;
    let idsChecked = 0;
    allTexts.forEach((t, i) => {
      const mine = tokenizer.encode(t, 100_000).ids;
      idsChecked += mine.length;
      if (JSON.stringify(mine) !== JSON.stringify(refIds[i])) {
        idMismatches++;
        if (idMismatches <= 5) console.log(`tokenizer difference on ${JSON.stringify(t.slice(0, 60))}:\n  ours ${JSON.stringify(mine.slice(0, 30))}\n  ref  ${JSON.stringify(refIds[i].slice(0, 30))}`);
      }
    });

    const texts = corpus.slice(0, Number(o.texts));
    const sequences = texts.map((t) => tokenizer.encode(t, maxTokens).ids);
    const batch = padBatch(sequences, tokenizer.padId);
    const hidden = model.hidden(batch);
    const pooled = model.pooled(batch);
    const ours = { hidden: hidden.dataSync() as Float32Array, pooled: pooled.dataSync() as Float32Array };
    tf.dispose([hidden, pooled]);
    const input = path.join(work, 'input.json');
    const output = path.join(work, 'output.json');
    fs.writeFileSync(input, JSON.stringify({ ids: chunk(batch.ids, batch.seqLen), mask: chunk(batch.mask, batch.seqLen) }));
    const t0 = Date.now();
    runReference(['forward', dir, input, output, '--dtype', 'float64']);
    const refMs = Date.now() - t0;
    const ref = JSON.parse(fs.readFileSync(output, 'utf8')) as { shape: number[]; hidden: number[]; pooled: number[] };
    const dh = maxAbsDiff(ours.hidden, ref.hidden);
    const dp = maxAbsDiff(ours.pooled, ref.pooled);

    const tol = Number(o.tolerance);
    const ok = dh <= tol && dp <= tol && idMismatches === 0;
    console.log(`model: random RoBERTa ${config.num_hidden_layers} layers, hidden ${config.hidden_size}, ${config.num_attention_heads} heads, FFN ${config.intermediate_size}, vocabulary ${config.vocab_size}, weight std ${std.toPrecision(3)}; backend ${tf.getBackend()}${o.native ? ' + OpenBLAS kernels' : ''}`);
    console.log(`input: ${texts.length} learner texts, padded batch [${ref.shape.slice(0, 2)}], ${sequences.map((s) => s.length).join(' ')} tokens; reference float64 ${refMs} ms`);
    console.log(`final hidden states: max abs diff ${dh.toExponential(3)} (largest |value| ${maxAbs(ref.hidden).toFixed(3)})`);
    console.log(`pooled vectors:      max abs diff ${dp.toExponential(3)} (largest |value| ${maxAbs(ref.pooled).toFixed(3)})`);
    console.log(`tokenizer: ${allTexts.length} texts, ${idsChecked} ids, ${idMismatches} texts differ`);
    console.log(ok ? `OK (tolerance ${tol})` : `FAIL (tolerance ${tol})`);
    model.dispose();
    if (!ok) process.exitCode = 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function chunk(a: ArrayLike<number>, width: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < a.length; i += width) out.push(Array.from({ length: width }, (_, j) => a[i + j]));
  return out;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
