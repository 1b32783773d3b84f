/**
 * The evaluation harness on real learner texts (the embedded CEFR-ASAG CSV) with a tiny untrained GPT-2:
 * the mechanics (masks, scores, samples, summaries, reproducibility, errors), not the quality.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encode } from 'gpt-tokenizer/cjs/encoding/r50k_base';
import { initBackend } from '../src/runtime/backend';
import { Rng } from '../src/runtime/rng';
import { UserError } from '../src/runtime/errors';
import { GPT2 } from '../src/model/gpt2';
import { PRESETS } from '../src/model/config';
import { saveModel } from '../src/model/checkpoint';
import { ilmEval, parseModelSpec, readHarnessTexts, readSplitTexts, runHarness, summaryTable, withoutTimings, type HarnessOptions } from '../src/infill/harness';
import { cutAtWord, maskText } from '../src/infill/evalmask';
import { lmSpanLogProbs } from '../src/infill/lm';
import { defaultCsv } from '../src/runtime/paths';

const CSV = defaultCsv;

let model: GPT2;
let tmp: string;
const OPTIONS: HarnessOptions = { samplesPerText: 2, maxChars: 160, seed: 42, maxNewTokens: 5 };

before(async () => {
  await initBackend();
  model = GPT2.create(PRESETS.tiny, 0);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'infill-harness-'));
  saveModel(path.join(tmp, 'exp', 'checkpoints', 'best'), model);
});

after(() => {
  model.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('texts are cut at a word boundary', () => {
  assert.equal(cutAtWord('one two three', 9), 'one two');
  assert.equal(cutAtWord('one two three', 7), 'one two');
  assert.equal(cutAtWord('  short ', 100), 'short');
  const texts = readHarnessTexts(CSV, 3, 60);
  assert.deepEqual(texts.map((t) => t.id), ['asag-l0001', 'asag-l0002', 'asag-l0003']);
  assert.deepEqual(texts.map((t) => t.level), ['A2', 'A1', 'A1']);
  assert.equal(texts[0].text, 'everyday i get up at 8 a clock. I always turn my music on.');
});

test('texts of a prepared split come with their labels', async () => {
  const dir = path.join(tmp, 'split');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'test.txt'), 'First text here.\nSecond line.\n\n\n  \n\n\nThird one, after an empty piece.');
  fs.writeFileSync(path.join(dir, 'test.labels.tsv'), 'writing_id\tcefr_level\tl1\nw1\tB1\tFrench\nw2\tA2\tGerman\nw3\tC1\tArabic\n');
  const texts = await readSplitTexts(dir, 'test', 10, 500);
  assert.deepEqual(texts, [
    { id: 'w1', level: 'B1', text: 'First text here.\nSecond line.' },
    { id: 'w3', level: 'C1', text: 'Third one, after an empty piece.' },
  ]);
  await assert.rejects(readSplitTexts(dir, 'valid', 10, 500), UserError);
});

test('human-token masks are whole words with their space; random masks are token runs; both seeded', () => {
  const text = "I don't like well-known songs, but I sing.";
  // Words 1..7 (never the first); four spans with a word between each can only be words 1, 3, 5 and 7.
  const all = maskText(text, 4, 'human-tokens', new Rng(0))!;
  assert.deepEqual(all.spans.map((s) => s.original), [" don't", ' well-known', ' but', ' sing']);
  assert.deepEqual(all.spans.map((s) => text.slice(s.start, s.end)), [" don't", ' well-known', ' but', ' sing']);
  assert.equal(maskText(text, 5, 'human-tokens', new Rng(0)), null);
  for (const mode of ['human-tokens', 'random'] as const) {
    const a = maskText(text, 2, mode, Rng.derive(1, 'mask', 0))!;
    const b = maskText(text, 2, mode, Rng.derive(1, 'mask', 0))!;
    assert.deepEqual(a, b);
    assert.equal(a.spans.length, 2);
    assert.ok(a.pieceTokens[0].length > 0, 'never masks the first token');
    // Context and spans put back together are the text's own tokens, as training sees them.
    const whole = a.pieceTokens.flatMap((p, i) => (i < a.spanTokens.length ? [...p, ...a.spanTokens[i]] : p));
    assert.deepEqual(whole, encode(text));
    for (const s of a.spans) assert.equal(text.slice(s.start, s.end), s.original);
  }
  assert.equal(maskText('Hi there', 3, 'human-tokens', new Rng(0)), null, 'too few words for 3 separate spans');
});

test('an lm: model sees only the left context', async () => {
  const left = encode('My family is very');
  const span = encode(' small');
  const a = await lmSpanLogProbs(model, { pieces: [left, encode('. I have a brother.')], spans: [span] });
  const b = await lmSpanLogProbs(model, { pieces: [left, encode(' and we live in Lyon')], spans: [span] });
  assert.deepEqual(a, b);
  // Known answer: the plain forward pass.
  const seq = [...left, ...span];
  const lp = tf.tidy(() => tf.logSoftmax(model.logits(tf.tensor2d(Int32Array.from(seq), [1, seq.length], 'int32'))));
  const data = lp.dataSync();
  lp.dispose();
  const V = model.config.vocab_size;
  span.forEach((id, j) => assert.ok(Math.abs(a[0][j] - data[(left.length - 1 + j) * V + id]) < 1e-3));
});

test('harness results are stable under the seed, and the seed matters', async () => {
  const texts = readHarnessTexts(CSV, 2, OPTIONS.maxChars!);
  const models = [
    { spec: parseModelSpec('ilm:tiny'), model },
    { spec: parseModelSpec('lm:tiny'), model },
  ];
  const one = await runHarness(models, texts, { ...OPTIONS, nMasks: 2 });
  const two = await runHarness(models, texts, { ...OPTIONS, nMasks: 2 });
  assert.equal(JSON.stringify(withoutTimings(one)), JSON.stringify(withoutTimings(two)));
  const other = await runHarness(models.slice(0, 1), texts.slice(0, 1), { ...OPTIONS, nMasks: 2, seed: 43, samplesPerText: 1 });
  assert.notDeepEqual(one.texts[0].masks, other.texts[0].masks);

  for (const t of one.texts) {
    assert.equal(t.skipped, null);
    assert.equal(t.masks.length, 2);
    for (const m of t.masks) assert.equal(t.text.slice(m.start, m.end), m.original);
    for (const label of ['ilm:tiny', 'lm:tiny']) {
      const r = t.results[label];
      assert.equal(r.samples.length, 2);
      assert.equal(r.spanLogProbs.length, 2);
      assert.equal(r.tokens, t.masks.reduce((a, m) => a + encode(m.original).length, 0));
      assert.ok(r.logProb < 0 && r.rank >= 1 && r.rank <= 3);
      assert.ok(r.exactMatch >= 0 && r.exactMatch <= 1);
    }
    // The lm fills are exactly as long (in tokens) as the originals.
    for (const s of t.results['lm:tiny'].samples) s.fills.forEach((f, i) => assert.equal(encode(f).length, encode(t.masks[i].original).length));
  }
  const s = one.summary['ilm:tiny'];
  assert.equal(s.overall.texts, 2);
  assert.deepEqual(Object.keys(s.byLevel), ['A1', 'A2']);
  assert.deepEqual([s.byLevel.A1.texts, s.byLevel.A2.texts], [1, 1]);
  const tokens = one.texts.reduce((a, t) => a + t.results['ilm:tiny'].tokens, 0);
  const logProb = one.texts.reduce((a, t) => a + t.results['ilm:tiny'].logProb, 0);
  assert.ok(Math.abs(s.overall.perplexity! - Math.exp(-logProb / tokens)) < 1e-6);
  assert.match(summaryTable(one), /ilm:tiny\s+all\s+2/);
});

test('ilm-eval from an experiment directory, and its errors', async () => {
  const exp = path.join(tmp, 'exp');
  const report = await ilmEval({ csv: CSV, models: [`ilm:${exp}`], limit: 2, ...OPTIONS });
  assert.equal(report.texts.length, 2);
  assert.equal(report.modelDirs[`ilm:${exp}`], path.join(exp, 'checkpoints', 'best'));
  assert.equal(report.input.sha256.length, 64);
  const { listExperiments } = await import('../src/experiment/list');
  fs.mkdirSync(path.join(tmp, 'not-trained', 'checkpoints'), { recursive: true });
  assert.deepEqual(listExperiments(tmp), [{ name: 'exp', dir: exp, level: null }]);
  // Notebook 03's names tell the level when the manifest does not.
  for (const name of ['general', 'B1']) fs.cpSync(path.join(exp, 'checkpoints'), path.join(tmp, 'named', name, 'checkpoints'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'named', 'B1', 'manifest.json'), JSON.stringify({ data: { level: 'unknown' } }));
  assert.deepEqual(listExperiments(path.join(tmp, 'named')).map((e) => [e.name, e.level]), [['B1', 'B1'], ['general', 'all']]);

  await assert.rejects(ilmEval({ csv: CSV, models: [`gpt:${exp}`], limit: 1 }), (e: unknown) => e instanceof UserError && /ilm:EXP_DIR/.test((e as Error).message));
  await assert.rejects(ilmEval({ csv: CSV, models: [`ilm:${path.join(tmp, 'nope')}`], limit: 1 }), (e: unknown) => e instanceof UserError && /does not exist/.test((e as Error).message));
  const bad = path.join(tmp, 'bad.csv');
  fs.writeFileSync(bad, 'id,words\n1,hello\n');
  await assert.rejects(ilmEval({ csv: bad, models: [`ilm:${exp}`], limit: 1 }), UserError);
  await assert.rejects(ilmEval({ csv: path.join(tmp, 'missing.csv'), models: [`ilm:${exp}`], limit: 1 }), UserError);
});

test('blanked learner sentences per level, and the per-level figure', async () => {
  const { blankedSentences, harnessFigure } = await import('../src/notebooks/05-inference');
  const texts = readHarnessTexts(CSV, 708, 500);
  const picked = blankedSentences(texts, 2, 0);
  assert.deepEqual(picked.map((p) => p.level), ['A1', 'A1', 'A2', 'A2', 'B1', 'B1', 'B2', 'B2', 'C1', 'C1', 'C2', 'C2']);
  for (const p of picked) {
    assert.equal((p.blanked.match(/\[MASK\]/g) ?? []).length, 1);
    const restored = p.original.startsWith(' ') ? p.blanked.replace(' [MASK]', p.original) : p.blanked.replace('[MASK]', p.original);
    const source = texts.find((t) => t.id === p.id)!;
    assert.ok(source.text.includes(restored), `${restored} is not in ${p.id}`);
  }
  const report = {
    settings: {} as never,
    models: [],
    texts: [],
    summary: {
      'ilm:x': { overall: { texts: 2, tokens: 4, meanLogProb: -2, perplexity: Math.exp(2), exactMatch: 0.5, meanRank: 1.5, msPerText: 1 }, byLevel: { A1: { texts: 1, tokens: 2, meanLogProb: -1, perplexity: Math.exp(1), exactMatch: 1, meanRank: 1, msPerText: 1 } } },
    },
  };
  const fig = harnessFigure(report, 'perplexity');
  assert.deepEqual(fig.data[0].x, ['A1', 'all']);
  assert.deepEqual(fig.data[0].y, [Math.exp(1), Math.exp(2)]);
  assert.deepEqual(fig.data[0].text, ['2.72', '7.39']);
  // a rate is drawn as a percentage, labelled without trailing zeros
  const exact = harnessFigure(report, 'exactMatch');
  assert.deepEqual(exact.data[0].y, [100, 50]);
  assert.deepEqual(exact.data[0].text, ['100', '50']);
});
