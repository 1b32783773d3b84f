/**
 * The pretraining corpus of the base model: never any CEFR-ASAG text, a deterministic held-out part per corpus
 * (OneStopEnglish articles on one side with all their levels), pieces within the word limit, and the text
 * clean-up helpers.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  brownText, buildPretrainCorpus, cleanText, cutDocument, detokenize, heldOutKeys, mixedTrainPieces, readCsvRows, splitFileText,
} from '../src/corpus/pretraining';
import { writePretrainCorpus } from '../src/pretrain/pretrain';
import { dataDir } from '../src/runtime/paths';
import { splitDocuments } from '../src/ilm/documents';

const words = (s: string) => s.toLowerCase().match(/[a-z0-9']+/g) ?? [];

test('the full corpus holds no CEFR-ASAG text (no shared run of 16 words: common learner phrases of 10 words do recur by chance)', () => {
  const corpus = buildPretrainCorpus();
  const asag = readCsvRows(path.join(dataDir, 'cefr-asag', 'cefr_asag_4col.csv'), ['text']).map((r) => r.text);
  assert.ok(asag.length > 700);
  const N = 16;
  const shingles = new Set<string>();
  for (const t of asag) {
    const w = words(t);
    for (let i = 0; i + N <= w.length; i++) shingles.add(w.slice(i, i + N).join(' '));
  }
  assert.ok(shingles.size > 10000);
  let pieces = 0;
  for (const part of corpus.parts) {
    for (const piece of [...part.train, ...part.valid]) {
      pieces++;
      const w = words(piece);
      for (let i = 0; i + N <= w.length; i++) assert.ok(!shingles.has(w.slice(i, i + N).join(' ')), `${part.corpus} piece shares "${w.slice(i, i + N).join(' ')}" with CEFR-ASAG`);
    }
  }
  assert.deepEqual(corpus.parts.map((p) => p.corpus), ['brown', 'ellipse', 'onestopenglish', 'cefr-sp']);
  for (const p of corpus.parts) {
    assert.ok(p.train.length > 500 && p.valid.length > 50, `${p.corpus}: ${p.train.length} + ${p.valid.length}`);
    for (const piece of [...p.train, ...p.valid]) {
      if (p.corpus === 'cefr-sp') assert.ok(piece.split('\n').length <= corpus.options.sentencesPerDoc, 'cefr-sp: too many sentences in a piece');
      else assert.ok(piece.split(/\s+/).length <= corpus.options.maxWords, `${p.corpus}: a piece over ${corpus.options.maxWords} words`);
      assert.ok(!piece.includes('\n\n'), 'a piece has an empty line');
    }
    assert.ok(p.files.every((f) => !/cefr-asag/.test(f)));
  }
  assert.ok(pieces > 15000);
});

test('the held-out part is deterministic, seeded and disjoint from training', () => {
  const opts = { corpora: ['onestopenglish', 'cefr-sp'] as const };
  const a = buildPretrainCorpus(opts);
  const b = buildPretrainCorpus(opts);
  assert.deepEqual(a, b);
  const c = buildPretrainCorpus({ ...opts, seed: 1 });
  assert.notDeepEqual(a.parts[0].valid, c.parts[0].valid, 'another seed holds out other articles');
  assert.deepEqual(a.parts[1].valid, c.parts[1].valid, 'CEFR-SP keeps its own dev split whatever the seed');
  const ose = a.parts[0];
  assert.equal(ose.sourceDocuments.valid % 3, 0, 'whole articles (3 levels each) are held out');
  assert.ok(Math.abs(ose.sourceDocuments.valid / (ose.sourceDocuments.train + ose.sourceDocuments.valid) - 0.05) < 0.01);
  const trainSet = new Set(ose.train);
  assert.ok(ose.valid.every((p) => !trainSet.has(p)));
  assert.deepEqual(mixedTrainPieces(a, 0), mixedTrainPieces(b, 0));
  assert.deepEqual([...mixedTrainPieces(a, 0)].sort(), [...a.parts.flatMap((p) => p.train)].sort());
});

test('heldOutKeys: a seeded share of the distinct keys, independent of their order', () => {
  const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
  const h = heldOutKeys(keys, 0.05, 0, 'x');
  assert.equal(h.size, 10);
  assert.deepEqual([...heldOutKeys([...keys].reverse(), 0.05, 0, 'x')].sort(), [...h].sort());
  assert.notDeepEqual([...heldOutKeys(keys, 0.05, 0, 'y')].sort(), [...h].sort());
  assert.equal(heldOutKeys(['a', 'b'], 0.05, 0, 'x').size, 1, 'at least one');
});

test('writePretrainCorpus: split files the ILM reader cuts into the same pieces, same bytes twice', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-corpus-'));
  const opts = { corpora: ['cefr-sp'] as const };
  const first = await writePretrainCorpus(path.join(dir, 'a'), opts);
  const second = await writePretrainCorpus(path.join(dir, 'b'), opts);
  assert.deepEqual(first.files, second.files);
  assert.deepEqual(first.splits, ['train', 'valid', 'valid-cefr-sp']);
  const corpus = buildPretrainCorpus(opts);
  const docs = splitDocuments(fs.readFileSync(path.join(dir, 'a', 'valid-cefr-sp.txt'), 'utf8')).documents.map((d) => d.text);
  assert.deepEqual(docs, corpus.parts[0].valid);
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'a', 'manifest.json'), 'utf8'));
  assert.match(m.parts[0].files[0].sha256, /^[0-9a-f]{64}$/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('text helpers: Brown rebuild, detokenisation, clean-up and cutting', () => {
  assert.equal(brownText("The/at Fulton/np-tl said/vbd ``/`` no/at ''/'' ./.\nIt/pps ended/vbd ./.\n\nNew/jj para/nn ./."), 'The Fulton said "no". It ended.\nNew para.');
  assert.equal(detokenize("Do you know what you 're doing , Ben ?"), "Do you know what you're doing, Ben?");
  assert.equal(detokenize("I do n't ( really ) like it ."), "I don't (really) like it.");
  assert.equal(cleanText('\uFEFF a  b \r\n\r\n\r\nc\t d '), 'a b\nc d');
  const text = 'One two three. Four five six.\nSeven eight nine ten eleven twelve.';
  const pieces = cutDocument(text, 6);
  assert.deepEqual(pieces, ['One two three. Four five six.', 'Seven eight nine ten eleven twelve.']);
  for (const p of cutDocument('a b c d e f g h i j k l m n', 5)) assert.ok(p.split(' ').length <= 5);
  assert.equal(splitFileText(['x', 'y']), 'x\n\n\ny\n');
});
