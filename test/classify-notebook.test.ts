/** Notebook 06's helpers: plan sizes, level-model discovery, and the computed readings on known reports. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifyNotebookPlan, levelModelDirs, crossCorpusReading, comparisonReading, confusionFigure, holdoutRows } from '../src/notebooks/06-cefr-classification';
import { sampleRows } from '../src/classify/corpora';
import { classificationReport } from '../src/metrics/report';
import type { LabelledText } from '../src/classify/data';

const labels = ['A2', 'B1', 'B2'];
const perfect = classificationReport([0, 1, 2, 0, 1, 2], [0, 1, 2, 0, 1, 2], labels, { resamples: 50 });
const half = classificationReport([0, 1, 2, 0, 1, 2], [0, 1, 2, 1, 2, 1], labels, { resamples: 50 });

test('the fast plan is smaller than the default one', () => {
  const fast = classifyNotebookPlan({ CEFRLAB_FAST: '1' });
  const full = classifyNotebookPlan({});
  assert.ok(fast.compareRows < full.compareRows && fast.pplRows <= fast.compareRows && fast.resamples < full.resamples);
  assert.equal(full.folds, 5);
});

test('level models are found by level name in CEFR order, others ignored', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'levels-'));
  for (const name of ['B1', 'A2', 'general', 'notes']) {
    const dir = path.join(root, name, 'checkpoints', 'best');
    fs.mkdirSync(dir, { recursive: true });
    if (name !== 'notes') fs.writeFileSync(path.join(dir, 'model.safetensors'), '');
  }
  assert.deepEqual(levelModelDirs(root).map((m) => m.level), ['A2', 'B1']);
  assert.deepEqual(levelModelDirs(path.join(root, 'missing')), []);
});

test('readings state the computed numbers', () => {
  const text = crossCorpusReading([
    { train: 'X', test: 'X', report: perfect, majority: 1 / 3 },
    { train: 'Y', test: 'X', report: half, majority: 1 / 3 },
    { train: 'Y', test: 'Y', report: perfect, majority: 0.5 },
    { train: 'X', test: 'Y', report: half, majority: 0.6 },
  ]);
  assert.match(text, /On X, a model trained on X reaches accuracy 1\.000/);
  assert.match(text, /trained on Y it reaches 0\.500 .*a drop of 0\.500 in accuracy/);
  assert.match(text, /would score 0\.600 there, so across corpora the classifier does no better than that baseline/);
  const cmp = comparisonReading([{ name: 'a', report: half }, { name: 'b', report: perfect }], 'head');
  assert.match(cmp, /Best head by accuracy: b \(1\.000\); lowest: a \(0\.500\), a difference of 0\.500/);
  const fig = confusionFigure(half, 't');
  assert.deepEqual((fig.data[0] as { z: number[][] }).z[1], [0, 0.5, 0.5]);
});

test('stratified notebook samples and hold-outs keep level shares', () => {
  // distinct texts: copies of one text are kept on one side of a hold-out (src/corpus/duplicates.ts)
  const rows: LabelledText[] = Array.from({ length: 100 }, (_, i) => ({ id: String(i), text: `t${i}`, level: i < 60 ? 'B1' : 'A2', line: i + 2 }));
  const s = sampleRows(rows, 10);
  assert.equal(s.filter((r) => r.level === 'B1').length, 6);
  const h = holdoutRows(rows, 0.2);
  assert.equal(h.test.length, 20);
  assert.equal(h.test.filter((r) => r.level === 'A2').length, 8);
});
