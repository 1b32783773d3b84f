/**
 * Shortening a too-long ILM example (src/ilm/sequence.ts planSequence): the context is cut away from the
 * blanks, every answer that fits is kept, an example that fits is untouched.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { TARGET, buildSequence, planSequence, type TokenRun } from '../src/ilm/sequence';

const doc = Array.from({ length: 100 }, (_, i) => 1000 + i);
const answers = (types: Uint8Array, tokens: Int32Array) => Array.from(tokens).filter((_, i) => types[i] === TARGET.answer);

test('an example that fits is written whole, unchanged', () => {
  const runs: TokenRun[] = [{ tokStart: 10, tokEnd: 12, type: 4 }];
  const s = buildSequence(doc, runs, 110);
  assert.equal(s.length, 100 + 2 + 1);
  assert.deepEqual(answers(s.types, s.tokens), [1010, 1011]);
  assert.equal(s.tokens[0], 1000);
});

test('a blank near the end survives: the context before it is cut, not the answer', () => {
  const runs: TokenRun[] = [{ tokStart: 90, tokEnd: 93, type: 4 }];
  const s = buildSequence(doc, runs, 32);
  assert.deepEqual(answers(s.types, s.tokens), [1090, 1091, 1092]);
  const plan = planSequence(doc.length, runs, 32);
  assert.equal(plan.shortened, true);
  assert.equal(plan.end - plan.start + 2 + 1, 32, 'the window fills the sequence exactly');
  assert.ok(plan.start > 50 && plan.end <= 100);
  // the context is split around the blank: what is before and after it
  const types = Array.from(s.types);
  assert.equal(types.filter((t) => t === TARGET.blank).length, 1);
  assert.equal(types.filter((t) => t === TARGET.endOfAnswer).length, 1);
  assert.ok(!types.includes(TARGET.pad));
});

test('answers that do not fit are dropped (left as context); the most supervision that fits is kept', () => {
  // two blanks far apart: both cannot fit in 24 tokens; the longer answer is kept
  const runs: TokenRun[] = [{ tokStart: 5, tokEnd: 7, type: 4 }, { tokStart: 80, tokEnd: 85, type: 3 }];
  const plan = planSequence(doc.length, runs, 24);
  assert.deepEqual([plan.first, plan.kept], [1, 1]);
  const s = buildSequence(doc, runs, 24);
  assert.deepEqual(answers(s.types, s.tokens), [1080, 1081, 1082, 1083, 1084]);
  // close blanks that fit together are kept together
  const near: TokenRun[] = [{ tokStart: 50, tokEnd: 52, type: 4 }, { tokStart: 55, tokEnd: 57, type: 4 }];
  assert.equal(planSequence(doc.length, near, 24).kept, 2);
  assert.deepEqual(answers(buildSequence(doc, near, 24).types, buildSequence(doc, near, 24).tokens), [1050, 1051, 1055, 1056]);
});

test('an answer longer than the sequence is lost and the beginning of the document is kept', () => {
  const runs: TokenRun[] = [{ tokStart: 0, tokEnd: 60, type: 0 }];
  const plan = planSequence(doc.length, runs, 32);
  assert.equal(plan.kept, 0);
  const s = buildSequence(doc, runs, 32);
  assert.equal(answers(s.types, s.tokens).length, 0);
  assert.equal(s.tokens[0], 1000);
  assert.equal(s.types[31], TARGET.separator);
});
