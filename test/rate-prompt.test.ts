import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadRubric, labelScore, rubricLabels } from '../src/rate/rubric';
import { buildMessages, systemMessage, userMessage } from '../src/rate/prompt';
import { parseRating, ratingCell } from '../src/rate/parse';
import { selectCalibration } from '../src/rate/calibration';
import { UserError } from '../src/runtime/errors';

test('minimal rubric: every category in brackets, unscorable criteria spelled out, no level descriptors', () => {
  const r = loadRubric('minimal');
  assert.deepEqual(rubricLabels(r), ['A1', 'A2', 'B1', 'B2', 'C1', 'C2', 'No-Response', 'Nonsense/Off-Topic']);
  const s = systemMessage(r);
  for (const l of rubricLabels(r)) assert.ok(s.includes(`[${l}]`), l);
  assert.ok(s.includes('Rate [No-Response] when:\n- '));
  assert.ok(s.includes('Rate [Nonsense/Off-Topic] when:\n- '));
  assert.ok(!s.includes('Description:'));
  assert.ok(s.endsWith(r.replyInstruction));
});

test('detailed rubric: one descriptor per level, highest first; rationale mode swaps the reply instruction', () => {
  const r = loadRubric('detailed');
  const s = systemMessage(r, { rationale: true });
  const at = ['C2', 'C1', 'B2', 'B1', 'A2', 'A1'].map((l) => s.indexOf(`Rating: [${l}]\nDescription: `));
  assert.ok(at.every((p) => p > 0));
  assert.deepEqual([...at].sort((a, b) => a - b), at);
  assert.ok(s.endsWith(r.rationaleInstruction));
  assert.ok(s.includes('Rate [No-Response] when:'));
});

test('the conversation: system, calibration pairs, then the essay; a fresh array every time', () => {
  const r = loadRubric('minimal');
  const cal = [{ prompt: 'P1', response: 'R1', label: 'B1' }, { prompt: 'P2', response: 'R2', label: 'No-Response', rationale: 'nothing there' }];
  const m = buildMessages(r, cal, 'Describe your family.', 'My family is big.');
  assert.deepEqual(m.map((x) => x.role), ['system', 'user', 'assistant', 'user', 'assistant', 'user']);
  assert.equal(m[1].content, 'Prompt: """\nP1\n"""\n\nResponse: """\nR1\n"""');
  assert.equal(m[2].content, '[B1]');
  assert.equal(m[4].content, '[No-Response]');
  assert.equal(m[5].content, userMessage('Describe your family.', 'My family is big.'));
  const withRationale = buildMessages(r, cal, 'P', 'R', { rationale: true });
  assert.equal(withRationale[4].content, 'Rationale: nothing there\nRating: [No-Response]');
  assert.equal(withRationale[2].content, '[B1]');
  assert.notEqual(buildMessages(r, cal, 'P', 'R'), buildMessages(r, cal, 'P', 'R'));
});

test('parsing: one bracketed label (repeats fine, "Rating:" prefix fine), none or two different -> unparsed', () => {
  const r = loadRubric('minimal');
  const cases: Array<[string, string, string]> = [
    ['[B2]', 'ok', 'B2'],
    ['Rating: [B2]', 'ok', 'B2'],
    ['Rationale: clear, some errors.\nRating: [C1]', 'ok', 'C1'],
    ['[ b2 ]', 'ok', 'B2'],
    ['[B2] ... so [B2].', 'ok', 'B2'],
    ['[No Response]', 'ok', '0'],
    ['[nonsense/off-topic]', 'ok', '0'],
    ['B2', 'none', ''],
    ['I cannot rate this.', 'none', ''],
    ['[B3]', 'none', ''],
    ['Between [B1] and [B2]', 'conflict', ''],
  ];
  for (const [reply, status, cell] of cases) {
    const p = parseRating(reply, r);
    assert.equal(p.status, status, reply);
    assert.equal(ratingCell(p), cell, reply);
  }
  assert.equal(parseRating('[No-Response]', r).label, 'No-Response');
  const e = loadRubric('ellipse');
  assert.equal(ratingCell(parseRating('Rating: [4]', e)), '4');
  assert.equal(labelScore(e, '4'), 4);
});

test('rubric files: clear errors for a missing file, bad YAML and half-described levels', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rubric-'));
  assert.throws(() => loadRubric(path.join(dir, 'nope.yaml')), (e: unknown) => e instanceof UserError && /not found/.test((e as Error).message));
  fs.writeFileSync(path.join(dir, 'bad.yaml'), 'levels: [\n');
  assert.throws(() => loadRubric(path.join(dir, 'bad.yaml')), (e: unknown) => e instanceof UserError && /YAML/.test((e as Error).message));
  const half = fs.readFileSync(loadRubric('detailed').file, 'utf8').replace(/- label: A1\n    description: >-\n(      .*\n)+/, '- label: A1\n');
  fs.writeFileSync(path.join(dir, 'half.yaml'), half);
  assert.throws(() => loadRubric(path.join(dir, 'half.yaml')), /some levels have a description/);
});

test('calibration: k per category from the training rows, seeded, never an essay being rated', () => {
  const r = loadRubric('minimal');
  const train = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'].flatMap((l) => [1, 2, 3].map((i) => ({ prompt: 'p', response: `${l} text ${i}`, label: l })));
  train.push({ prompt: 'p', response: 'nothing', label: 'no-response' }, { prompt: 'p', response: 'x', label: '0' });
  const a = selectCalibration(train, r, 2, { seed: 1 });
  const b = selectCalibration(train, r, 2, { seed: 1 });
  assert.deepEqual(a, b);
  assert.equal(a.examples.length, 13);
  assert.deepEqual(a.short, ['No-Response', 'Nonsense/Off-Topic']);
  for (const l of ['A1', 'B2', 'C2']) assert.equal(a.examples.filter((x) => x.label === l).length, 2);
  assert.notDeepEqual(selectCalibration(train, r, 2, { seed: 2 }).examples, a.examples);
  assert.throws(() => selectCalibration(train, r, 1, { exclude: ['B1 text 2'] }), /also one of the essays to rate/);
});
