/**
 * What the scale commands accept: `scale vocab predict` refuses what is not a single a-z word (before any
 * model is loaded or trained), and `scale passage predict/eval` read the text and level columns named by
 * --text-column / --level-column, as classify, rate and awe do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { vocabWordProblem } from '../src/scale/vocab';
import { loadLevelledCsv } from '../src/scale/passage-data';
import { UserError } from '../src/runtime/errors';

const root = path.resolve(__dirname, '..');
const cli = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin', 'cefrlab.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, CEFRLAB_QUIET: '1' } });

test('vocabWordProblem: single words of a-z in any case pass; empty, numbers, compounds, spaces, apostrophes and accents do not', () => {
  for (const w of ['apple', 'Apple', 'CAT', 'knoce']) assert.equal(vocabWordProblem(w), null, w);
  assert.equal(vocabWordProblem(''), 'empty');
  assert.equal(vocabWordProblem('   '), 'empty');
  assert.match(vocabWordProblem('123')!, /a number/);
  assert.match(vocabWordProblem('ice-cream')!, /hyphenated compound.*\(ice, cream\)/);
  assert.match(vocabWordProblem('ice cream')!, /several words/);
  assert.match(vocabWordProblem("don't")!, /contains "'"/);
  assert.match(vocabWordProblem('café')!, /contains "é"/);
  assert.match(vocabWordProblem('b2b')!, /contains "2"/);
});

test('scale vocab predict refuses "", "123" and "ice-cream" with one clear message and exit 2', () => {
  const r = cli(['scale', 'vocab', 'predict', '', '123', 'ice-cream', 'apple']);
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /not a word the scale can rate: "" \(empty\); "123" \(a number, not a word\); "ice-cream" \(a hyphenated compound/);
  assert.match(r.stderr, /Fix: give single words/);
  assert.doesNotMatch(r.stderr, /training one now/, 'refused before any model is trained');
  assert.equal(r.stdout, '');
});

test('scale passage eval/predict: --text-column and --level-column', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-cols-'));
  const csv = path.join(dir, 'levelled.csv');
  fs.writeFileSync(csv, 'id,body,grade\nx1,"I like my cat. It is black.",A1\nx2,"The committee postponed its deliberations, citing unresolved procedural objections.",C1\nx3,"We went to the beach and swam all day.",A2\nx4,"Although the evidence was inconclusive, the report recommended further study.",B2\n');
  const texts = loadLevelledCsv(csv, { textColumn: 'body', levelColumn: 'grade', idColumn: 'id' });
  assert.deepEqual(texts.map((t) => [t.id, t.level]), [['x1', 'A1'], ['x2', 'C1'], ['x3', 'A2'], ['x4', 'B2']]);
  assert.throws(() => loadLevelledCsv(csv), (e: unknown) => e instanceof UserError && /no column "text".*--text-column/.test(e.message));
  assert.throws(() => loadLevelledCsv(csv, { textColumn: 'body' }), (e: unknown) => e instanceof UserError && /no column "cefr_level".*--level-column/.test(e.message));
  const bad = path.join(dir, 'bad.csv');
  fs.writeFileSync(bad, 'body,grade\nfine text here.,B1\n,A2\n');
  assert.throws(() => loadLevelledCsv(bad, { textColumn: 'body', levelColumn: 'grade' }), (e: unknown) => e instanceof UserError && /bad\.csv:3: the body column is empty/.test(e.message));
  // a small saved scale, then the commands with the column options
  const { trainPassageScale } = await import('../src/scale/passage');
  const { savePassageScale } = await import('../src/scale/store');
  const model = path.join(dir, 'model');
  await savePassageScale(trainPassageScale({ limit: 60, cefrPairs: 300, parallelPairs: 200, maxIter: 15, perLevel: 50 }), model);
  const missing = cli(['scale', 'passage', 'eval', '--csv', csv, '--model-dir', model]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no column "text"/);
  const ev = cli(['scale', 'passage', 'eval', '--csv', csv, '--text-column', 'body', '--level-column', 'grade', '--model-dir', model, '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.equal(JSON.parse(ev.stdout).n, 4);
  const out = path.join(dir, 'scored.csv');
  const pr = cli(['scale', 'passage', 'predict', '--csv', csv, '--text-column', 'body', '--model-dir', model, '-o', out]);
  assert.equal(pr.status, 0, pr.stderr);
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'id,body,grade,difficulty,level,rank_score');
  assert.equal(lines.length, 5);
  const noCol = cli(['scale', 'passage', 'predict', '--csv', csv, '--model-dir', model, '-o', path.join(dir, 'x.csv')]);
  assert.equal(noCol.status, 2);
  assert.match(noCol.stderr, /no column "text".*--text-column/);
});
