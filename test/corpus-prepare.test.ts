/**
 * `prepare` on the real embedded learner corpus (CEFR-ASAG, 708 answers). The expected values come from
 * reading the same CSV with csv-parse, an independent parser: stratification (every level x L1 stratum
 * within one document of 80/10/10), determinism (same seed, same bytes), sampling proportions, the
 * three-newline normalisation and the alignment of texts with their labels.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { defaultLearnerCsv, formatPrepareSummary, prepare, splitLevelTable, type PrepareOptions } from '../src/corpus/prepare';
import { UserError } from '../src/runtime/errors';

const CSV = defaultLearnerCsv();
const SPLITS = ['train', 'valid', 'test'] as const;
type Row = { writing_id: string; l1: string; cefr_level: string; text: string };
const rows: Row[] = parse(fs.readFileSync(CSV), { columns: true });
const byId = new Map(rows.map((r) => [r.writing_id, r]));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-prep-'));
process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));

let runs = 0;
async function run(options: Partial<PrepareOptions> = {}) {
  const out = path.join(root, `run${runs++}`);
  const result = await prepare({ csv: CSV, out, showProgress: false, ...options });
  const splits = Object.fromEntries(
    SPLITS.map((s) => {
      const text = fs.readFileSync(path.join(out, `${s}.txt`), 'utf8');
      const docs = text === '' ? [] : text.split('\n\n\n');
      const labels = fs.readFileSync(path.join(out, `${s}.labels.tsv`), 'utf8').split('\n').slice(1, -1).map((l) => l.split('\t'));
      return [s, { docs, labels }];
    }),
  ) as Record<(typeof SPLITS)[number], { docs: string[]; labels: string[][] }>;
  return { out, result, splits };
}

/** The text as the split files must hold it: LF line ends, trimmed, runs of 3+ newlines cut to two. */
const expectedText = (t: string) => t.replace(/\r\n?/g, '\n').trim().replace(/\n{3,}/g, '\n\n');
const strataOf = (rs: Row[]) => {
  const m = new Map<string, number>();
  for (const r of rs) m.set(`${r.cefr_level}|${r.l1}`, (m.get(`${r.cefr_level}|${r.l1}`) ?? 0) + 1);
  return m;
};

test('all levels: every document once, with its own labels and text', async () => {
  const { splits, result } = await run();
  const seen: string[] = [];
  for (const s of SPLITS) {
    const { docs, labels } = splits[s];
    assert.equal(docs.length, labels.length, s);
    assert.equal(result.manifest.splits[s].documents, docs.length);
    docs.forEach((doc, i) => {
      const [id, level, l1] = labels[i];
      const row = byId.get(id)!;
      assert.ok(row, id);
      assert.equal(level, row.cefr_level);
      assert.equal(l1, row.l1);
      assert.equal(doc, expectedText(row.text), id);
      seen.push(id);
    });
  }
  assert.equal(seen.length, 708);
  assert.equal(new Set(seen).size, 708);
  assert.equal(result.manifest.input.sha256, createHash('sha256').update(fs.readFileSync(CSV)).digest('hex'));
  assert.equal(result.manifest.input.rows, 708);
});

test('three or more newlines inside a text are normalised and counted', async () => {
  const { splits, result } = await run();
  const withRuns = rows.filter((r) => /\n\n\n/.test(r.text)).length;
  assert.ok(withRuns > 0, 'the embedded corpus has such texts');
  assert.equal(result.manifest.normalised.newlineRuns, withRuns);
  for (const s of SPLITS) for (const doc of splits[s].docs) assert.ok(!doc.includes('\n\n\n') && doc === doc.trim());
});

test('stratified: every level x L1 stratum is within one document of 80/10/10', async () => {
  const { splits, result } = await run();
  const perSplit = SPLITS.map((s) => strataOf(splits[s].labels.map(([id]) => byId.get(id)!)));
  for (const [key, n] of strataOf(rows)) {
    [0.8, 0.1, 0.1].forEach((p, k) => {
      const got = perSplit[k].get(key) ?? 0;
      assert.ok(Math.abs(got - n * p) < 1, `${key}: ${SPLITS[k]} has ${got} of ${n}`);
    });
  }
  // The manifest's split x level x L1 table agrees with the files.
  for (const s of SPLITS) {
    const fromFiles = strataOf(splits[s].labels.map(([id]) => byId.get(id)!));
    for (const [level, l1s] of Object.entries(result.manifest.splits[s].byLevelL1)) for (const [l1, c] of Object.entries(l1s)) assert.equal(fromFiles.get(`${level}|${l1}`), c);
  }
  // Output order is shuffled, not grouped by level.
  const levels = splits.train.labels.map((l) => l[1]);
  const changes = levels.filter((l, i) => i > 0 && l !== levels[i - 1]).length;
  assert.ok(changes > levels.length / 3, `train order changes level ${changes} times`);
});

