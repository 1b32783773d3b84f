/**
 * Writes test/fixtures/bert-tiny/: a tiny random BERT in the Hugging Face layout and the final hidden states and
 * pooled vectors that the independent PyTorch implementation (bench/bert/reference.py, float64) computes for a
 * padded batch of learner texts, so that test/bert-reference.test.ts checks parity without Python.
 *
 *   node --import tsx bench/bert/make-fixture.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeRandomBert } from '../../src/model/bert-random';
import { WordPieceTokenizer } from '../../src/tokenize/wordpiece';
import { padBatch } from '../../src/model/bert';
import { learnerTexts, runReference } from './common';

const OUT = path.join(__dirname, '..', '..', 'test', 'fixtures', 'bert-tiny');

function main(): void {
  fs.rmSync(OUT, { recursive: true, force: true });
  writeRandomBert(OUT, {
    config: { vocab_size: 0, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64, hidden_act: 'gelu', max_position_embeddings: 64, type_vocab_size: 2, layer_norm_eps: 1e-12 },
    seed: 7, std: 0.2, noise: 0.1,
  });
  const tokenizer = WordPieceTokenizer.fromDir(OUT);
  const texts = [...learnerTexts(3).map((t) => t.slice(0, 120)), 'Hi!'];
  const sequences = texts.map((t) => tokenizer.encode(t, 64).ids);
  const batch = padBatch(sequences, tokenizer.padId);
  const rows = (a: ArrayLike<number>) => Array.from({ length: batch.batchSize }, (_, r) => Array.from({ length: batch.seqLen }, (_, j) => a[r * batch.seqLen + j]));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-bert-fixture-'));
  try {
    const input = path.join(work, 'input.json');
    const output = path.join(work, 'output.json');
    fs.writeFileSync(input, JSON.stringify({ ids: rows(batch.ids), mask: rows(batch.mask) }));
    runReference(['forward', OUT, input, output, '--dtype', 'float64']);
    const ref = JSON.parse(fs.readFileSync(output, 'utf8'));
    const round = (xs: number[]) => xs.map((x) => Number(x.toPrecision(9)));
    fs.writeFileSync(path.join(OUT, 'reference.json'), JSON.stringify({
      note: 'bench/bert/reference.py forward, float64; written by bench/bert/make-fixture.ts',
      texts, ids: rows(batch.ids), mask: rows(batch.mask), shape: ref.shape, hidden: round(ref.hidden), pooled: round(ref.pooled),
    }) + '\n');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(`wrote ${OUT}`);
}

main();
