/** Yes/no AUC grading and C-test construction and grading on hand-written passages. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { gradeYesNo, makeYesNoItem } from '../src/items/yesno';
import { auc } from '../src/metrics/auc';
import { buildCTest, damage, gradeCTest, renderCTestText, renderCTestHtml } from '../src/items/ctest';
import type { YesNoStimulus } from '../src/items/types';

const stim = (text: string, real: boolean, difficulty = 40): YesNoStimulus => ({ text, real, difficulty });

test('yes/no grading is the AUC of the answers, words against pseudowords, ties half', () => {
  const item = makeYesNoItem('yesno-1', [stim('house', true), stim('garden', true), stim('mother', true), stim('blick', false), stim('frabe', false)]);
  assert.equal(gradeYesNo(item, [true, true, true, false, false]), 1);
  assert.equal(gradeYesNo(item, [false, false, false, true, true]), 0);
  assert.equal(gradeYesNo(item, [true, true, true, true, true]), 0.5);
  assert.equal(gradeYesNo(item, [false, false, false, false, false]), 0.5);
  // hits 2/3, false alarms 1/2: (1 + 2/3 - 1/2) / 2 = 7/12
  assert.ok(Math.abs(gradeYesNo(item, [true, true, false, true, false]) - 7 / 12) < 1e-12);
  assert.throws(() => gradeYesNo(item, [true]));
  assert.equal(auc([0.9, 0.4], [0.4, 0.1]), (1 + 1 + 0.5 + 1) / 4);
});

test('yes/no item: difficulty is the mean δ, bin from it, at least 15% of each kind', () => {
  const item = makeYesNoItem('y', [stim('a', true, 30), stim('b', true, 34), stim('c', false, 36), stim('d', false, 40)]);
  assert.equal(item.difficulty, 35);
  assert.equal(item.bin, 3); // 26-35
  assert.throws(() => makeYesNoItem('z', [stim('a', true), stim('b', true), stim('c', true), stim('d', true), stim('e', true), stim('f', true), stim('g', false)]), /at least 2/);
});

test('C-test: first and last sentence whole, every other eligible word damaged, larger half deleted', () => {
  const passage = 'The cat sat on the mat. Then a dog came in 1999 and Peter said hello to everyone there. It was odd, wasn\'t it? We all left quickly.';
  const item = buildCTest(passage, { id: 'c1', difficulty: 42 });
  // eligible middle words: Then dog came in and said hello to everyone there It was odd wasn't it
  // (skipped: "a" one letter, "1999" number, "Peter" capitalised mid-sentence)
  assert.deepEqual(item.gaps.map((g) => g.word), ['dog', 'in', 'said', 'to', 'there', 'was', "wasn't"]);
  assert.deepEqual(item.gaps.map((g) => [g.shown, g.answer]), [['d', 'og'], ['i', 'n'], ['sa', 'id'], ['t', 'o'], ['th', 'ere'], ['w', 'as'], ['was', "n't"]]);
  assert.equal(renderCTestText(item), "The cat sat on the mat. Then a d__ came i_ 1999 and Peter sa__ hello t_ everyone th___. It w__ odd, was___ it? We all left quickly.");
  // the segments rebuild the passage
  const rebuilt = item.segments.map((s) => ('text' in s ? s.text : item.gaps[s.gap].word)).join('');
  assert.equal(rebuilt, passage);
  assert.equal(item.difficulty, 42);
  assert.equal(item.bin, 4);
  assert.deepEqual(damage('house'), { shown: 'ho', answer: 'use' });
  assert.deepEqual(damage('be'), { shown: 'b', answer: 'e' });
  assert.throws(() => buildCTest('One sentence. Two sentences.'));
  const capped = buildCTest(passage, { maxGaps: 2 });
  assert.equal(capped.gaps.length, 2);
  assert.match(renderCTestHtml(item, ['og']), /<sup/);
});

test('C-test grading: length-weighted share of exact fills, per gap', () => {
  const item = buildCTest('Birds sing. The small birds sing loudly in the early morning light. Nobody sleeps.', { id: 'c2' });
  // eligible: The small birds sing loudly in the early morning light -> gaps small, sing, in, early, light
  assert.deepEqual(item.gaps.map((g) => g.answer), ['all', 'ng', 'n', 'rly', 'ght']);
  const all = gradeCTest(item, ['all', 'ng', 'n', 'rly', 'ght']);
  assert.equal(all.score, 1);
  const some = gradeCTest(item, [' all ', 'ing', 'N', 'rly']); // missing last answer counts as wrong; case matters
  assert.deepEqual(some.gaps, [true, false, false, true, false]);
  assert.equal(some.score, (3 + 3) / (3 + 2 + 1 + 3 + 3));
  assert.throws(() => gradeCTest(item, ['a', 'b', 'c', 'd', 'e', 'f']));
});
