/**
 * The AWE model's per-level ILM features (`awe train --perplexity-models`): ln(perplexity) of each essay under
 * each of the lab's GPT-2 models, appended to the AWE features, recorded in the model and recomputed by predict.
 * Known answers come from the `perplexity` encoder on the same tiny random models.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../src/runtime/backend';
import { GPT2 } from '../src/model/gpt2';
import { ILM_VOCAB_SIZE, type GPT2Config } from '../src/model/config';
import { saveModel } from '../src/model/checkpoint';
import { createPerplexityEncoder } from '../src/classify/encoder-perplexity';
import { perplexityFeatures, predictAweCsv, trainAweFromCsv } from '../src/cli/awe-ops';
import { aweFeatureNames } from '../src/awe/features';
import { loadAwe, predictAwe, trainAwe } from '../src/awe/model';
import { readTable, writeTable } from '../src/runtime/csv-table';

const CONFIG: GPT2Config = {
  vocab_size: ILM_VOCAB_SIZE, n_positions: 32, n_embd: 16, n_layer: 1, n_head: 2,
  layer_norm_epsilon: 1e-5, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0, initializer_range: 0.02,
};

let root: string;
let models: string[];

before(async () => {
  await initBackend();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'awe-ppl-'));
  models = [path.join(root, 'A2'), path.join(root, 'B1')];
  models.forEach((dir, i) => {
    const m = GPT2.create(CONFIG, 10 + i);
    saveModel(dir, m);
    m.dispose();
  });
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

function essays(): Array<{ id: string; question: string; text: string; cefr_level: string }> {
  const easy = ['I like my cat.', 'My house is big.', 'I go to school.', 'She has a dog.'];
  const hard = ['Nevertheless, the committee postponed its decision indefinitely.', 'Although it rained, the excursion proceeded as planned.'];
  return Array.from({ length: 24 }, (_, i) => ({ id: `e${i}`, question: 'Describe your day.', text: i % 2 ? hard[i % hard.length] : easy[i % easy.length], cefr_level: i % 2 ? 'B2' : 'A2' }));
}

test('perplexity features are the perplexity encoder\'s ln(perplexity), one per model', async () => {
  const texts = ['I like my cat.', 'Although it rained, the excursion proceeded as planned.'];
  const f = await perplexityFeatures(models, texts);
  assert.deepEqual(f.names, models.map((m) => `ilm_log_perplexity:${m}`));
  const expected = await createPerplexityEncoder(models, { log: true }).encode(texts);
  for (let i = 0; i < texts.length; i++) {
    assert.equal(f.rows[i].length, 2);
    for (let j = 0; j < 2; j++) assert.ok(Math.abs(f.rows[i][j] - expected[i][j]) < 1e-9);
    // a random model is close to a uniform guess over the vocabulary: ln(perplexity) near ln(V)
    for (const v of f.rows[i]) assert.ok(Math.abs(v - Math.log(ILM_VOCAB_SIZE)) < 1, `ln ppl ${v}`);
  }
});

test('awe train --perplexity-models adds the features, saves the models, and predict recomputes them', async () => {
  const csv = path.join(root, 'train.csv');
  writeTable(csv, ['id', 'question', 'text', 'cefr_level'], essays());
  const out = path.join(root, 'awe');
  const r = await trainAweFromCsv(csv, out, { label: 'cefr_level', textColumn: 'text', perplexityModels: models, gbdt: { maxIter: 5, minSamplesLeaf: 2 } });
  assert.equal(r.features, aweFeatureNames().length + 2);
  const model = loadAwe(out);
  assert.deepEqual(model.extraNames, models.map((m) => `ilm_log_perplexity:${m}`));
  assert.deepEqual(model.perplexityModels, models.map((m) => path.resolve(m)));
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.options.perplexityModels, models);
  let inits = 0;
  const ratings = path.join(root, 'ratings.csv');
  const n = await predictAweCsv(out, csv, ratings, { textColumn: 'text', initBackend: async () => void inits++ });
  assert.equal(n, 24);
  assert.equal(inits, 1, 'predict chose the backend before running the models');
  const rated = readTable(ratings);
  assert.ok(rated.rows.every((row) => row.rating === 'A2' || row.rating === 'B2'));
  // the easy/hard split is learnable: training accuracy well above chance
  const right = rated.rows.filter((row) => row.rating === row.cefr_level).length;
  assert.ok(right >= 20, `${right} of 24`);
});

test('rows must bring as many extra features as the model has names', () => {
  const rows = essays().map((e) => ({ text: e.text, prompt: e.question, extra: [1, 2] }));
  const labels = essays().map((e) => e.cefr_level);
  const model = trainAwe(rows, labels, { maxIter: 3, minSamplesLeaf: 2 }, ['a', 'b']);
  assert.throws(() => predictAwe(model, [{ text: 'x', prompt: '' }]), /0 extra features, the model expects 2/);
  assert.throws(() => trainAwe(rows.map((r) => ({ ...r, extra: [1] })), labels, {}, ['a', 'b']), /1 extra features/);
});
