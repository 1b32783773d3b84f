/**
 * The least-surprise test and the paired comparison of notebook 06 on known answers.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { CefrLevel } from '../src/corpus/cefr';
import type { LabelledText } from '../src/classify/data';
import { argminPerplexityTest, argminReading, pairedDifference } from '../src/classify/perplexity-study';

const rowsOf = (levels: CefrLevel[]): LabelledText[] => levels.map((level, i) => ({ id: `t${i}`, text: `text ${i}`, level, line: i + 2 }));
const models = [{ level: 'A2', dir: 'A2' }, { level: 'B1', dir: 'B1' }];

test('argmin perplexity: accuracy, majority baseline and their difference on known answers', () => {
  const rows = rowsOf(['A2', 'A2', 'B1', 'B1', 'B1', 'C1']);
  // lowest under: A2, B1 (wrong), B1, B1, B1, A2 (C1 has no model: left out)
  const ln = [[1, 2], [3, 2], [5, 4], [2, 1], [9, 8], [1, 3]];
  const t = argminPerplexityTest(rows, ln, models, { resamples: 200 });
  assert.equal(t.n, 5);
  assert.deepEqual(t.noModel, { C1: 1 });
  assert.equal(t.accuracy.value, 4 / 5);
  assert.equal(t.majority.level, 'B1');
  assert.equal(t.majority.value, 3 / 5);
  assert.ok(Math.abs(t.difference.value - 0.2) < 1e-12);
  assert.ok(t.difference.ci90[0] <= 0.2 && t.difference.ci90[1] >= 0.2);
  assert.deepEqual(t.confusion, [{ level: 'A2', n: 2, chosen: [1, 1] }, { level: 'B1', n: 3, chosen: [0, 3] }]);
  assert.deepEqual(t.meanByLevel.map((m) => [m.level, m.n, m.mean]), [['A2', 2, [2, 2]], ['B1', 3, [16 / 3, 13 / 3]], ['C1', 1, [1, 3]]]);
  assert.match(argminReading(t), /accuracy 0\.800 .* majority baseline \(always B1\) 0\.600/);
});

test('argmin perplexity: a model least surprised by everything gives the majority answer and no gain', () => {
  const rows = rowsOf(['A2', 'B1', 'B1', 'B1']);
  const ln = rows.map(() => [3, 2]); // the B1 model is always lowest
  const t = argminPerplexityTest(rows, ln, models, { resamples: 100 });
  assert.equal(t.accuracy.value, t.majority.value);
  assert.deepEqual([t.difference.value, ...t.difference.ci90], [0, 0, 0]);
  assert.match(argminReading(t), /not distinguishable from the baseline/);
});

test('paired difference: A minus B on the same rows; identical predictions differ by exactly 0', () => {
  const rows = rowsOf(['A2', 'B1', 'B2', 'C1']);
  const a: CefrLevel[] = ['A2', 'B1', 'B2', 'C1'];
  const b: CefrLevel[] = ['A2', 'B1', 'B1', 'B1'];
  const d = pairedDifference(rows, a, b, { resamples: 200 });
  assert.equal(d.accuracy.value, 0.5);
  assert.ok(d.qwk.value > 0);
  const same = pairedDifference(rows, b, b, { resamples: 50 });
  assert.deepEqual([same.accuracy.value, ...same.accuracy.ci90, same.qwk.value], [0, 0, 0, 0]);
  assert.throws(() => pairedDifference(rows, a.slice(1), b));
});
