/**
 * The grammatical minimal pairs: the embedded fixture parses (at least 40 pairs in the five categories), bad
 * files fail with the line and the fix, accuracy per category is counted right, and scoring with `rank` on a
 * tiny random model gives each pair two finite log-probabilities and the verdict they imply.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { GPT2 } from '../src/model/gpt2';
import { ILM_VOCAB_SIZE } from '../src/model/config';
import { UserError } from '../src/runtime/errors';
import { rank } from '../src/infill/rank';
import { accuracyByCategory, parseMinimalPairs, readMinimalPairs, scoreMinimalPairs } from '../src/pretrain/minimal-pairs';

before(async () => {
  await tf.setBackend('cpu');
});

const CATEGORIES = ['agreement', 'tense', 'article', 'preposition', 'plural'];

test('the embedded fixture: >= 40 pairs, every category with at least 8, one [MASK] each, no duplicates', () => {
  const pairs = readMinimalPairs();
  assert.ok(pairs.length >= 40, `${pairs.length} pairs`);
  assert.deepEqual([...new Set(pairs.map((p) => p.category))], CATEGORIES);
  for (const c of CATEGORIES) assert.ok(pairs.filter((p) => p.category === c).length >= 8, c);
  assert.equal(new Set(pairs.map((p) => p.sentence)).size, pairs.length);
  for (const p of pairs) {
    assert.equal(p.sentence.split('[MASK]').length, 2);
    assert.notEqual(p.correct, p.wrong);
  }
});

test('parseMinimalPairs: comments, header and errors naming the line', () => {
  const ok = parseMinimalPairs('# note\n\ncategory\tsentence\tcorrect\twrong\nagreement\tHe [MASK] home.\tgoes\tgo\n', 'f.tsv');
  assert.deepEqual(ok, [{ category: 'agreement', sentence: 'He [MASK] home.', correct: 'goes', wrong: 'go', line: 4 }]);
  const bad = (text: string, re: RegExp) => assert.throws(() => parseMinimalPairs(text, 'f.tsv'), (e: unknown) => e instanceof UserError && re.test(e.message));
  bad('cat\tsentence\tcorrect\twrong\n', /f\.tsv:1: the header/);
  bad('category\tsentence\tcorrect\twrong\nx\tHe goes.\tgoes\tgo\n', /f\.tsv:2: .*exactly one \[MASK\]/);
  bad('category\tsentence\tcorrect\twrong\nx\tHe [MASK].\tgoes\n', /f\.tsv:2: .*4 non-empty/);
  bad('category\tsentence\tcorrect\twrong\nx\tHe [MASK].\tgo\tgo\n', /f\.tsv:2: .*same/);
  bad('# only a comment\n', /no header/);
});

test('accuracyByCategory: counts per category in order of appearance and overall', () => {
  const r = accuracyByCategory([
    { category: 'b', right: true }, { category: 'a', right: false }, { category: 'b', right: false }, { category: 'b', right: true },
  ]);
  assert.deepEqual(r.byCategory, [
    { category: 'b', pairs: 3, right: 2, accuracy: 2 / 3 },
    { category: 'a', pairs: 1, right: 0, accuracy: 0 },
  ]);
  assert.deepEqual(r.overall, { category: 'all', pairs: 4, right: 2, accuracy: 0.5 });
});

test('scoreMinimalPairs on a tiny model: the verdict follows the two log-probabilities of rank', async () => {
  const model = GPT2.create({
    vocab_size: ILM_VOCAB_SIZE, n_positions: 64, n_embd: 8, n_layer: 1, n_head: 2,
    layer_norm_epsilon: 1e-5, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0, initializer_range: 0.02,
  }, 0);
  const pairs = CATEGORIES.map((c) => readMinimalPairs().find((p) => p.category === c)!);
  const report = await scoreMinimalPairs(model, pairs);
  assert.equal(report.results.length, 5);
  for (const r of report.results) {
    assert.ok(Number.isFinite(r.correctLogProb) && r.correctLogProb < 0);
    assert.ok(Number.isFinite(r.wrongLogProb) && r.wrongLogProb < 0);
    assert.equal(r.right, r.correctLogProb > r.wrongLogProb);
    const ranked = await rank(model, r.sentence, [r.correct, r.wrong]);
    assert.equal(ranked.find((x) => x.candidate === r.correct)!.logProb, r.correctLogProb);
  }
  assert.equal(report.overall.pairs, 5);
  assert.equal(report.overall.right, report.results.filter((r) => r.right).length);
  assert.deepEqual(report.byCategory.map((c) => c.category), CATEGORIES);
  assert.equal(report.scoring, 'with-next-word'); // rank's default
  // the other scoring reaches rank, and says so
  const wide = await scoreMinimalPairs(model, pairs, 'blank');
  assert.equal(wide.scoring, 'blank');
  for (const r of wide.results) {
    const ranked = await rank(model, r.sentence, [r.correct, r.wrong], { scoring: 'blank' });
    assert.equal(ranked.find((x) => x.candidate === r.wrong)!.logProb, r.wrongLogProb);
  }
  assert.notDeepEqual(wide.results.map((r) => r.correctLogProb), report.results.map((r) => r.correctLogProb));
  model.dispose();
});
