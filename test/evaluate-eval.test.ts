import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend';
import { GPT2 } from '../src/model/gpt2';
import { PRESETS, parameterSpecs } from '../src/model/config';
import { saveModel } from '../src/model/checkpoint';
import { MemorySource } from '../src/train/data';
import { evaluateModel } from '../src/evaluate/eval';
import { compareModels, specialisationGains, comparisonTable, describeComparison } from '../src/evaluate/compare';
import { comparisonHeatmap } from '../src/evaluate/figures';
import { UserError } from '../src/runtime/errors';

before(async () => {
  await initBackend();
});

const V = 96;
const config = { ...PRESETS.tiny, vocab_size: V, n_positions: 16, n_layer: 1, n_embd: 32, n_head: 2 };

/** A model whose weights are all zero predicts the uniform distribution: every token costs ln(V) nats. */
function zeroModel(): GPT2 {
  const arrays = new Map<string, Float32Array>();
  for (const s of parameterSpecs(config)) arrays.set(s.name, new Float32Array(s.shape.reduce((a, b) => a * b, 1)));
  return GPT2.fromArrays(config, arrays);
}

// Two rows of 8 positions: context, blank, separator, answers, end of answer, padding.
const rows = [
  { tokens: Int32Array.from([5, 6, 90, 91, 7, 8, 92, 0]), types: Uint8Array.from([1, 1, 2, 3, 4, 4, 5, 0]) },
  { tokens: Int32Array.from([9, 10, 11, 90, 91, 12, 92, 0]), types: Uint8Array.from([1, 1, 1, 2, 3, 4, 5, 0]) },
];

test('a uniform model has loss ln(V) and perplexity V in every group, with exact token counts', async () => {
  const model = zeroModel();
  const m = await evaluateModel(model, new MemorySource(8, rows), [0, 1], { batchSize: 1 });
  // position 0 never counts: row 0 has 1 context target (pos 1), row 1 has 2 (pos 1, 2)
  assert.equal(m.context.tokens, 3);
  assert.equal(m.infill.tokens, 5); // answers 7, 8, 12 and two end tokens
  assert.equal(m.infillTextOnly.tokens, 3);
  for (const g of [m.context, m.infill, m.infillTextOnly]) {
    assert.ok(Math.abs(g.loss! - Math.log(V)) < 1e-5);
    assert.ok(Math.abs(g.perplexity! - V) < 1e-3);
  }
  model.dispose();
});

test('evaluation equals a float64 softmax over the model logits, whatever the batch size', async () => {
  const model = GPT2.create(config, 11);
  const source = new MemorySource(8, rows);
  const a = await evaluateModel(model, source, [0, 1], { batchSize: 2 });
  const b = await evaluateModel(model, source, [0, 1], { batchSize: 1 });
  const logits = model.logits(tf.tensor2d([...rows[0].tokens, ...rows[1].tokens], [2, 8], 'int32')).arraySync();
  let sum = 0;
  let n = 0;
  rows.forEach((r, bi) => {
    for (let i = 1; i < 8; i++) {
      if (r.types[i] !== 4) continue;
      const row = logits[bi][i - 1];
      const mx = Math.max(...row);
      sum += mx + Math.log(row.reduce((s, x) => s + Math.exp(x - mx), 0)) - row[r.tokens[i]];
      n++;
    }
  });
  assert.equal(a.infillTextOnly.tokens, n);
  assert.ok(Math.abs(a.infillTextOnly.loss! - sum / n) < 1e-5);
  assert.ok(Math.abs(a.infillTextOnly.loss! - b.infillTextOnly.loss!) < 1e-6);
  assert.ok(a.infillTextOnly.loss! > 0 && a.infillTextOnly.loss! !== Math.log(V));
  model.dispose();
});

