/**
 * Across corpora from the command line, on real texts (CEFR-ASAG answers and CEFR-SP sentences): training on
 * two CSVs keeps both corpora and their cut points in the model; `cv --group-column corpus` predicts every text
 * with a model that never saw its corpus; `--calibrate-with` refits the cut points (none given back unchanged
 * with k = 0, a shifted corpus read better), and refuses to score texts that calibrated the model.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../src/cli/main';
import { readLabelledCsv } from '../src/classify/data';
import { leaveOneGroupOut } from '../src/model-selection/folds';

const ROOT = path.join(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'classify-xcorpus-'));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
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

const asag = readLabelledCsv(path.join(ROOT, 'data', 'cefr-asag', 'cefr_asag_4col.csv'));
const sp = readLabelledCsv(path.join(ROOT, 'data', 'cefr-sp', 'cefr_sp_public.csv'), { textColumn: 'sentence', levelColumn: 'cefr_max', idColumn: 'id' });
// 40 answers per level A2-C1, and 40 sentences per level A2-C1 for training, 40 others per level for calibration and test
const pick = (rows: typeof asag, level: string, from: number, n: number) => rows.filter((r) => r.level === level).slice(from, from + n);
const LEVELS = ['A2', 'B1', 'B2', 'C1'];
const asagRows = LEVELS.flatMap((l) => pick(asag, l, 0, 40));
const spTrain = LEVELS.flatMap((l) => pick(sp, l, 0, 40));
const spCal = LEVELS.flatMap((l) => pick(sp, l, 40, 40));
const spTest = LEVELS.flatMap((l) => pick(sp, l, 80, 40));
const header = ['writing_id', 'cefr_level', 'text'];
const asCsv = (rows: typeof asag) => rows.map((r) => [r.id, r.level!, r.text]);
// a corpus rated one level higher than CEFR-ASAG: other answers at A2, B1, B2 labelled B1, B2, C1
const UP: Record<string, string> = { A2: 'B1', B1: 'B2', B2: 'C1', C1: 'C2' };
const shifted = (rows: typeof asag) => rows.map((r) => [r.id, UP[r.level!], r.text]);
const upCal = ['A2', 'B1', 'B2'].flatMap((l) => pick(asag, l, 40, 30));
const upTest = ['A2', 'B1', 'B2'].flatMap((l) => pick(asag, l, 70, 40));
const files = { asag: '', sp: '', both: '', spCal: '', spTest: '', asagUp: '', upCal: '', upTest: '' };

before(() => {
  process.env.CEFRLAB_QUIET = '1';
  process.env.CEFRLAB_EMBED_CACHE = path.join(dir, 'cache');
  files.asag = writeCsv(path.join(dir, 'asag.csv'), header, asCsv(asagRows));
  files.sp = writeCsv(path.join(dir, 'sp.csv'), header, asCsv(spTrain));
  files.spCal = writeCsv(path.join(dir, 'sp-cal.csv'), header, asCsv(spCal));
  files.spTest = writeCsv(path.join(dir, 'sp-test.csv'), header, asCsv(spTest));
  files.asagUp = writeCsv(path.join(dir, 'asag-up.csv'), header, shifted(asagRows));
  files.upCal = writeCsv(path.join(dir, 'up-cal.csv'), header, shifted(upCal));
  files.upTest = writeCsv(path.join(dir, 'up-test.csv'), header, shifted(upTest));
  files.both = writeCsv(path.join(dir, 'both.csv'), [...header, 'corpus'], [...asCsv(asagRows).map((r) => [...r, 'ASAG']), ...asCsv(spTrain).map((r) => [...r, 'SP'])]);
});

test('leaveOneGroupOut: one split per group, the group is the test side and never in the training side', () => {
  const g = ['a', 'b', 'a', 'c', 'b'];
  assert.deepEqual(leaveOneGroupOut(g), [
    { group: 'a', train: [1, 3, 4], test: [0, 2] },
    { group: 'b', train: [0, 2, 3], test: [1, 4] },
    { group: 'c', train: [0, 1, 2, 4], test: [3] },
  ]);
});

test('train on two CSVs with the ordinal head: both corpora and their cut points are in the model; --corpus reads with one of them', async () => {
  const out = path.join(dir, 'two');
  const r = await run(['classify', 'train', '--csv', files.asag, '--csv', files.sp, '--encoder', 'features:transfer', '--head', 'ordinal', '--out', out]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /corpora \(\(file name\)\): asag 160, sp 160; one shared direction, cut points per corpus/);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual(m.corpora.names, ['asag', 'sp']);
  assert.deepEqual(m.corpora.rows, { asag: 160, sp: 160 });
  for (const name of ['asag', 'sp']) {
    const cuts: number[] = m.corpora.cuts[name];
    assert.equal(cuts.length, 3);
    assert.ok(cuts.every((c, j) => j === 0 || c > cuts[j - 1]), `${name} cut points increase: ${cuts}`);
  }
  const withSp = await run(['classify', 'eval', out, '--csv', files.spTest, '--corpus', 'sp', '--json', '--resamples', '50']);
  assert.equal(withSp.code, 0, withSp.err);
  const spReport = JSON.parse(withSp.out);
  assert.equal(spReport.n, 160);
  assert.match(spReport.cutPoints, /training corpus sp/);
  // known answer: the same answers rated one level higher by a second corpus share the direction, and that
  // corpus's cut points are the first one's moved up one level (its boundary j+1 where the first has j)
  const up = path.join(dir, 'up');
  const u = await run(['classify', 'train', '--csv', files.asag, '--csv', files.asagUp, '--encoder', 'features:transfer', '--head', 'ordinal', '--out', up]);
  assert.equal(u.code, 0, u.err);
  const mu = JSON.parse(fs.readFileSync(path.join(up, 'manifest.json'), 'utf8'));
  assert.deepEqual(mu.labels, ['A2', 'B1', 'B2', 'C1', 'C2']);
  for (let j = 0; j < 3; j++) {
    const a = mu.corpora.cuts.asag[j];
    const b = mu.corpora.cuts['asag-up'][j + 1];
    assert.ok(Math.abs(a - b) < 0.3, `boundary ${j} of asag ${a.toFixed(3)} vs ${j + 1} of asag-up ${b.toFixed(3)}`);
  }
  const readUp = async (corpus: string) => JSON.parse((await run(['classify', 'eval', up, '--csv', files.asagUp, '--corpus', corpus, '--json', '--resamples', '20'])).out);
  const right = await readUp('asag-up');
  const wrong = await readUp('asag');
  assert.ok(right.accuracy.value > wrong.accuracy.value + 0.2, `asag-up read with its own cut points ${right.accuracy.value} vs asag's ${wrong.accuracy.value}`);
  const bad = await run(['classify', 'eval', out, '--csv', files.spTest, '--corpus', 'efcamdat']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--corpus efcamdat: the model was trained on asag, sp\. Fix:/);
});

test('cv --group-column corpus: each corpus is predicted by a model trained on the other only', async () => {
  for (const args of [['--csv', files.both], ['--csv', files.asag, '--csv', files.sp]]) {
    const r = await run(['classify', 'cv', ...args, '--group-column', 'corpus', '--encoder', 'features:transfer', '--head', 'ordinal', '--json', '--resamples', '50']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.n, 320);
    assert.equal(j.groups.length, 2);
    for (const g of j.groups) {
      assert.equal(g.trainRows, 160, `${g.group}: trained on the other corpus only`);
      assert.equal(g.testRows, 160);
      assert.equal(g.report.n, 160);
    }
  }
  const cal = await run(['classify', 'cv', '--csv', files.both, '--group-column', 'corpus', '--encoder', 'features:transfer', '--head', 'ordinal', '--calibrate-k', '5', '--json', '--resamples', '50']);
  assert.equal(cal.code, 0, cal.err);
  const c = JSON.parse(cal.out);
  for (const g of c.groups) {
    assert.equal(g.calibrationTexts, 20, `${g.group}: 5 per level calibrate`);
    assert.equal(g.testRows, 140, `${g.group}: and are left out of the metrics`);
  }
  const noGroup = await run(['classify', 'cv', '--csv', files.asag, '--csv', files.sp]);
  assert.equal(noGroup.code, 2);
  assert.match(noGroup.err, /2 CSVs were given to cv\. Fix: add --group-column corpus/);
  const logistic = await run(['classify', 'cv', '--csv', files.both, '--group-column', 'corpus', '--head', 'logistic', '--calibrate-k', '5']);
  assert.equal(logistic.code, 2);
  assert.match(logistic.err, /only the ordinal head has/);
});

test('--calibrate-with: k = 0 keeps the cut points, calibration on the new corpus reads it better, overlap refused', async () => {
  const out = path.join(dir, 'asag-only');
  assert.equal((await run(['classify', 'train', '--csv', files.asag, '--encoder', 'features:transfer', '--head', 'ordinal', '--out', out])).code, 0);
  const ev = async (...extra: string[]) => {
    const r = await run(['classify', 'eval', out, '--csv', files.spTest, '--json', '--resamples', '50', ...extra]);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out);
  };
  const zero = await ev();
  const k0 = await ev('--calibrate-with', files.spCal, '--calibrate-k', '0');
  assert.deepEqual(k0.confusion, zero.confusion);
  assert.match(k0.cutPoints, /calibrated on 0 texts/);
  const all = await ev('--calibrate-with', files.spCal);
  assert.match(all.cutPoints, /calibrated on 160 texts .*\(A2 40, B1 40, B2 40, C1 40\)/);
  // known answer: a corpus rated one level higher than the training one; calibration moves the cut points down
  // the line (each level starts lower), and the shifted test texts are read far better than zero-shot
  const evUp = async (...extra: string[]) => {
    const r = await run(['classify', 'eval', out, '--csv', files.upTest, '--json', '--resamples', '20', ...extra]);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out);
  };
  const upZero = await evUp();
  const upCalibrated = await evUp('--calibrate-with', files.upCal);
  const [before, after] = (upCalibrated.cutPoints as string).split(': ').pop()!.split(' -> ').map((v: string) => v.split(' ').map(Number));
  assert.ok(after[1] < before[1] && after[2] < before[2], `B1|B2 and B2|C1 boundaries move down: ${before} -> ${after}`);
  assert.ok(upCalibrated.accuracy.value > upZero.accuracy.value + 0.1, `calibrated ${upCalibrated.accuracy.value} vs zero-shot ${upZero.accuracy.value}`);
  const overlap = await run(['classify', 'eval', out, '--csv', files.spTest, '--calibrate-with', files.spTest]);
  assert.equal(overlap.code, 2);
  assert.match(overlap.err, /sp-test\.csv: 160 of its 160 texts are also in the calibration file .*sp-test\.csv \(first at line 2\).*Fix: remove those texts/);
  const logistic = path.join(dir, 'logistic');
  assert.equal((await run(['classify', 'train', '--csv', files.asag, '--head', 'logistic', '--out', logistic])).code, 0);
  const notOrdinal = await run(['classify', 'eval', logistic, '--csv', files.spTest, '--calibrate-with', files.spCal]);
  assert.equal(notOrdinal.code, 2);
  assert.match(notOrdinal.err, /cut points belong to the ordinal head\. Fix: train with --head ordinal/);
});

test('features:transfer: 21 named rates; the vector taken from the full features equals the encoder output', async () => {
  const { createFeaturesEncoder, featureSetVector, TRANSFER_FEATURES } = await import('../src/classify/encoder-features');
  const { textFeatures } = await import('../src/features/text-features');
  const enc = createFeaturesEncoder('transfer');
  assert.equal(enc.dim, 21);
  assert.ok(!enc.names!.some((n) => ['chars', 'words', 'sentences', 'mtld'].includes(n)));
  const texts = asagRows.slice(0, 5).map((r) => r.text).concat(['I like my cat. Elephants are magnificent creatures.']);
  const got = await enc.encode(texts);
  texts.forEach((t, i) => {
    const v = featureSetVector(textFeatures(t), 'transfer');
    v.forEach((x, j) => assert.ok(Math.abs(x - got[i][j]) < 1e-5 * Math.max(1, Math.abs(x)), `${enc.names![j]}: ${x} vs ${got[i][j]}`));
  });
  // the last text: "like", "my", "cat", "are" ... are listed; the mean listed level and the share above A2 are in range
  const last = got[got.length - 1];
  const mean = last[TRANSFER_FEATURES.length];
  const above = last[TRANSFER_FEATURES.length + 1];
  assert.ok(mean > 0 && mean < 5 && above > 0 && above < 1, `${mean} ${above}`);
});

test('spearman: known answers with ties and reversals', async () => {
  const { spearman } = await import('../src/metrics/correlation');
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // ties take average ranks: x ranks 1.5 1.5 3 4, y ranks 1 2 3 4 -> Pearson of the ranks
  assert.ok(Math.abs(spearman([1, 1, 2, 3], [1, 2, 3, 4]) - 0.9486832980505138) < 1e-12);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
});
