/**
 * Exact duplicate texts are found by content hash (white-space normalised) and never split across training
 * and test: in `prepare`, in the stratified fold splitter of `classify cv` and of the AWE study. The embedded
 * CEFR-ASAG table holds three such groups under different ids (checked here with csv-parse, independently).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { contentHash, findDuplicates } from '../src/corpus/duplicates';
import { stratifiedFolds } from '../src/model-selection/folds';
import { formatPrepareSummary, prepare } from '../src/corpus/prepare';
import { crossValidate } from '../src/classify/classifier';
import { readLabelledCsv } from '../src/classify/data';
import { Rng } from '../src/runtime/rng';

const root = path.resolve(__dirname, '..');
const ASAG = path.join(root, 'data', 'cefr-asag', 'cefr_asag.csv');
const ASAG4 = path.join(root, 'data', 'cefr-asag', 'cefr_asag_4col.csv');
const EXPECTED = [['asag-l0414', 'asag-l0415', 'asag-l0418'], ['asag-u0304', 'asag-u0315', 'asag-u0321'], ['asag-u0364', 'asag-u0404']];

test('the hash: white space runs and surrounding space do not count; case and punctuation do', () => {
  assert.equal(contentHash('I like  tea.\n\nYes'), contentHash('  I like tea. Yes\t'));
  assert.notEqual(contentHash('I like tea.'), contentHash('i like tea.'));
  assert.notEqual(contentHash('I like tea.'), contentHash('I like tea'));
  assert.match(contentHash('x'), /^[0-9a-f]{32}$/);
});

test('the embedded CEFR-ASAG table: exactly the three known groups of identical texts', () => {
  const rows: Array<Record<string, string>> = parse(fs.readFileSync(ASAG), { columns: true, bom: true });
  assert.equal(rows.length, 708);
  const d = findDuplicates(rows.map((r) => r.text));
  assert.deepEqual(d.groups.map((g) => g.map((i) => rows[i].writing_id)), EXPECTED);
  assert.deepEqual(d.groups[0].map((i) => rows[i].cefr_level), ['C1', 'C1', 'B2']);
  // the same texts are byte-identical copies once white space is normalised, and the others are all different
  for (const g of d.groups) assert.equal(new Set(g.map((i) => rows[i].text.trim().replace(/\s+/g, ' '))).size, 1);
  assert.equal(new Set(rows.map((r) => r.text.trim().replace(/\s+/g, ' '))).size, 708 - 5);
});

test('stratified folds with groups: a group never straddles two folds, folds stay stratified, and without groups nothing changes', () => {
  const rng = new Rng(3);
  for (let t = 0; t < 50; t++) {
    const n = 40 + Math.floor(rng.float() * 200);
    const labels = Array.from({ length: n }, () => Math.floor(rng.float() * 4));
    const groups = labels.map((_, i) => (rng.float() < 0.3 ? Math.floor(rng.float() * n) : n + i)); // ~30 % of items share keys
    const k = 2 + (t % 5);
    const fold = stratifiedFolds(labels, k, Rng.derive(t, 'folds'), groups);
    const foldOfGroup = new Map<number, number>();
    groups.forEach((g, i) => {
      if (foldOfGroup.has(g)) assert.equal(fold[i], foldOfGroup.get(g), `group ${g} split across folds`);
      foldOfGroup.set(g, fold[i]);
    });
    assert.ok(fold.every((f) => f >= 0 && f < k));
    const plain = stratifiedFolds(labels, k, Rng.derive(t, 'folds'));
    assert.deepEqual(stratifiedFolds(labels, k, Rng.derive(t, 'folds'), labels.map((_, i) => i)), plain);
    // plain stratified: each label's items spread over the folds within one item
    for (const l of [0, 1, 2, 3]) {
      const counts = Array.from({ length: k }, (_, f) => labels.filter((x, i) => x === l && plain[i] === f).length);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `label ${l}: ${counts}`);
    }
  }
});

test('classify cv: the copies of a text of the embedded table share a fold, for every seed; the groups are reported', async () => {
  const rows = readLabelledCsv(ASAG4);
  const d = findDuplicates(rows.map((r) => r.text));
  const index = new Map(['A1', 'A2', 'B1', 'B2', 'C1', 'C2'].map((l, i) => [l, i]));
  const y = rows.map((r) => index.get(r.level!)!);
  let straddledWithout = 0;
  for (let seed = 0; seed < 20; seed++) {
    const fold = stratifiedFolds(y, 5, Rng.derive(seed, 'folds'), d.groupOf);
    for (const g of d.groups) assert.equal(new Set(g.map((i) => fold[i])).size, 1, `seed ${seed}`);
    const plain = stratifiedFolds(y, 5, Rng.derive(seed, 'folds'));
    straddledWithout += d.groups.filter((g) => new Set(g.map((i) => plain[i])).size > 1).length;
  }
  assert.ok(straddledWithout > 0, 'without groups the copies do land in different folds');
  // the cross-validation itself (a cheap encoder on a small subset with the duplicates in it)
  const ids = new Set(EXPECTED.flat());
  const subset = rows.filter((r, i) => ids.has(r.id) || i % 6 === 0);
  const r = await crossValidate(subset, 3, { encoder: 'features', head: 'logistic', seed: 0, showProgress: false, cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'dup-cv-')) }, { resamples: 10 });
  assert.deepEqual(r.duplicates, EXPECTED);
});

test('prepare keeps each group of identical texts in one split, lists the groups in the manifest and prints them', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dup-prep-'));
  for (const seed of [0, 1, 2, 3, 4, 5]) {
    const out = path.join(dir, `s${seed}`);
    const r = await prepare({ csv: ASAG4, out, seed, split: '60,20,20', showProgress: false });
    const splitOf = new Map<string, string>();
    for (const s of ['train', 'valid', 'test']) {
      for (const line of fs.readFileSync(path.join(out, `${s}.labels.tsv`), 'utf8').trim().split('\n').slice(1)) splitOf.set(line.split('\t')[0], s);
    }
    assert.equal(splitOf.size, 708);
    for (const g of EXPECTED) assert.equal(new Set(g.map((id) => splitOf.get(id))).size, 1, `seed ${seed}: ${g.join(',')} straddles splits`);
    const m = r.manifest.duplicates;
    assert.equal(m.groups, 3);
    assert.equal(m.documents, 8);
    assert.equal(m.levelsDiffer, 1);
    assert.deepEqual(m.list.map((g) => g.writingIds), EXPECTED);
    assert.deepEqual(m.list[0].levels, ['C1', 'C1', 'B2']);
    assert.deepEqual(m.list.map((g) => g.split), EXPECTED.map((g) => splitOf.get(g[0])));
    const summary = formatPrepareSummary(r);
    assert.match(summary, /duplicates: 3 groups of identical texts \(8 documents, 1 with different levels\)/);
    assert.match(summary, /asag-l0414 = asag-l0415 = asag-l0418 \(C1, C1, B2\) in (train|valid|test)/);
  }
});

test('the notebooks\' other splits: the classification hold-out and the rating calibration split keep copies apart from their text', async () => {
  const { holdoutRows } = await import('../src/notebooks/06-cefr-classification');
  const rows = readLabelledCsv(ASAG4);
  for (const seed of [0, 1, 2, 3, 4, 5, 6, 7]) {
    const { train, test: held } = holdoutRows(rows, 0.2, seed);
    assert.equal(train.length + held.length, rows.length);
    const side = new Map([...train.map((r) => [r.id, 'train'] as const), ...held.map((r) => [r.id, 'test'] as const)]);
    for (const g of EXPECTED) assert.equal(new Set(g.map((id) => side.get(id))).size, 1, `seed ${seed}: ${g.join(',')}`);
  }
  // calibration examples come from unanimously rated texts; a text with a copy is never one (its copy would be
  // rated with its own rating shown). The embedded copies are not unanimous, so a small table with one that is:
  const { calibrationSplit } = await import('../src/notebooks/09-llm-rating');
  const humans = ['examiner1', 'examiner2', 'examiner3'];
  const row = (id: string, text: string, l: string) => ({ writing_id: id, text, question: 'q', cefr_level: l, examiner1: l, examiner2: l, examiner3: l });
  const rowsT = [row('a', 'My day is nice.', 'A2'), row('b', 'My  day is nice.', 'A2'), row('c', 'I like tea.', 'A1'), row('d', 'Tea is good for you.', 'A2'), row('e', 'Although it rained, we went.', 'B1'), row('f', 'We stayed home.', 'B1')];
  const set = { name: 'toy', rows: rowsT, textColumn: 'text', promptColumn: 'question', label: 'cefr_level', humans, groups: [] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dup-cal-'));
  const split = calibrationSplit(set, dir, 50, 0);
  const cal: Array<Record<string, string>> = parse(fs.readFileSync(split.calibrationCsv), { columns: true });
  assert.deepEqual(cal.map((r) => r.writing_id).sort(), ['c', 'd', 'e', 'f']);
  const toRate: Array<Record<string, string>> = parse(fs.readFileSync(split.rateCsv), { columns: true });
  assert.deepEqual(toRate.map((r) => r.writing_id), ['a', 'b']);
});
