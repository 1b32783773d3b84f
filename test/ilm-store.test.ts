/** The example store: round trip, random access, every corruption case, determinism, location independence. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildExamples } from '../src/ilm/examples';
import { documentExamples } from '../src/ilm/generate';
import { buildSequence, TARGET } from '../src/ilm/sequence';
import { ExampleStore, HEADER_BYTES } from '../src/ilm/store';
import { decodeTokens } from '../src/tokenize/gpt2-bpe';
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
  const g = { task: 'ilm' as const, mask: 'hierarchical' as const, p: 0.03, pWord: null, pFunction: null, examplesPerDoc: 16, maxRetries: 16, minSpans: null, maxSpans: null, allowDuplicates: false, seqLen: 128, skipIncomplete: false, seed: 0 };
  docs.forEach((d, i) => {
    const text = texts[i].replace(/\n{3,}/g, '\n\n');
    assert.equal(decodeTokens(d.tokens), text);
    assert.equal(d.textLength, text.length);
    const expected = documentExamples(text, i, g);
    assert.deepEqual(Array.from(d.tokens), expected.tokens);
    assert.deepEqual(d.examples.map((e) => e.spans), expected.examples);
  });
  // random access (training's ExampleSource) gives the spec sequences built directly
  const src: ExampleSource = store.loadSource();
  assert.equal(src.count, store.examples);
  const first = buildSequence(docs[0].tokens, docs[0].examples[0].spans, 128);
  let d = 0;
  let e = 17;
  while (e >= docs[d].examples.length) e -= docs[d++].examples.length;
  const seventeenth = buildSequence(docs[d].tokens, docs[d].examples[e].spans, 128);
  const rb = src.batch([0, 17]);
  assert.equal(rb.tokens.length, 2 * 128);
  assert.deepEqual(rb.tokens.subarray(0, 128), first.tokens);
  assert.deepEqual(rb.types.subarray(0, 128), first.types);
  assert.deepEqual(rb.tokens.subarray(128), seventeenth.tokens);
  assert.ok(rb.types.every((t) => t <= TARGET.endOfAnswer));
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
  const batch = store.loadSource(64).batch([0]);
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

test('a store is byte-identical wherever its data and output folders are (no paths inside)', async () => {
  const a = await buildExamples('valid', data, path.join(root, 'here'), OPTS);
  const moved = path.join(root, 'elsewhere', 'deeper', 'data');
  fs.mkdirSync(moved, { recursive: true });
  for (const f of fs.readdirSync(data)) fs.copyFileSync(path.join(data, f), path.join(moved, f));
  const cwd = process.cwd();
  process.chdir(path.join(root, 'elsewhere'));
  try {
    const b = await buildExamples('valid', path.relative(process.cwd(), moved), 'out-relative', OPTS);
    const bytes = fs.readFileSync(a.file);
    assert.ok(bytes.equals(fs.readFileSync(path.resolve(b.file))), 'same bytes');
    assert.ok(!bytes.includes(Buffer.from(root)), 'no absolute path inside');
    assert.equal(ExampleStore.open(a.file).header.source.file, 'valid.txt');
  } finally {
    process.chdir(cwd);
  }
});

test('missing data directory or split file is a UserError naming it', async () => {
  await assert.rejects(buildExamples('valid', path.join(root, 'nope'), out), (e: unknown) => e instanceof UserError && /nope.*not found/.test(e.message));
  await assert.rejects(buildExamples('test', data, out), (e: unknown) => e instanceof UserError && /test\.txt: split file not found/.test(e.message));
  await assert.rejects(buildExamples('valid', data, out, { minSpans: 3, maxSpans: 2 }), UserError);
});

test.after(() => fs.rmSync(root, { recursive: true, force: true }));
