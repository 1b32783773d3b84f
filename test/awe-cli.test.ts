/** `awe train|predict` and `baseline length` through their file-level operations (what the commands call). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { trainAweFromCsv, predictAweCsv, lengthBaselineCsv } from '../src/cli/awe-ops';
import { readTable, writeTable } from '../src/runtime/csv-table';
import { buildProgram } from '../src/cli/main';

function fixture(dir: string): string {
  const words = ['family', 'house', 'although', 'beautiful', 'is', 'my', 'the', 'nevertheless', 'go', 'school'];
  const rows = Array.from({ length: 90 }, (_, i) => {
    const l = i % 3;
    const n = 4 + l * 10 + (i % 5);
    return { id: `w${i}`, question: 'Describe your family.', text: Array.from({ length: n }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ') + '.', cefr_level: ['A2', 'B1', 'B2'][l] };
  });
  const file = path.join(dir, 'train.csv');
  writeTable(file, ['id', 'question', 'text', 'cefr_level'], rows);
  return file;
}

test('awe train / predict and baseline length write ratings with the input columns and manifests', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'awe-cli-'));
  const csv = fixture(dir);
  const model = path.join(dir, 'model');
  const r = await trainAweFromCsv(csv, model, { label: 'cefr_level', textColumn: 'text', gbdt: { maxIter: 10, minSamplesLeaf: 5 } });
  assert.deepEqual(r.classes, ['A2', 'B1', 'B2']);
  assert.ok(fs.existsSync(path.join(model, 'model.json')) && fs.existsSync(path.join(model, 'manifest.json')));
  const out = path.join(dir, 'awe.csv');
  assert.equal(await predictAweCsv(model, csv, out, { textColumn: 'text' }), 90);
  const t = readTable(out);
  assert.deepEqual(t.columns, ['id', 'question', 'text', 'cefr_level', 'rating']);
  assert.ok(t.rows.filter((x) => x.rating === x.cefr_level).length > 70);
  const lo = path.join(dir, 'len.csv');
  const lr = await lengthBaselineCsv(csv, csv, lo, { label: 'cefr_level', textColumn: 'text' });
  assert.equal(lr.cuts.length, 2);
  assert.ok(readTable(lo).rows.filter((x) => x.rating === x.cefr_level).length > 70);
  await assert.rejects(lengthBaselineCsv(csv, csv, lo, { label: 'nope', textColumn: 'text' }), /no column "nope"/);
});

test('the commands are registered with the options the issue lists', () => {
  const p = buildProgram();
  const names = p.commands.map((c) => c.name());
  for (const n of ['rate', 'agreement', 'awe', 'baseline']) assert.ok(names.includes(n), n);
  const rate = p.commands.find((c) => c.name() === 'rate')!;
  const flags = rate.options.map((o) => o.long);
  for (const f of ['--csv', '--model', '--base-url', '--rubric', '--calibration', '--calibration-from', '--rationale', '--concurrency', '--cache', '--text-column', '--prompt-column', '--output']) assert.ok(flags.includes(f), f);
  const ag = p.commands.find((c) => c.name() === 'agreement')!.options.map((o) => o.long);
  for (const f of ['--csv', '--human', '--machine', '--groups', '--json', '--output']) assert.ok(ag.includes(f), f);
  assert.deepEqual(p.commands.find((c) => c.name() === 'awe')!.commands.map((c) => c.name()), ['train', 'predict']);
  assert.deepEqual(p.commands.find((c) => c.name() === 'baseline')!.commands.map((c) => c.name()), ['length']);
});