test('specialisation gain is general / specialised - 1 per level', () => {
  const models = [
    { label: 'general', dir: '', level: null },
    { label: 'A2', dir: '', level: 'A2' },
    { label: 'B1', dir: '', level: 'B1' },
  ];
  const tests = [{ level: 'A2' }, { level: 'B1' }, { level: 'C1' }];
  const gains = specialisationGains(models, tests, [
    [30, 40, 50],
    [24, 60, 70],
    [45, 50, 55],
  ]);
  assert.deepEqual(gains.map((g) => g.level), ['A2', 'B1']);
  assert.ok(Math.abs(gains[0].gain - (30 / 24 - 1)) < 1e-12);
  assert.ok(Math.abs(gains[1].gain - (40 / 50 - 1)) < 1e-12);
  assert.deepEqual(specialisationGains(models.slice(1), tests, [[1, 2, 3], [4, 5, 6]]), []);
});

test('compareModels fills the matrix from saved models and builds a heatmap', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compare-'));
  const uniform = zeroModel();
  saveModel(path.join(dir, 'general'), uniform);
  uniform.dispose();
  const trained = GPT2.create(config, 2);
  saveModel(path.join(dir, 'a2'), trained);
  trained.dispose();
  const source = new MemorySource(8, rows);
  const c = await compareModels(
    [{ label: 'general', dir: path.join(dir, 'general'), level: null }, { label: 'A2', dir: path.join(dir, 'a2'), level: 'A2' }],
    [{ label: 'A2 test', level: 'A2', source }, { label: 'B1 test', level: 'B1', source }],
  );
  assert.ok(Math.abs(c.matrix[0][0]! - V) < 1e-3);
  assert.equal(c.matrix[1][0], c.matrix[1][1]);
  assert.equal(c.gains.length, 1);
  assert.ok(Math.abs(c.gains[0].gain - (c.matrix[0][0]! / c.matrix[1][0]! - 1)) < 1e-12);
  const fig = comparisonHeatmap(c);
  assert.equal(fig.data[0].type, 'heatmap');
  assert.deepEqual(fig.data[0].y, ['general', 'A2']);
  assert.match(comparisonTable(c), /Specialisation gain/);
});

test('the comparison is described from its numbers', () => {
  const models = [{ label: 'general', dir: '', level: null }, { label: 'B1', dir: '', level: 'B1' }];
  const c = { metric: 'infill_text_only_perplexity' as const, models: ['general', 'B1'], tests: ['B1', 'A2'], matrix: [[50, 40], [45, 44]], cells: [], gains: specialisationGains(models, [{ level: 'B1' }, { level: 'A2' }], [[50, 40], [45, 44]]) };
  const lines = describeComparison(c);
  assert.equal(lines[0], "On the B1 test set the lowest perplexity is B1's (45.0); next general (50.0).");
  assert.equal(lines[1], "On the A2 test set the lowest perplexity is general's (40.0); next B1 (44.0).");
  assert.match(lines[2], /^B1: the B1 model beats the general model on B1 text by 11\.1%/);
});

test('compare: the general model is the one trained on all levels or named --general, never a guess', async () => {
  const { modelEntries } = await import('../src/evaluate/run');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'general-'));
  const exp = (name: string, level: string | null) => {
    const d = path.join(dir, name);
    fs.mkdirSync(d, { recursive: true });
    if (level !== null) fs.writeFileSync(path.join(d, 'manifest.json'), JSON.stringify({ data: { level } }));
    return d;
  };
  const all = exp('everything', 'all');
  const b1 = exp('run7', 'B1');
  const unknown = exp('mystery', null);
  assert.deepEqual(modelEntries([all, b1]).map((e) => [e.label, e.level]), [['general', null], ['B1', 'B1']]);
  assert.throws(() => modelEntries([unknown, b1]), (e: unknown) => e instanceof UserError && /cannot tell which CEFR level.*--general/.test(e.message));
  assert.deepEqual(modelEntries([b1], unknown).map((e) => [e.label, e.level]), [['general', null], ['B1', 'B1']]);
  assert.deepEqual(modelEntries([unknown, b1], unknown).map((e) => e.dir), [unknown, b1], 'named twice counts once');
  const all2 = exp('everything-again', 'all');
  assert.throws(() => modelEntries([all, all2, b1]), (e: unknown) => e instanceof UserError && /more than one general model/.test(e.message));
  assert.deepEqual(modelEntries([`B2=${all2}`, b1], all).map((e) => [e.label, e.level]), [['general', null], ['B2', 'B2'], ['B1', 'B1']], 'a label overrides the manifest');
});
