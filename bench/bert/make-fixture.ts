/**
 * Writes test/fixtures/bert-tiny/ (and test/fixtures/roberta-tiny/): a tiny random BERT (RoBERTa) in the Hugging
 * Face layout and the final hidden states and pooled vectors that the independent PyTorch implementation
 * (bench/bert/reference.py, float64) computes for a padded batch of learner texts, so that
 * test/bert-reference.test.ts (test/roberta-reference.test.ts) checks parity without Python. For RoBERTa the
 * ids come from the reference's own byte-level BPE, and writing stops if ours gives other ids.
 *
 *   node --import tsx bench/bert/make-fixture.ts [bert] [roberta]     (both when none is named)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeRandomBert } from '../../src/model/bert-random';
import { WordPieceTokenizer } from '../../src/tokenize/wordpiece';
import { writeRandomRoberta } from '../../src/model/roberta-random';
import { ByteBpeTokenizer } from '../../src/tokenize/byte-bpe';
import { padBatch } from '../../src/model/bert';
import { learnerTexts, runReference } from './common';

const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures');
const OUT = path.join(FIXTURES, 'bert-tiny');
const ROBERTA_OUT = path.join(FIXTURES, 'roberta-tiny');

function makeBert(): void {
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

/** Texts for the RoBERTa fixture: learner texts, and spaces, line breaks, accents, symbols and an emoji. */
const ROBERTA_EXTRA = ['Hi!', ' I  like\tthe caf\u00E9 \u2014 it\'s "na\u00EFve", isn\'t it?\r\n\u{1F600} 2024\u20AC <s>'];

function makeRoberta(): void {
  fs.rmSync(ROBERTA_OUT, { recursive: true, force: true });
  writeRandomRoberta(ROBERTA_OUT, {
    config: { vocab_size: 0, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64, hidden_act: 'gelu', max_position_embeddings: 66, type_vocab_size: 1, layer_norm_eps: 1e-5 },
    texts: learnerTexts(200), merges: 300, seed: 11, std: 0.2, noise: 0.1,
  });
  const tokenizer = ByteBpeTokenizer.fromDir(ROBERTA_OUT);
  const texts = [...learnerTexts(3).map((t) => t.slice(0, 100)), ...ROBERTA_EXTRA];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-roberta-fixture-'));
  try {
    const textsFile = path.join(work, 'texts.json');
    const idsFile = path.join(work, 'ids.json');
    fs.writeFileSync(textsFile, JSON.stringify(texts));
    runReference(['tokenize-bpe', ROBERTA_OUT, textsFile, idsFile, '--max-tokens', '64']);
    const sequences = JSON.parse(fs.readFileSync(idsFile, 'utf8')) as number[][];
    texts.forEach((t, i) => {
      const ours = tokenizer.encode(t, 64).ids;
      if (JSON.stringify(ours) !== JSON.stringify(sequences[i])) throw new Error(`text ${i}: our ids ${JSON.stringify(ours)} differ from the reference's ${JSON.stringify(sequences[i])}`);
    });
    const batch = padBatch(sequences, tokenizer.padId);
    const rows = (a: ArrayLike<number>) => Array.from({ length: batch.batchSize }, (_, r) => Array.from({ length: batch.seqLen }, (_, j) => a[r * batch.seqLen + j]));
    const input = path.join(work, 'input.json');
    const output = path.join(work, 'output.json');
    fs.writeFileSync(input, JSON.stringify({ ids: rows(batch.ids), mask: rows(batch.mask) }));
    runReference(['forward', ROBERTA_OUT, input, output, '--dtype', 'float64']);
    const ref = JSON.parse(fs.readFileSync(output, 'utf8'));
    const round = (xs: number[]) => xs.map((x) => Number(x.toPrecision(9)));
    fs.writeFileSync(path.join(ROBERTA_OUT, 'reference.json'), JSON.stringify({
      note: 'ids: bench/bert/reference.py tokenize-bpe; hidden, pooled: bench/bert/reference.py forward, float64; written by bench/bert/make-fixture.ts',
      texts, ids: rows(batch.ids), mask: rows(batch.mask), shape: ref.shape, hidden: round(ref.hidden), pooled: round(ref.pooled),
    }) + '\n');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(`wrote ${ROBERTA_OUT}`);
}

const which = process.argv.slice(2);
if (which.length === 0 || which.includes('bert')) makeBert();
if (which.length === 0 || which.includes('roberta')) makeRoberta();
