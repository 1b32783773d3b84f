/**
 * Bad input: every case named in the data-preparation issue gets a UserError naming the file, the physical
 * line, the problem and a fix, and leaves no output directory behind; with `onBadRow: 'skip'` bad rows are
 * counted per reason and listed in rejected.csv. Fixtures: test/fixtures/corpus/ (small files built from
 * real learner answers of the embedded corpus, with one defect each).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { prepare } from '../src/corpus/prepare';
import { UserError } from '../src/runtime/errors';

const fixture = (name: string) => path.join(__dirname, 'fixtures', 'corpus', name);

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-prep-err-'));
}

/** prepare must reject with a UserError matching `pattern`, and leave `parent` empty. */
async function rejects(csv: string, pattern: RegExp, options: { onBadRow?: 'fail' | 'skip' } = {}) {
  const parent = tmpDir();
  try {
    const out = path.join(parent, 'out');
    await assert.rejects(prepare({ csv, out, showProgress: false, ...options }), (e: unknown) => {
      assert.ok(e instanceof UserError, `expected a UserError, got ${e}`);
      assert.ok(e.exitCode !== 0);
      assert.match(e.message, pattern);
      assert.ok(e.message.startsWith(csv), `message names the file: ${e.message}`);
      assert.match(e.message, /Fix: /);
      return true;
    });
    assert.deepEqual(fs.readdirSync(parent), [], 'no output or temporary directory is left behind');
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
}

test('missing file', () => rejects(fixture('no-such-file.csv'), /does not exist/));
test('empty file', () => rejects(fixture('empty.csv'), /: the file is empty/));
test('header only', () => rejects(fixture('header-only.csv'), /:2: the file has a header but no data rows/));
test('missing required column', () => rejects(fixture('missing-column.csv'), /:1: the header lacks the column cefr_level \(found: writing_id, l1, level, text\)/));
test('unknown CEFR label (line 5, after a two-line text)', () => rejects(fixture('unknown-label.csv'), /:5: "B3" is not a CEFR level/));
test('empty or white-space text', () => rejects(fixture('empty-text.csv'), /:5: the text is empty or only white space/));
test('duplicate writing_id names both lines', () => rejects(fixture('duplicate-id.csv'), /:5: writing_id "asag-l0001" already appears on line 2/));
test('unterminated quote', () => rejects(fixture('unterminated-quote.csv'), /:5: a quoted field opens here and is never closed/));
test('unterminated quote cannot be skipped', () => rejects(fixture('unterminated-quote.csv'), /:5: a quoted field opens here/, { onBadRow: 'skip' }));
test('stray quote', () => rejects(fixture('stray-quote.csv'), /:7: a quoted field closes here .* opened on line 5/));
test('wrong number of fields', () => rejects(fixture('wrong-field-count.csv'), /:5: the row has 5 fields but the header has 4/));
test('invalid UTF-8 (the bad byte is on line 6 of a record starting on line 5)', () => rejects(fixture('invalid-utf8.csv'), /:6: the row contains bytes that are not valid UTF-8/));

test('a failed run leaves an earlier output untouched', async () => {
  const parent = tmpDir();
  try {
    const out = path.join(parent, 'out');
    await prepare({ csv: fixture('bom-crlf.csv'), out, showProgress: false });
    const before = fs.readFileSync(path.join(out, 'train.txt'));
    await assert.rejects(prepare({ csv: fixture('duplicate-id.csv'), out, showProgress: false }), UserError);
    assert.deepEqual(fs.readFileSync(path.join(out, 'train.txt')), before);
    assert.deepEqual(fs.readdirSync(parent), ['out']);
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test('refuses to replace a directory that is not a prepare output', async () => {
  const parent = tmpDir();
  try {
    fs.writeFileSync(path.join(parent, 'notes.txt'), 'keep me');
    await assert.rejects(prepare({ csv: fixture('bom-crlf.csv'), out: parent, showProgress: false }), /is not an earlier prepare output/);
    assert.equal(fs.readFileSync(path.join(parent, 'notes.txt'), 'utf8'), 'keep me');
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test('BOM and CRLF simply work; labels are trimmed and case-folded, texts keep their words', async () => {
  const parent = tmpDir();
  try {
    const out = path.join(parent, 'out');
    const { manifest } = await prepare({ csv: fixture('bom-crlf.csv'), out, showProgress: false });
    assert.equal(manifest.input.byteOrderMark, true);
    assert.deepEqual(manifest.input.unusedColumns, ['age']);
    assert.deepEqual(manifest.normalised, { rows: 3, newlineRuns: 1, lineEnds: 2, trimmed: 1 });
    const docs = SPLITS.flatMap((s) => readDocs(path.join(out, `${s}.txt`)));
    const labels = SPLITS.flatMap((s) => readLabels(path.join(out, `${s}.labels.tsv`)));
    const byId = new Map(labels.map((l, i) => [l[0], { level: l[1], l1: l[2], text: docs[i] }]));
    assert.deepEqual(byId.get('asag-l0001'), { level: 'A2', l1: 'French', text: 'everyday i get up at 8 a clock.\nI always turn my music on.' });
    assert.deepEqual(byId.get('asag-l0002'), { level: 'B1', l1: 'French', text: 'My family is very small.\n\nI have a big "borther". He is twenty three years old.' });
    assert.deepEqual(byId.get('asag-l0005'), { level: 'A2', l1: 'Dutch', text: 'I have one sister, she is married and she has one children.' });
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test('with onBadRow skip, bad rows are left out, counted per reason and listed in rejected.csv', async () => {
  const parent = tmpDir();
  try {
    const out = path.join(parent, 'out');
    const { manifest } = await prepare({ csv: fixture('mixed-bad-rows.csv'), out, onBadRow: 'skip', showProgress: false });
    assert.equal(manifest.input.rows, 9);
    assert.equal(manifest.documents, 3);
    assert.deepEqual(manifest.skipped, {
      rows: 6,
      byReason: { 'unknown-cefr-label': 1, 'empty-text': 1, 'duplicate-writing-id': 1, 'wrong-field-count': 1, 'invalid-utf8': 1, 'empty-l1': 1 },
    });
    const rejected = fs.readFileSync(path.join(out, 'rejected.csv'), 'utf8').trim().split('\n');
    assert.equal(rejected[0], 'line,reason,writing_id,detail');
    assert.deepEqual(
      rejected.slice(1).map((r) => r.split(',').slice(0, 3).join(',')),
      ['5,unknown-cefr-label,asag-l0003', '6,empty-text,asag-l0004', '7,duplicate-writing-id,asag-l0001', '8,wrong-field-count,asag-l0006', '9,invalid-utf8,asag-l0007', '10,empty-l1,asag-l0008'],
    );
    const ids = SPLITS.flatMap((s) => readLabels(path.join(out, `${s}.labels.tsv`)).map((l) => l[0])).sort();
    assert.deepEqual(ids, ['asag-l0001', 'asag-l0002', 'asag-l0009']);
    assert.equal(manifest.normalised.newlineRuns, 1);
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

const SPLITS = ['train', 'valid', 'test'];

function readDocs(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return text === '' ? [] : text.split('\n\n\n');
}

function readLabels(file: string): string[][] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  assert.equal(lines[0], 'writing_id\tcefr_level\tl1');
  return lines.slice(1, -1).map((l) => l.split('\t'));
}

test('command line: a bad row exits non-zero with the message on stderr and no output directory', () => {
  const parent = tmpDir();
  try {
    const out = path.join(parent, 'out');
    const bin = path.join(__dirname, '..', 'bin', 'cefrlab.js');
    const bad = spawnSync(process.execPath, [bin, 'prepare', '--csv', fixture('unknown-label.csv'), '--out', out], { encoding: 'utf8', env: { ...process.env, CEFRLAB_QUIET: '1' } });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown-label\.csv:5: "B3" is not a CEFR level\. Fix: /);
    assert.deepEqual(fs.readdirSync(parent), []);
    const ok = spawnSync(process.execPath, [bin, 'prepare', '--csv', fixture('bom-crlf.csv'), '--out', out, '--cefr-level', 'a2'], { encoding: 'utf8', env: { ...process.env, CEFRLAB_QUIET: '1' } });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /prepared 2 documents/);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')).options.cefrLevel, 'A2');
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});
