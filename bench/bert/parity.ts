/**
 * Numerical parity of our BERT encoder with the independent PyTorch implementation in bench/bert/reference.py
 * (float64, written from the formulas), on a random BERT in the Hugging Face layout, and of our WordPiece
 * tokenizer with the reference's Python one.
 *
 *   node --import tsx bench/bert/parity.ts [--backend wasm|cpu] [--native] [--layers 3] [--hidden 64]
 *     [--heads 4] [--intermediate 128] [--texts 8] [--max-tokens 128] [--seed 0] [--tolerance 1e-4]
 *
 * The weights are drawn with std 0.2 x sqrt(64 / hidden) (0.2 at the default width; wider models get the same
 * activation scale rather than saturated attention) and biases and gains moved off 0 and 1 (noise 0.1), so
 * every weight matters. The inputs are the first texts of the embedded CEFR-ASAG answers, tokenized by our tokenizer and
 * padded into one batch. Prints the largest absolute differences of the final hidden states (all positions) and
 * of the pooled vectors, and of the pieces; exits 1 above the tolerance or on any tokenizer difference.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import * as tf from '@tensorflow/tfjs';
import { enableNativeKernels } from '../../src/runtime/kernels/index';
import { writeRandomBert } from '../../src/model/bert-random';
import { loadBert } from '../../src/model/bert-load';
import { padBatch } from '../../src/model/bert';
import { WordPieceTokenizer } from '../../src/tokenize/wordpiece';
import { learnerTexts, maxAbs, maxAbsDiff, runReference } from './common';

/** Texts that exercise the basic tokenizer's corners, beside the learner texts. */
const HARD_TEXTS = [
  'Caf\u00E9 na\u00EFve R\u00C9SUM\u00C9 \u00C5ngstr\u00F6m', 'ah\u535A\u63A8zz \u3053\u3093\u306B\u3061\u306F', 'soft\u00ADhyphen zero\u200Bwidth tab\there',
  'line\u2028sep para\u2029sep nbsp\u00A0x', '"quotes" \u2014 dashes \u2013 and \u00ABguillemets\u00BB...', '$5.00 + 3^2 = `x` ~ 100%', 'e\u0301 vs \u00E9',
  '\u0130stanbul \u00DFtra\u00DFe', 'a'.repeat(101), '',
];

async function main(): Promise<void> {
  const o = new Command()
    .option('--backend <name>', 'wasm or cpu', 'wasm')
    .option('--native', 'use the OpenBLAS kernels (src/runtime/kernels)')
    .option('--layers <n>', 'layers', '3')
    .option('--hidden <n>', 'hidden size', '64')
    .option('--heads <n>', 'attention heads', '4')
    .option('--intermediate <n>', 'feed-forward size', '128')
    .option('--texts <n>', 'learner texts in the batch', '8')
    .option('--max-tokens <n>', 'tokens per text', '128')
    .option('--seed <n>', 'weights seed', '0')
    .option('--std <x>', 'weight standard deviation (default 0.2 x sqrt(64 / hidden): the same activation scale at every width)')
    .option('--tolerance <x>', 'largest allowed absolute difference', '1e-4')
    .parse(process.argv)
    .opts();
  if (o.backend === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(o.backend))) throw new Error(`backend ${o.backend} did not initialise`);
  await tf.ready();
  if (o.native && !enableNativeKernels().active) throw new Error('native kernels unavailable');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-bert-parity-'));
  try {
    const dir = path.join(work, 'bert');
    const maxTokens = Number(o.maxTokens);
    const std = o.std !== undefined ? Number(o.std) : 0.2 * Math.sqrt(64 / Number(o.hidden));
    const config = writeRandomBert(dir, {
      config: {
        vocab_size: 0, hidden_size: Number(o.hidden), num_hidden_layers: Number(o.layers), num_attention_heads: Number(o.heads),
        intermediate_size: Number(o.intermediate), hidden_act: 'gelu', max_position_embeddings: Math.max(128, maxTokens), type_vocab_size: 2, layer_norm_eps: 1e-12,
      },
      seed: Number(o.seed), std, noise: 0.1,
    });
    const { model, tokenizer } = loadBert(dir);
    const texts = learnerTexts(Number(o.texts));
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

    // Tokenizer: our pieces against the reference's, on the learner texts and the hard cases, with this
    // model's vocabulary and with the hand-written fixture vocabulary (cased and uncased).
    const fixture = path.join(__dirname, '..', '..', 'test', 'fixtures', 'bert-wordpiece');
    const allTexts = [...learnerTexts(200), ...HARD_TEXTS];
    let pieceMismatches = 0;
    let piecesChecked = 0;
    for (const [name, tokDir] of [['random model vocabulary', dir], ['fixture vocabulary', fixture]] as const) {
      for (const lower of [true, false]) {
        const tdir = path.join(work, `tok-${piecesChecked}`);
        fs.mkdirSync(tdir);
        fs.copyFileSync(path.join(tokDir, 'vocab.txt'), path.join(tdir, 'vocab.txt'));
        fs.writeFileSync(path.join(tdir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: lower }));
        const tok = WordPieceTokenizer.fromDir(tdir);
        const textsFile = path.join(work, 'texts.json');
        const piecesFile = path.join(work, 'pieces.json');
        fs.writeFileSync(textsFile, JSON.stringify(allTexts));
        runReference(['tokenize', tdir, textsFile, piecesFile]);
        const refPieces = JSON.parse(fs.readFileSync(piecesFile, 'utf8')) as string[][];
        allTexts.forEach((t, i) => {
          const mine = tok.tokenize(t);
          piecesChecked += mine.length;
          if (JSON.stringify(mine) !== JSON.stringify(refPieces[i])) {
            pieceMismatches++;
            if (pieceMismatches <= 5) console.log(`tokenizer difference (${name}, lower ${lower}) on ${JSON.stringify(t.slice(0, 60))}:\n  ours ${JSON.stringify(mine.slice(0, 30))}\n  ref  ${JSON.stringify(refPieces[i].slice(0, 30))}`);
          }
        });
      }
    }
    const tol = Number(o.tolerance);
    const ok = dh <= tol && dp <= tol && pieceMismatches === 0;
    console.log(`model: random BERT ${config.num_hidden_layers} layers, hidden ${config.hidden_size}, ${config.num_attention_heads} heads, FFN ${config.intermediate_size}, vocabulary ${config.vocab_size}, weight std ${std.toPrecision(3)}; backend ${tf.getBackend()}${o.native ? ' + OpenBLAS kernels' : ''}`);
    console.log(`input: ${texts.length} learner texts, padded batch [${ref.shape.slice(0, 2)}], ${sequences.map((s) => s.length).join(' ')} tokens; reference float64 ${refMs} ms`);
    console.log(`final hidden states: max abs diff ${dh.toExponential(3)} (largest |value| ${maxAbs(ref.hidden).toFixed(3)})`);
    console.log(`pooled vectors:      max abs diff ${dp.toExponential(3)} (largest |value| ${maxAbs(ref.pooled).toFixed(3)})`);
    console.log(`tokenizer: ${allTexts.length} texts x 4 settings, ${piecesChecked} pieces, ${pieceMismatches} texts differ`);
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