test('deterministic: same input, options and seed give the same bytes; another seed differs', async () => {
  const a = await run({ seed: 7 });
  const b = await run({ seed: 7 });
  const c = await run({ seed: 8 });
  const files = fs.readdirSync(a.out).sort();
  assert.deepEqual(files, ['manifest.json', 'test.labels.tsv', 'test.txt', 'train.labels.tsv', 'train.txt', 'valid.labels.tsv', 'valid.txt']);
  for (const f of files) assert.deepEqual(fs.readFileSync(path.join(a.out, f)), fs.readFileSync(path.join(b.out, f)), f);
  assert.notDeepEqual(fs.readFileSync(path.join(a.out, 'train.txt')), fs.readFileSync(path.join(c.out, 'train.txt')));
  assert.equal(a.result.manifest.splits.train.sha256, createHash('sha256').update(fs.readFileSync(path.join(a.out, 'train.txt'))).digest('hex'));
});

test('sample of 100 keeps the level x L1 proportions of the input', async () => {
  const { splits, result } = await run({ sampleSize: 100 });
  const ids = SPLITS.flatMap((s) => splits[s].labels.map((l) => l[0]));
  assert.equal(ids.length, 100);
  assert.equal(new Set(ids).size, 100);
  const sample = strataOf(ids.map((id) => byId.get(id)!));
  for (const [key, n] of strataOf(rows)) {
    const got = sample.get(key) ?? 0;
    assert.ok(Math.abs(got - (100 * n) / 708) < 1, `${key}: ${got} of ${n}`);
  }
  assert.equal(result.manifest.notSampled, 608);
  // Different seeds draw different documents with the same stratum counts.
  const other = await run({ sampleSize: 100, seed: 1 });
  const otherIds = SPLITS.flatMap((s) => other.splits[s].labels.map((l) => l[0]));
  assert.notDeepEqual(new Set(otherIds), new Set(ids));
  assert.deepEqual(strataOf(otherIds.map((id) => byId.get(id)!)), sample);
});

test('one level: only B1 documents, the others counted as filtered out', async () => {
  const { splits, result } = await run({ cefrLevel: 'b1' });
  const b1 = rows.filter((r) => r.cefr_level === 'B1').length;
  const labels = SPLITS.flatMap((s) => splits[s].labels);
  assert.equal(labels.length, b1);
  assert.ok(labels.every((l) => l[1] === 'B1'));
  assert.equal(result.manifest.filteredOut, 708 - b1);
  assert.equal(result.manifest.options.cefrLevel, 'B1');
  const table = splitLevelTable(result.manifest);
  assert.equal(table[3].B1, b1);
  assert.equal(table[3].A2, 0);
});

test('balanced sample: equal counts per level, a short level gives all it has', async () => {
  const { splits, result } = await run({ sampleSize: 60, balance: true });
  const counts = new Map<string, number>();
  for (const s of SPLITS) for (const l of splits[s].labels) counts.set(l[1], (counts.get(l[1]) ?? 0) + 1);
  const c2 = rows.filter((r) => r.cefr_level === 'C2').length; // 5 < 10
  assert.deepEqual(Object.fromEntries(counts), { A1: 10, A2: 10, B1: 10, B2: 10, C1: 10, C2: c2 });
  assert.equal(result.manifest.notes.length, 1);
  assert.match(result.manifest.notes[0], /C2 has only 5/);
});

test('custom split proportions, and bad options are UserErrors', async () => {
  const { result } = await run({ split: '50,25,25' });
  assert.deepEqual(result.manifest.options.split, [50, 25, 25]);
  const t = splitLevelTable(result.manifest);
  assert.ok(Math.abs(Number(t[0].total) - 354) <= 20 && Math.abs(Number(t[1].total) - 177) <= 20);
  await assert.rejects(run({ split: '80,20' }), UserError);
  await assert.rejects(run({ sampleSize: 5000 }), /larger than the 708 usable documents/);
  await assert.rejects(run({ cefrLevel: 'B3' }), /not a CEFR level/);
  const summary = formatPrepareSummary(result);
  assert.match(summary, /prepared 708 documents/);
  assert.match(summary, /characters per document: mean \d/);
});
