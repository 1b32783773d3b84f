/** The example store: round trip, batches, shuffling and resume, every corruption case, determinism. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildExamples } from '../src/ilm/examples';
import { documentExamples } from '../src/ilm/generate';
import { buildSequence, TARGET } from '../src/ilm/sequence';
import { ExampleStore, HEADER_BYTES } from '../src/ilm/store';
import { decodeTokens } from '../src/ilm/tokens';
import { UserError } from '../src/runtime/errors';
import type { ExampleSource } from '../src/train/data';
import { learnerTexts, writeSplit } from './ilm-fixtures';

process.env.CEFRLAB_QUIET = '1';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ilm-store-'));
const texts = learnerTexts(120).map((t) => t.text);
const data = path.join(root, 'data');
writeSplit(data, 'valid', texts);
const out = path.join(root, 'out');
const OPTS = { seqLen: 128, workers: 0, blockDocs: 16 };

test('round trip: what the store holds is what the generator made, and batches are the spec sequences', async () => {
  const r = await buildExamples('valid', data, out, OPTS);
  assert.equal(r.summary.documents, 120);
  const store = ExampleStore.open(r.dir);
  assert.equal(store.header.counts.examples, r.summary.examples);
  assert.equal(store.header.source.bytes, fs.statSync(path.join(data, 'valid.txt')).size);
  assert.match(store.header.source.sha256, /^[0-9a-f]{64}$/);
  assert.equal(store.blocks.length, Math.ceil(120 / 16));
  const docs = [...store.documents()];
  const g = { task: 'ilm' as const, mask: 'hierarchical' as const, p: 0.03, examplesPerDoc: 16, maxRetries: 16, minSpans: null, maxSpans: null, allowDuplicates: false, seqLen: 128, skipIncomplete: false, seed: 0 };
  docs.forEach((d, i) => {
    const text = texts[i].replace(/\n{3,}/g, '\n\n');
    assert.equal(decodeTokens(d.tokens), text);
    assert.equal(d.textLength, text.length);
    const expected = documentExamples(text, i, g);
    assert.deepEqual(Array.from(d.tokens), expected.tokens);
    assert.deepEqual(d.examples.map((e) => e.spans), expected.examples);
  });
  // sequential batches equal the sequences built directly
  const batches = [...store.batches({ batchSize: 32, shuffle: false })];
  assert.equal(batches.reduce((a, b) => a + b.batchSize, 0), store.examples);
  const b0 = batches[0];
  assert.equal(b0.tokens.length, 32 * 128);
  const first = buildSequence(docs[0].tokens, docs[0].examples[0].spans, 128);
  assert.deepEqual(b0.tokens.subarray(0, 128), first.tokens);
  assert.deepEqual(b0.types.subarray(0, 128), first.types);
  // random access (training's ExampleSource) agrees
  const src: ExampleSource = store.loadSource();
  assert.equal(src.count, store.examples);
  const rb = src.batch([0, 17]);
  assert.deepEqual(rb.tokens.subarray(0, 128), first.tokens);
  assert.deepEqual(rb.tokens.subarray(128), b0.tokens.subarray(17 * 128, 18 * 128));
  assert.ok(rb.types.every((t) => t <= TARGET.endOfAnswer));
  store.close();
});

test('shuffled epochs are a pure function of (seed, epoch) and resume from any position', () => {
  const store = ExampleStore.open(path.join(out, 'valid'));
  const flat = (it: Iterable<{ tokens: Int32Array }>) => Array.from(it).flatMap((b) => Array.from(b.tokens));
  const e1 = flat(store.batches({ batchSize: 7, epoch: 1, windowBlocks: 2 }));
  assert.deepEqual(flat(store.batches({ batchSize: 7, epoch: 1, windowBlocks: 2 })), e1);
  const e2 = flat(store.batches({ batchSize: 7, epoch: 2, windowBlocks: 2 }));
  assert.notDeepEqual(e2, e1);
  const seq = flat(store.batches({ batchSize: 7, shuffle: false }));
  assert.deepEqual([...e1].sort((a, b) => a - b), [...seq].sort((a, b) => a - b));
  for (const start of [0, 5, 333, store.examples - 3]) {
    const resumed = [...store.batches({ batchSize: 7, epoch: 1, windowBlocks: 2, start })];
    assert.equal(resumed[0].position, start);
    assert.deepEqual(resumed.flatMap((b) => Array.from(b.tokens)), e1.slice(start * 128));
  }
  store.close();
});

function expectUserError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof UserError && pattern.test(e.message) && /Fix: /.test(e.message), String(pattern));
}

test('truncated, corrupted, wrong-version and foreign files give clear errors with the regenerate command', () => {
  const file = path.join(out, 'valid', 'examples.bin');
  const good = fs.readFileSync(file);
  const bad = path.join(root, 'bad.bin');
  const open = () => ExampleStore.open(bad);
  const readAll = () => ExampleStore.open(bad).verify();
  for (const cut of [good.length - 1, good.length - 20, HEADER_BYTES + 30, Math.floor(good.length / 2)]) {
    fs.writeFileSync(bad, good.subarray(0, cut));
    expectUserError(open, /truncated/);
  }
  fs.writeFileSync(bad, good.subarray(0, 100));
  expectUserError(open, /truncated.*header/);
  // a flipped byte inside a block payload: found by the block checksum when read
  const flipped = Buffer.from(good);
  flipped[HEADER_BYTES + 20 + 40] ^= 0xff;
  fs.writeFileSync(bad, flipped);
  expectUserError(readAll, /corrupted block 0 .*checksum[\s\S]*cefrlab examples valid/);
  // a flipped byte in the header JSON
  const hdr = Buffer.from(good);
  hdr[60] ^= 0x01;
  fs.writeFileSync(bad, hdr);
  expectUserError(open, /corrupted header/);
  // another format version
  const v2 = Buffer.from(good);
  v2.writeUInt32LE(2, 8);
  fs.writeFileSync(bad, v2);
  expectUserError(open, /format version 2, this cefrlab reads version 1/);
  // not a store at all
  fs.writeFileSync(bad, 'writing_id,l1,cefr_level,text\n1,French,B1,"Hello"\n'.repeat(300));
  expectUserError(open, /not a cefrlab example store/);
  // bytes after the end marker
  fs.writeFileSync(bad, Buffer.concat([good, Buffer.from('xx')]));
  expectUserError(open, /corrupted|truncated/);
  expectUserError(() => ExampleStore.open(path.join(root, 'missing.bin')), /not found/);
});

test('the same input, options and seed give byte-identical stores with 0 and 2 workers; the lm task stores documents alone', async () => {
  const a = await buildExamples('valid', data, path.join(root, 'det'), { seqLen: 128, workers: 0 });
  const bytesA = fs.readFileSync(a.file);
  const b = await buildExamples('valid', data, path.join(root, 'det'), { seqLen: 128, workers: 2 });
  assert.ok(bytesA.equals(fs.readFileSync(b.file)));
  const c = await buildExamples('valid', data, path.join(root, 'det'), { seqLen: 128, workers: 0, seed: 1 });
  assert.ok(!bytesA.equals(fs.readFileSync(c.file)));
  const lm = await buildExamples('valid', data, path.join(root, 'lm'), { task: 'lm', seqLen: 64, workers: 0 });
  const store = ExampleStore.open(lm.dir);
  assert.equal(store.header.task, 'lm');
  assert.equal(store.examples, 120);
  const [batch] = store.batches({ batchSize: 1, shuffle: false });
  const docTokens = [...store.documents()][0].tokens;
  const n = Math.min(64, docTokens.length);
  assert.deepEqual(Array.from(batch.tokens.subarray(0, n)), Array.from(docTokens.subarray(0, n)));
  assert.ok(batch.types.subarray(0, n).every((t) => t === TARGET.context));
  assert.ok(batch.types.subarray(n).every((t) => t === TARGET.pad));
  store.close();
  const manifest = JSON.parse(fs.readFileSync(path.join(lm.dir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.summary.examples, 120);
  assert.equal(manifest.options.task, 'lm');
});

test('missing data directory or split file is a UserError naming it', async () => {
  await assert.rejects(buildExamples('valid', path.join(root, 'nope'), out), (e: unknown) => e instanceof UserError && /nope.*not found/.test(e.message));
  await assert.rejects(buildExamples('test', data, out), (e: unknown) => e instanceof UserError && /test\.txt: split file not found/.test(e.message));
  await assert.rejects(buildExamples('valid', data, out, { minSpans: 3, maxSpans: 2 }), UserError);
});

test.after(() => fs.rmSync(root, { recursive: true, force: true }));
