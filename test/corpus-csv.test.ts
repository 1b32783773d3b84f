/**
 * The byte-level CSV scanner and CEFR label parsing, checked against csv-parse (an independent RFC 4180
 * parser) on the real embedded learner corpus, and against hand-made files with known line numbers.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { CsvSyntaxError, firstInvalidUtf8, scanCsv } from '../src/corpus/csv';
import { parseCefr } from '../src/corpus/cefr';
import { defaultLearnerCsv } from '../src/corpus/prepare';

const fixture = (name: string) => path.join(__dirname, 'fixtures', 'corpus', name);

function scanAll(file: string, blockSize?: number) {
  const rows: Array<{ line: number; offset: number; fields: string[] }> = [];
  const info = scanCsv(file, (rec) => rows.push({ line: rec.line, offset: rec.offset, fields: Array.from({ length: rec.fieldCount }, (_, i) => rec.field(i)) }), { blockSize });
  return { rows, info };
}

test('scanner reads the embedded corpus exactly as csv-parse does, whatever the block size', () => {
  const file = defaultLearnerCsv();
  const expected: string[][] = parse(fs.readFileSync(file), { relax_column_count: false });
  for (const blockSize of [4 * 1024 * 1024, 4096, 97]) {
    const { rows, info } = scanAll(file, blockSize);
    assert.equal(rows.length, 709, `block ${blockSize}`);
    assert.deepEqual(rows.map((r) => r.fields), expected, `block ${blockSize}`);
    assert.equal(info.bytes, fs.statSync(file).size);
  }
});

test('each record carries the physical line it starts on and its byte offset', () => {
  const file = defaultLearnerCsv();
  const bytes = fs.readFileSync(file);
  const { rows, info } = scanAll(file, 1000);
  // The physical line of a record = 1 + newlines before its first byte.
  let newlines = 0;
  let at = 0;
  for (const r of rows) {
    for (; at < r.offset; at++) if (bytes[at] === 0x0a) newlines++;
    assert.equal(r.line, newlines + 1);
  }
  // Multi-line texts make the record number and the line differ; the last record is far below line 709.
  assert.equal(info.lines, bytes.toString('utf8').split('\n').length - 1);
  assert.ok(rows[rows.length - 1].line > 2000);
});

test('BOM, CRLF, doubled quotes and an extra column', () => {
  const { rows, info } = scanAll(fixture('bom-crlf.csv'));
  assert.equal(info.bom, true);
  assert.deepEqual(rows[0].fields, ['writing_id', 'l1', 'cefr_level', 'text', 'age']);
  assert.deepEqual(rows.map((r) => r.line), [1, 2, 4, 9]);
  assert.equal(rows[2].fields[3], 'My family is very small.\r\n\r\n\r\n\r\nI have a big "borther". He is twenty three years old.');
  assert.equal(rows[3].fields[4], '33');
});

test('an unterminated quote is reported on the line where it opens', () => {
  assert.throws(
    () => scanAll(fixture('unterminated-quote.csv'), 16),
    (e: unknown) => e instanceof CsvSyntaxError && e.line === 5 && /never closed/.test(e.problem),
  );
});

test('a stray quote is reported where the field closes, naming where it opened', () => {
  assert.throws(
    () => scanAll(fixture('stray-quote.csv')),
    (e: unknown) => e instanceof CsvSyntaxError && e.line === 7 && /opened on line 5/.test(e.problem),
  );
});

test('firstInvalidUtf8 finds the first bad byte and accepts valid multi-byte text', () => {
  const good = Buffer.from('café – 日本 😀', 'utf8');
  assert.equal(firstInvalidUtf8(good, 0, good.length), good.length);
  const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f]); // "café o" in Latin-1
  assert.equal(firstInvalidUtf8(latin1, 0, latin1.length), 3);
  const overlong = Buffer.from([0x41, 0xc0, 0xaf]);
  assert.equal(firstInvalidUtf8(overlong, 0, 3), 1);
  const surrogate = Buffer.from([0xed, 0xa0, 0x80]); // UTF-8 encoded U+D800 is not allowed
  assert.equal(firstInvalidUtf8(surrogate, 0, 3), 0);
  const truncated = good.subarray(0, good.length - 1);
  assert.equal(firstInvalidUtf8(truncated, 0, truncated.length), good.length - 4);
});

test('CEFR labels: the usual spellings are accepted, anything else rejected', () => {
  const ok: Array<[string, string]> = [['A1', 'A1'], ['a2', 'A2'], [' B1 ', 'B1'], ['b2\t', 'B2'], ['c-1', 'C1'], ['C 2', 'C2'], ['CEFR B1', 'B1']];
  for (const [raw, level] of ok) assert.equal(parseCefr(raw), level, raw);
  for (const raw of ['', 'A3', 'B1+', 'D1', 'A', '1', 'pre-A1', 'B12', 'unknown']) assert.equal(parseCefr(raw), null, raw);
});

test('a file ending without a newline still gives its last record', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-csv-'));
  try {
    const file = path.join(dir, 'x.csv');
    fs.writeFileSync(file, 'a,b\r\n1,"two\r\nlines"\r\n\r\n3,4');
    const { rows, info } = scanAll(file, 5);
    assert.deepEqual(rows.map((r) => r.fields), [['a', 'b'], ['1', 'two\r\nlines'], ['3', '4']]);
    assert.deepEqual(rows.map((r) => r.line), [1, 2, 5]);
    assert.equal(info.lines, 5);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
