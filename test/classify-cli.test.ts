/**
 * `cefrlab classify` end to end on real learner answers (the embedded CEFR-ASAG corpus): train twice with the
 * same seed and get the same bytes, evaluate (report names, intervals, a level the model never saw counted
 * apart), predict, cross-validate, draw a curve; and every kind of bad input gives a clear error naming the
 * file, the line and the fix.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../src/cli/main';
import { readLabelledCsv } from '../src/classify/data';
import { parseEncoderSpec, createEncoder } from '../src/classify/spec';
import { encodeCached, clearCacheMemory } from '../src/classify/cache';
import { spellingCorrection } from '../src/classify/corrections';
import { FEATURE_NAMES, textFeatures } from '../src/features/text-features';
import { writeRandomBert } from '../src/model/bert-random';

const ASAG = path.join(__dirname, '..', 'data', 'cefr-asag', 'cefr_asag_4col.csv');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'classify-cli-'));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  // Only strings are captured: under `node --test` the runner sends its own (binary) reports over stdout.
  process.stdout.write = ((c: string | Uint8Array, ...rest: unknown[]) => (typeof c === 'string' ? (out.push(c), true) : (w1 as (...a: unknown[]) => boolean)(c, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array, ...rest: unknown[]) => (typeof c === 'string' ? (err.push(c), true) : (w2 as (...a: unknown[]) => boolean)(c, ...rest))) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
function writeCsv(file: string, header: string[], rows: string[][]): string {
  fs.writeFileSync(file, [header.join(','), ...rows.map((r) => r.map(q).join(','))].join('\n') + '\n');
  return file;
}

const all = readLabelledCsv(ASAG);
// 25 answers at each of A2, B1, B2 for training; the test set adds 6 C1 answers the model never sees.
const pick = (level: string, from: number, n: number) => all.filter((r) => r.level === level).slice(from, from + n);
const trainRows = [...pick('A2', 0, 25), ...pick('B1', 0, 25), ...pick('B2', 0, 25)];
const testRows = [...pick('A2', 25, 10), ...pick('B1', 25, 10), ...pick('B2', 25, 10), ...pick('C1', 0, 6)];
const header = ['writing_id', 'l1', 'cefr_level', 'text'];
const asCsv = (rows: typeof all) => rows.map((r) => [r.id, 'x', r.level!, r.text]);
let trainCsv = '';
let testCsv = '';

before(() => {
  process.env.CEFRLAB_QUIET = '1';
  process.env.CEFRLAB_EMBED_CACHE = path.join(dir, 'cache');
  trainCsv = writeCsv(path.join(dir, 'train.csv'), header, asCsv(trainRows));
  testCsv = writeCsv(path.join(dir, 'test.csv'), header, asCsv(testRows));
});

test('train twice with the same seed: identical model bytes; eval reports every metric with ci90 and counts unseen levels', async () => {
  const args = (out: string) => ['classify', 'train', '--csv', trainCsv, '--out', out, '--head', 'logistic', '--seed', '3'];
  assert.equal((await run(args(path.join(dir, 'm1')))).code, 0);
  clearCacheMemory();
  fs.rmSync(path.join(dir, 'cache'), { recursive: true, force: true }); // the second run encodes afresh
  assert.equal((await run(args(path.join(dir, 'm2')))).code, 0);
  for (const f of ['weights.bin', 'manifest.json']) assert.ok(fs.readFileSync(path.join(dir, 'm1', f)).equals(fs.readFileSync(path.join(dir, 'm2', f))), f);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'm1', 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.labels, ['A2', 'B1', 'B2']);
  assert.equal(manifest.standardizer.mean.length, FEATURE_NAMES.length);
  assert.equal(manifest.training.devRows, 15); // 20 % of 25 per level
  const ev = await run(['classify', 'eval', path.join(dir, 'm1'), '--csv', testCsv, '--json', '--resamples', '200']);
  assert.equal(ev.code, 0, ev.err);
  const r = JSON.parse(ev.out);
  for (const m of ['accuracy', 'weightedAccuracy', 'balancedAccuracy', 'macroF1', 'qwk', 'adjacentAccuracy']) {
    assert.ok(r[m].value >= -1 && r[m].value <= 1, m);
    assert.ok(r[m].ci90[0] <= r[m].value + 1e-12 && r[m].value <= r[m].ci90[1] + 1e-12, m);
  }
  assert.equal(r.n, 30);
  assert.deepEqual(r.unseen.levels, { C1: 6 });
  assert.equal(r.unseen.count, 6);
  assert.equal(r.perLevel.length, 3);
  assert.equal(r.confusion.flat().reduce((a: number, b: number) => a + b, 0), 30);
  // features of real answers separate A2 from B2 well above chance (1/3)
  assert.ok(r.accuracy.value > 0.45, `accuracy ${r.accuracy.value}`);
  const table = await run(['classify', 'eval', path.join(dir, 'm1'), '--csv', testCsv, '--resamples', '50']);
  assert.match(table.out, /6 row\(s\) at levels the model never saw in training \(C1 6\)/);
});

test('predict writes one row per text with a level and probabilities summing to 1, equal for a saved and reloaded model', async () => {
  const out = path.join(dir, 'pred.csv');
  const r = await run(['classify', 'predict', path.join(dir, 'm1'), '--csv', testCsv, '-o', out]);
  assert.equal(r.code, 0, r.err);
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'writing_id,level,p_A2,p_B1,p_B2');
  assert.equal(lines.length, 1 + testRows.length);
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    assert.ok(['A2', 'B1', 'B2'].includes(f[1]));
    assert.ok(Math.abs(f.slice(2).map(Number).reduce((a, b) => a + b, 0) - 1) < 1e-4);
  }
  const out2 = path.join(dir, 'pred2.csv');
  await run(['classify', 'predict', path.join(dir, 'm2'), '--csv', testCsv, '-o', out2]);
  assert.equal(fs.readFileSync(out, 'utf8'), fs.readFileSync(out2, 'utf8'));
});

test('cv and curve run from the command line with the documented JSON names', async () => {
  const cv = await run(['classify', 'cv', '--csv', trainCsv, '--folds', '3', '--head', 'ordinal', '--json', '--resamples', '100']);
  assert.equal(cv.code, 0, cv.err);
  const r = JSON.parse(cv.out);
  assert.equal(r.n, 75);
  assert.equal(r.foldAccuracy.length, 3);
  assert.ok(Math.abs(r.accuracyMean - r.foldAccuracy.reduce((a: number, b: number) => a + b, 0) / 3) < 1e-12);
  const curve = await run(['classify', 'curve', '--csv', trainCsv, '--test', testCsv, '--sizes', '30,60', '--seeds', '2', '--head', 'logistic', '--json']);
  assert.equal(curve.code, 0, curve.err);
  const c = JSON.parse(curve.out);
  assert.deepEqual(c.points.map((p: { size: number }) => p.size), [30, 60]);
  for (const p of c.points) {
    assert.equal(p.metrics.accuracy.values.length, 2);
    assert.ok(p.metrics.accuracy.sd >= 0);
    assert.equal(p.unseenTestRows, 6);
  }
});

test('bad input: missing level column, unknown level, empty text, missing corrections, unknown encoder', async () => {
  const noLevel = writeCsv(path.join(dir, 'nolevel.csv'), ['writing_id', 'text'], [['a', 'I like cats.'], ['b', 'Dogs are nice.']]);
  let r = await run(['classify', 'train', '--csv', noLevel, '--out', path.join(dir, 'x')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /nolevel\.csv:1: no level column "cefr_level" \(its columns are: writing_id, text\)\. Fix: name the level column with --level-column/);

  const badLevel = writeCsv(path.join(dir, 'badlevel.csv'), header, [['a', 'x', 'A2', 'I like cats.'], ['b', 'x', 'B3', 'Dogs\nare nice.'], ['c', 'x', 'B1', 'ok']]);
  r = await run(['classify', 'train', '--csv', badLevel, '--out', path.join(dir, 'x')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /badlevel\.csv:3: "B3" in column cefr_level is not a CEFR level\. Fix: use one of A1, A2, B1, B2, C1, C2/);

  const empty = writeCsv(path.join(dir, 'empty.csv'), header, [['a', 'x', 'A2', 'I like cats.'], ['b', 'x', 'B1', '  ']]);
  r = await run(['classify', 'eval', path.join(dir, 'm1'), '--csv', empty]);
  assert.equal(r.code, 2);
  assert.match(r.err, /empty\.csv:3: the text is empty\. Fix: remove the row or fill in its text/);

  r = await run(['classify', 'train', '--csv', trainCsv, '--out', path.join(dir, 'x'), '--input', 'concat']);
  assert.equal(r.code, 2);
  assert.match(r.err, /no corrections were given\. Fix: add --correction-column NAME .* or --corrections spelling/);

  r = await run(['classify', 'train', '--csv', trainCsv, '--out', path.join(dir, 'x'), '--correction-column', 'corrected']);
  assert.match(r.err, /train\.csv:1: no correction column "corrected"/);

  r = await run(['classify', 'train', '--csv', trainCsv, '--out', path.join(dir, 'x'), '--encoder', 'deberta:/x']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown encoder "deberta:\/x"/);
  r = await run(['classify', 'eval', path.join(dir, 'nothing-here'), '--csv', testCsv]);
  assert.match(r.err, /no manifest\.json/);
  assert.ok(!fs.existsSync(path.join(dir, 'x')), 'no model directory is left behind by a failed run');
});

test('a BERT directory without vocab.txt is refused, naming the file and the fix', async () => {
  const bert = path.join(dir, 'bert');
  writeRandomBert(bert, { config: { vocab_size: 0, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, hidden_act: 'gelu', max_position_embeddings: 64, type_vocab_size: 2, layer_norm_eps: 1e-12 } });
  fs.rmSync(path.join(bert, 'vocab.txt'));
  const r = await run(['classify', 'train', '--csv', trainCsv, '--out', path.join(dir, 'x'), '--encoder', `bert:${bert}`]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /no vocab\.txt\. Fix: copy vocab\.txt/);
});

test('encoder specs parse, combine by concatenation, and the cache serves the second pass', async () => {
  assert.deepEqual(parseEncoderSpec('features+perplexity:a, b ,c+ilm:data/models/base'), [
    { kind: 'features' },
    { kind: 'perplexity', dirs: ['a', 'b', 'c'] },
    { kind: 'ilm', dir: 'data/models/base' },
  ]);
  assert.deepEqual(parseEncoderSpec('features:rates'), [{ kind: 'features', set: 'rates' }]);
  assert.throws(() => parseEncoderSpec('features:other'), /unknown encoder "features:other"/);
  assert.throws(() => parseEncoderSpec('bert:'), /needs a directory/);
  assert.throws(() => parseEncoderSpec('perplexity:,'), /one or more experiment directories/);
  const both = await createEncoder('features+features');
  assert.equal(both.dim, 2 * FEATURE_NAMES.length);
  const [v] = await both.encode(['I like my school.']);
  const f = textFeatures('I like my school.');
  for (let i = 0; i < f.length; i++) {
    assert.equal(v[i], Math.fround(f[i]));
    assert.equal(v[i + f.length], Math.fround(f[i]));
  }
  const rates = await createEncoder('features:rates');
  assert.equal(rates.dim, FEATURE_NAMES.length - 3);
  assert.deepEqual(Array.from((await rates.encode(['I like my school.']))[0]), Array.from(v.slice(3, f.length)));
  assert.notEqual(rates.id, (await createEncoder('features')).id);
  const cacheDir = path.join(dir, 'cache2');
  const texts = trainRows.slice(0, 10).map((r) => r.text);
  const enc = await createEncoder('features');
  const a = await encodeCached(enc, [...texts, texts[0]], { cacheDir });
  assert.equal(a.encoded, 10); // the repeated text is encoded once
  clearCacheMemory();
  const b = await encodeCached(enc, texts, { cacheDir });
  assert.equal(b.encoded, 0);
  assert.deepEqual(b.vectors, a.vectors.slice(0, 10));
  // an interrupted append (half a record) is cut off, not misread
  const file = path.join(cacheDir, `${enc.id}.bin`);
  fs.appendFileSync(file, Buffer.alloc(7));
  clearCacheMemory();
  const c = await encodeCached(enc, texts, { cacheDir });
  assert.equal(c.encoded, 0);
  assert.equal(fs.statSync(file).size, 10 * (32 + 4 * FEATURE_NAMES.length));
});

test('automatic spelling corrections fix one-edit misspellings of real answers and keep the rest', () => {
  assert.equal(spellingCorrection('I have a big borther. He is twenty three.'), 'I have a big brother. He is twenty three.');
  assert.equal(spellingCorrection('Everday I watch TV'), 'Everyday I watch TV');
  assert.equal(spellingCorrection('xqzzyqx stays'), 'xqzzyqx stays');
});
