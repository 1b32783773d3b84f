/**
 * Leakage refused by the library: a model is trained through the project's own chain (prepare -> examples ->
 * train, one step of a tiny GPT-2), and the `perplexity:` encoder built from it knows the texts of its
 * training split. Cross-validation, evaluation and learning curves refuse evaluation texts among them, with
 * the count, the model and the fix; texts held out from the model (the test split) are accepted. The known
 * answers are the split files `prepare` wrote (which texts went to train, which to test).
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../src/runtime/backend';
import { UserError } from '../src/runtime/errors';
import { prepare } from '../src/corpus/prepare';
import { buildExamples } from '../src/ilm/examples';
import { trainExperiment } from '../src/train/experiment';
import { PRESETS } from '../src/model/config';
import { readLabelledCsv, type LabelledText } from '../src/classify/data';
import { crossValidate, evaluateClassifier, learningCurve, trainClassifier } from '../src/classify/classifier';
import { createEncoder } from '../src/classify/spec';
import { textKey, modelTrainingTexts, trainingOverlap, heldOutIndices, splitDocuments } from '../src/classify/leakage';
import { main } from '../src/cli/main';

const ASAG = path.join(__dirname, '..', 'data', 'cefr-asag', 'cefr_asag_4col.csv');
const SP = path.join(__dirname, '..', 'data', 'cefr-sp', 'cefr_sp_public.csv');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'classify-leakage-'));
const expDir = path.join(root, 'exp');
const dataDir = path.join(root, 'data');
let rows: LabelledText[] = [];
let trainIds = new Set<string>();
let testIds = new Set<string>();
let validIds = new Set<string>();
let seenCount = 0;
const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

before(async () => {
  process.env.CEFRLAB_QUIET = '1';
  await initBackend();
  // 16 answers at each of A2, B1, B2 with distinct texts; written with CRLF line ends and surrounding spaces,
  // which `prepare` normalises away in the split files, so the check must see through them
  const seen = new Set<string>();
  const picked = readLabelledCsv(ASAG).filter((r) => {
    if (seen.has(textKey(r.text))) return false;
    seen.add(textKey(r.text));
    return true;
  });
  const chosen = ['A2', 'B1', 'B2'].flatMap((l) => picked.filter((r) => r.level === l).slice(0, 16));
  const csv = path.join(root, 'learners.csv');
  fs.writeFileSync(csv, ['writing_id,l1,cefr_level,text', ...chosen.map((r) => [r.id, 'x', r.level!, q(`  ${r.text.replace(/\n/g, '\r\n')} `)].join(','))].join('\r\n') + '\r\n');
  rows = readLabelledCsv(csv);
  await prepare({ csv, out: dataDir, split: '50,25,25', seed: 0, showProgress: false });
  const ids = (split: string) => new Set(fs.readFileSync(path.join(dataDir, `${split}.labels.tsv`), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')[0]));
  trainIds = ids('train');
  testIds = ids('test');
  validIds = ids('valid');
  seenCount = trainIds.size + validIds.size;
  const examples = path.join(root, 'examples');
  for (const split of ['train', 'valid']) await buildExamples(split, dataDir, examples, { seed: 0, seqLen: 64, examplesPerDoc: 1, workers: 0 });
  const config = { ...PRESETS.tiny, n_positions: 64, n_layer: 1, n_embd: 16, n_head: 2 };
  await trainExperiment(expDir, examples, {
    trainTag: 'train', evalTag: 'valid', model: 'tiny', config, seed: 0, batchSize: 2, accum: 1, lr: 1e-3, weightDecay: 0, clip: 1,
    seqLen: 64, maxSteps: 1, evalMaxExamples: 2, minimalSupervision: false, restart: true, log: () => {},
  });
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

const refused = (count: number) => (err: unknown) => {
  assert.ok(err instanceof UserError, String(err));
  assert.match(err.message, new RegExp(`: ${count} of the \\d+ texts`));
  assert.ok(err.message.includes(expDir), 'names the model');
  assert.match(err.message, /Fix: evaluate on texts held out from the models \(e\.g\. the documents of .*test\.txt/);
  return true;
};

test('textKey: the same text through CSV quoting, CRLF and surrounding spaces has one key; other texts differ', () => {
  assert.equal(textKey('  I live in\r\nParis.  '), textKey('I live in\nParis.'));
  assert.equal(textKey('I  live\tin Paris.'), textKey('I live in Paris.'));
  assert.equal(textKey('caf\u00e9'), textKey('cafe\u0301')); // NFC
  assert.notEqual(textKey('I live in Paris.'), textKey('I live in Rome.'));
});

test('the model knows its training split and the split that chose its checkpoint: manifest -> examples -> split files', () => {
  assert.ok(trainIds.size >= 20 && testIds.size >= 10 && validIds.size >= 10, `split sizes ${trainIds.size}, ${validIds.size}, ${testIds.size}`);
  const t = modelTrainingTexts(expDir);
  assert.equal(t.known, true);
  assert.equal(t.keys.size, splitDocuments(path.join(dataDir, 'train.txt')).length + splitDocuments(path.join(dataDir, 'valid.txt')).length);
  assert.equal(t.keys.size, seenCount);
  assert.deepEqual(t.heldOut.map((f) => path.basename(f)), ['test.txt']);
  assert.ok(t.sources.some((s) => /valid\.txt .*used to choose the checkpoint/.test(s.source)));
  // every CSV row the split put in train or valid is found, and no other
  const overlap = trainingOverlap([t], rows.map((r) => r.text));
  assert.equal(overlap.length, 1);
  assert.deepEqual(new Set(overlap[0].indices.map((i) => rows[i].id)), new Set([...trainIds, ...validIds]));
  const held = heldOutIndices([t], rows.map((r) => r.text));
  assert.deepEqual(new Set(held.map((i) => rows[i].id)), testIds);
});

test('classify cv refuses texts the perplexity models trained on, with the count; held-out texts are accepted', async () => {
  const spec = `perplexity:${expDir}`;
  const overlapping = rows; // train, valid and test answers
  await assert.rejects(crossValidate(overlapping, 2, { encoder: spec, head: 'logistic', showProgress: false, cacheDir: null }), refused(seenCount));
  // the combined encoder carries its parts' training texts
  await assert.rejects(crossValidate(overlapping, 2, { encoder: `features+${spec}`, head: 'logistic', showProgress: false, cacheDir: null }), refused(seenCount));
  const heldOut = rows.filter((r) => testIds.has(r.id));
  const r = await crossValidate(heldOut, 2, { encoder: spec, head: 'logistic', showProgress: false, cacheDir: null }, { resamples: 10 });
  assert.equal(r.n, heldOut.length);
  // the features encoder learnt nothing from data: no refusal
  const f = await crossValidate(overlapping, 2, { encoder: 'features', head: 'logistic', showProgress: false, cacheDir: null }, { resamples: 10 });
  assert.equal(f.n, overlapping.length);
});

test('classify eval and curve refuse overlapping evaluation texts and accept held-out ones', async () => {
  const spec = `perplexity:${expDir}`;
  const heldOut = rows.filter((r) => testIds.has(r.id));
  const seen = rows.filter((r) => trainIds.has(r.id));
  const { model, encoder } = await trainClassifier(seen, { encoder: spec, head: 'logistic', showProgress: false, cacheDir: null });
  // the classifier's manifest records what its encoder's models trained on
  assert.deepEqual(model.manifest.encoder.trainedOn?.map((t) => [t.model, t.texts]), [[expDir, seenCount]]);
  try {
    await assert.rejects(evaluateClassifier(model, [...heldOut, ...seen.slice(0, 3)], { encoder, showProgress: false, cacheDir: null }), refused(3));
    const ok = await evaluateClassifier(model, heldOut, { encoder, showProgress: false, cacheDir: null, resamples: 10 });
    assert.equal(ok.n, heldOut.length);
  } finally {
    encoder.dispose?.();
  }
  await assert.rejects(learningCurve(heldOut, seen, [6], 1, { encoder: spec, head: 'logistic', showProgress: false, cacheDir: null }), refused(seen.length));
  const curve = await learningCurve(seen, heldOut, [9], 1, { encoder: spec, head: 'logistic', showProgress: false, cacheDir: null });
  assert.equal(curve.testRows, heldOut.length);
});

test('the CLI (classify cv, curve, eval) refuses with exit code 2 and the message; held-out texts pass', async () => {
  const write = (name: string, part: LabelledText[]) => {
    const f = path.join(root, name);
    fs.writeFileSync(f, ['writing_id,l1,cefr_level,text', ...part.map((r) => [r.id, 'x', r.level!, q(r.text)].join(','))].join('\n') + '\n');
    return f;
  };
  const all = write('all.csv', rows);
  const held = write('held.csv', rows.filter((r) => testIds.has(r.id)));
  const errs: string[] = [];
  const w2 = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((c: string | Uint8Array, ...rest: unknown[]) => (typeof c === 'string' ? (errs.push(c), true) : (w2 as (...a: unknown[]) => boolean)(c, ...rest))) as typeof process.stderr.write;
  const w1 = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((c: string | Uint8Array, ...rest: unknown[]) => (typeof c === 'string' ? true : (w1 as (...a: unknown[]) => boolean)(c, ...rest))) as typeof process.stdout.write;
  try {
    const code = await main(['classify', 'cv', '--csv', all, '--folds', '2', '--encoder', `perplexity:${expDir}`, '--head', 'logistic', '--no-cache']);
    assert.equal(code, 2);
    assert.match(errs.join(''), new RegExp(`${all.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${seenCount} of the ${rows.length} texts to cross-validate`));
    const ok = await main(['classify', 'cv', '--csv', held, '--folds', '2', '--encoder', `perplexity:${expDir}`, '--head', 'logistic', '--no-cache']);
    assert.equal(ok, 0, errs.join(''));
    // classify curve: the test CSV is checked
    errs.length = 0;
    assert.equal(await main(['classify', 'curve', '--csv', held, '--test', all, '--sizes', '9', '--seeds', '1', '--encoder', `perplexity:${expDir}`, '--head', 'logistic', '--no-cache']), 2);
    assert.match(errs.join(''), new RegExp(`: ${seenCount} of the ${rows.length} texts to test the curve on`));
    // classify eval: a saved model's encoder is rebuilt and checked
    const modelDir = path.join(root, 'clf');
    assert.equal(await main(['classify', 'train', '--csv', held, '--out', modelDir, '--encoder', `perplexity:${expDir}`, '--head', 'logistic', '--no-cache']), 0, errs.join(''));
    errs.length = 0;
    assert.equal(await main(['classify', 'eval', modelDir, '--csv', all, '--no-cache']), 2);
    assert.match(errs.join(''), new RegExp(`: ${seenCount} of the ${rows.length} texts to evaluate`));
    assert.equal(await main(['classify', 'eval', modelDir, '--csv', held, '--no-cache']), 0, errs.join(''));
  } finally {
    process.stderr.write = w2;
    process.stdout.write = w1;
  }
});

test('the shipped base model knows its pretraining texts: CEFR-SP train sentences yes, test sentences no', async () => {
  const sp = readLabelledCsv(SP, { textColumn: 'sentence', levelColumn: 'cefr_max', idColumn: 'id' });
  const train = sp.filter((r) => /-train-/.test(r.id)).slice(0, 50);
  const testPart = sp.filter((r) => /-test-/.test(r.id)).slice(0, 50);
  const encoder = await createEncoder('ilm:data/models/base');
  try {
    const trained = encoder.trainedOn!();
    assert.equal(trained.length, 1);
    assert.equal(trainingOverlap(trained, train.map((r) => r.text))[0]?.indices.length, 50);
    // a test sentence may repeat a training one word for word; nearly all are unseen
    assert.ok(heldOutIndices(trained, testPart.map((r) => r.text)).length >= 45);
    // CEFR-ASAG was never in the pretraining corpus
    assert.equal(heldOutIndices(trained, rows.map((r) => r.text)).length, rows.length);
  } finally {
    encoder.dispose?.();
  }
});

test('a model directory without a training manifest has no known texts; a manifest whose split file changed is an error', () => {
  const bare = path.join(root, 'bare');
  fs.mkdirSync(bare);
  assert.equal(modelTrainingTexts(bare).known, false);
  const copy = path.join(root, 'exp-copy');
  fs.cpSync(expDir, copy, { recursive: true });
  const train = path.join(dataDir, 'train.txt');
  const bytes = fs.readFileSync(train);
  fs.appendFileSync(train, 'one more text\n');
  try {
    assert.throws(() => modelTrainingTexts(copy), (err: unknown) => err instanceof UserError && /the file changed since the examples/.test(err.message) && /Fix:/.test(err.message));
  } finally {
    fs.writeFileSync(train, bytes);
  }
});
