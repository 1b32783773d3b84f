/** The shared CSV reader and writer (src/runtime/csv-table.ts): start lines, errors with file and line, quoting. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { readCsvRecords, readTable, requireColumns, csvField, csvLine, formatTable, writeTable } from '../src/runtime/csv-table';
import { UserError } from '../src/runtime/errors';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-csv-table-'));
const file = (name: string, text: string | Buffer) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

test('readCsvRecords: each record knows the line it starts on (blank lines, quoted line breaks, CRLF inside quotes)', () => {
  const f = file('lines.csv', 'a,b\n\n\n1,"x\ny"\n2,z\n3,"p\r\nq"\n4,w\n');
  const r = readCsvRecords(f);
  assert.deepEqual(r.records, [['a', 'b'], ['1', 'x\ny'], ['2', 'z'], ['3', 'p\r\nq'], ['4', 'w']]);
  assert.deepEqual(r.lines, [1, 4, 6, 7, 9]);
  const crlf = readCsvRecords(file('crlf.csv', 'a,b\r\n1,"x\r\ny"\r\n\r\n2,z\r\n'));
  assert.deepEqual(crlf.lines, [1, 2, 5]);
});

test('readTable: byte-order mark skipped, column names trimmed, missing fields empty, row lines', () => {
  const t = readTable(file('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id , text\n1,hello\n\n2,"a, b"\n')])));
  assert.deepEqual(t.columns, ['id', 'text']);
  assert.deepEqual(t.rows, [{ id: '1', text: 'hello' }, { id: '2', text: 'a, b' }]);
  assert.deepEqual(t.lines, [2, 4]);
  assert.throws(() => requireColumns(t, ['level'], '--level-column'), (e: unknown) => e instanceof UserError && /bom\.csv:1: no column "level" \(columns: id, text\)\. Fix: name an existing column with --level-column/.test(e.message));
});

test('read errors name the file, the line and the fix', () => {
  const missing = path.join(dir, 'nope.csv');
  assert.throws(() => readTable(missing), (e: unknown) => e instanceof UserError && e.message === `${missing}: file not found. Fix: check the path`);
  const ragged = file('ragged.csv', 'a,b\n1,2\n3\n');
  assert.throws(() => readTable(ragged), (e: unknown) => e instanceof UserError && e.message.startsWith(`${ragged}:3: not a valid CSV (`) && /Fix: fix the quoting or the number of fields/.test(e.message));
  const open = file('open.csv', 'a,b\n1,"2\n3,4\n');
  assert.throws(() => readTable(open), (e: unknown) => e instanceof UserError && e.message.startsWith(`${open}:3: not a valid CSV (Quote Not Closed`));
  assert.throws(() => readTable(file('empty.csv', '')), (e: unknown) => e instanceof UserError && /empty\.csv:1: empty file/.test(e.message));
});

test('csvField quotes a comma, a quote, a line break and white space at either end, and nothing else', () => {
  assert.equal(csvField('plain text'), 'plain text');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\rlf'), '"cr\rlf"');
  assert.equal(csvField(' lead'), '" lead"');
  assert.equal(csvField('trail\t'), '"trail\t"');
  assert.equal(csvField(''), '');
  assert.equal(csvLine(['x', 1.5, 'y,z']), 'x,1.5,"y,z"');
});

test('formatTable and writeTable round-trip through csv-parse (with trim, too) value for value', () => {
  const values = ['plain', 'a,b', 'say "hi"', 'two\r\nlines', ' edge ', '', 'ü ✓'];
  const rows = values.map((v, i) => ({ id: String(i), value: v, n: i % 2 ? null : i }));
  const text = formatTable(['id', 'value', 'n'], rows);
  assert.ok(text.endsWith('\n'));
  for (const trim of [false, true]) {
    const back = parse(text, { columns: true, trim }) as Array<Record<string, string>>;
    assert.deepEqual(back.map((r) => r.value), values);
    assert.deepEqual(back.map((r) => r.n), rows.map((r) => (r.n == null ? '' : String(r.n))));
  }
  const f = path.join(dir, 'out.csv');
  writeTable(f, ['id', 'value', 'n'], rows);
  assert.equal(fs.readFileSync(f, 'utf8'), text);
  assert.deepEqual(readTable(f).rows.map((r) => r.value), values);
});
