/**
 * Infilling mechanics on a tiny GPT-2 (untrained: the mechanics do not need a good model). Known answers come
 * from a plain forward pass (`GPT2.logits`, no cache) computed here, and from a model whose output is fixed
 * by construction.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { encode } from 'gpt-tokenizer/cjs/encoding/r50k_base';
import { initBackend } from '../src/runtime/backend';
import { Rng } from '../src/runtime/rng';
import { UserError } from '../src/runtime/errors';
import { GPT2 } from '../src/model/gpt2';
import { PRESETS } from '../src/model/config';
import { generateAnswers, infill, infillPrompt } from '../src/infill/infill';
import { rank, topFills, widenOverNextWord } from '../src/infill/rank';
import { parseBlanks } from '../src/infill/blanks';
import { tokenLogProbs } from '../src/infill/forward';

const SEP = 50257;
const END = 50258;
const WORD = 50263;
const X = encode(' cereal')[0];

let model: GPT2;
let fixed: GPT2;

/**
 * A model whose next-token distribution is the same everywhere: ln_f's gain is 0, so every final hidden state
 * is ln_f's bias b = 10·e0, and logits[v] = 10·wte[v][0]. Only END and X get wte[v][0] = 2 (logit 20), so
 * each step draws END or X with probability 1/2 each (every other token has about e^-20 of the mass).
 */
function fixedOutputModel(): GPT2 {
  const m = GPT2.create(PRESETS.tiny, 1);
  const C = m.config.n_embd;
  const V = m.config.vocab_size;
  m.weights.get('transformer.ln_f.weight')!.assign(tf.zeros([C]));
  const bias = new Float32Array(C);
  bias[0] = 10;
  m.weights.get('transformer.ln_f.bias')!.assign(tf.tensor1d(bias));
  const wte = m.weights.get('transformer.wte.weight')!;
  const data = wte.dataSync().slice();
  for (let v = 0; v < V; v++) data[v * C] = 0;
  data[END * C] = 2;
  data[X * C] = 2;
  wte.assign(tf.tensor2d(data, [V, C]));
  return m;
}

before(async () => {
  await initBackend();
  model = GPT2.create(PRESETS.tiny, 0);
  fixed = fixedOutputModel();
});

after(() => {
  model.dispose();
  fixed.dispose();
});

test('each row stops at exactly as many end tokens as blanks', async () => {
  for (const [text, blanks] of [
    ['She ate [MASK] for breakfast.', 1],
    ['She [MASK] ate [ngram] for [word] breakfast.', 3],
  ] as const) {
    const { prompt } = infillPrompt(text);
    const rows = await generateAnswers(fixed, prompt, blanks, new Rng(5), { n: 6 });
    for (const row of rows) {
      assert.equal(row.complete, true);
      assert.equal(row.generated.filter((id) => id === END).length, blanks);
      assert.equal(row.generated[row.generated.length - 1], END);
      assert.ok(row.generated.every((id) => id === END || id === X), 'the fixed model only emits END and X');
    }
    // Different rows stop at different lengths: per-row stopping, not one length for the batch.
    assert.ok(new Set(rows.map((r) => r.generated.length)).size > 1);
  }
});

test('the length limit stops a row that has not produced its end tokens', async () => {
  const { prompt } = infillPrompt('a [MASK] b [MASK] c [MASK] d [MASK] e [MASK]');
  const rows = await generateAnswers(fixed, prompt, 5, new Rng(0), { n: 4, maxNewTokens: 3 });
  for (const row of rows) {
    assert.ok(row.generated.length <= 3);
    assert.equal(row.complete, false);
    assert.equal(row.answers.length, 5);
  }
});

test('fills land in their blanks in order', async () => {
  const text = 'She [MASK] ate [ngram] for [word] breakfast.';
  const results = await infill(fixed, text, { n: 5, seed: 3 });
  for (const r of results) {
    // Expected from the generated ids alone: cut at END, the i-th answer goes to the i-th blank.
    const answers: string[] = [];
    let cur = '';
    for (const id of r.tokens) {
      if (id === END) {
        answers.push(cur);
        cur = '';
      } else cur += ' cereal';
    }
    assert.deepEqual(r.fills, answers);
    assert.equal(r.text, `She${answers[0]} ate${answers[1]} for${answers[2]} breakfast.`);
    assert.deepEqual(r.spans.map(([s, e]) => r.text.slice(s, e)), answers);
  }
});

test('the cached sampler sees the logits of a plain forward pass', async () => {
  const { prompt } = infillPrompt('Yesterday he [MASK] to school with [ngram].');
  const rows = await generateAnswers(model, prompt, 2, new Rng(1), { n: 3, maxNewTokens: 6, traceLogits: true });
  const V = model.config.vocab_size;
  for (const row of rows) {
    const seq = [...prompt, ...row.generated];
    const full = tf.tidy(() => model.logits(tf.tensor2d(Int32Array.from(seq.slice(0, seq.length - 1)), [1, seq.length - 1], 'int32')));
    const data = full.dataSync();
    full.dispose();
    row.trace!.forEach((logits, t) => {
      const at = (prompt.length - 1 + t) * V;
      let worst = 0;
      for (let v = 0; v < V; v++) worst = Math.max(worst, Math.abs(logits[v] - data[at + v]));
      assert.ok(worst < 1e-3, `step ${t}: max |cached - full| = ${worst}`);
    });
  }
});

test('same seed, same fills; another seed, other fills', async () => {
  const text = 'My favourite food is [MASK] and [MASK].';
  const a = await infill(model, text, { n: 3, seed: 7, maxNewTokens: 8 });
  const b = await infill(model, text, { n: 3, seed: 7, maxNewTokens: 8 });
  const c = await infill(model, text, { n: 3, seed: 8, maxNewTokens: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.map((r) => r.tokens), c.map((r) => r.tokens));
});

test('candidate log-probabilities equal summed token log-probabilities of a plain forward pass', async () => {
  const text = 'Yesterday he [MASK] to school.';
  const prompt = [...encode('Yesterday he'), WORD, ...encode(' to school.'), SEP];
  const ranked = await rank(model, text, ['goes', 'go', 'went to the big'], { scoring: 'blank' });
  for (const r of ranked) {
    const answer = [...encode(' ' + r.candidate), END];
    const seq = [...prompt, ...answer];
    const logits = tf.tidy(() => tf.logSoftmax(model.logits(tf.tensor2d(Int32Array.from(seq), [1, seq.length], 'int32'))));
    const lp = logits.dataSync();
    logits.dispose();
    const V = model.config.vocab_size;
    const perToken = answer.map((id, j) => lp[(prompt.length - 1 + j) * V + id]);
    const sum = perToken.reduce((a, b) => a + b, 0);
    assert.deepEqual(r.tokens.map((t) => t.id), answer);
    assert.ok(Math.abs(r.logProb - sum) < 1e-3, `${r.candidate}: ${r.logProb} vs ${sum}`);
    r.tokens.forEach((t, j) => assert.ok(Math.abs(t.logProb - perToken[j]) < 1e-3));
    assert.ok(Math.abs(r.meanLogProb - sum / answer.length) < 1e-3);
  }
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1].logProb >= ranked[i].logProb, 'sorted, most probable first');
  // The scorer's own plain-pass helper agrees too.
  const seq = [...prompt, ...encode(' goes'), END];
  const direct = await tokenLogProbs(model, seq, prompt.length);
  const goes = ranked.find((r) => r.candidate === 'goes')!;
  assert.ok(Math.abs(direct.reduce((a, b) => a + b, 0) - goes.logProb) < 1e-3);
});

test('several blanks: one fill per blank, separated by |', async () => {
  const [r] = await rank(model, 'He [MASK] to [MASK].', ['went|school']);
  assert.deepEqual(r.fills, [' went', ' school']);
  assert.equal(r.text, 'He went to school.');
  assert.equal(r.tokens.filter((t) => t.end).length, 2);
  await assert.rejects(rank(model, 'He [MASK] to [MASK].', ['went']), UserError);
});

test('scoring with-next-word: a word blank widened over the next word, scored as that n-gram blank written by hand', async () => {
  const text = 'She ate [MASK] apple after [MASK].';
  const wide = widenOverNextWord(parseBlanks(text));
  assert.deepEqual(wide.suffixes, [' apple', '']);
  assert.deepEqual(wide.parsed.blanks.map((b) => b.type), ['ngram', 'word']);
  assert.deepEqual(wide.parsed.pieces, ['She ate', ' after', '.']);
  // a typed n-gram blank, or a blank before punctuation, stays as written
  assert.deepEqual(widenOverNextWord(parseBlanks('It was [ngram] today, [MASK].')).suffixes, ['', '']);
  const ranked = await rank(model, text, ['an|lunch', 'a|lunch'], { scoring: 'with-next-word' });
  const byHand = await rank(model, 'She ate [ngram] after [MASK].', ['an apple|lunch', 'a apple|lunch']);
  for (const r of ranked) {
    const h = byHand.find((x) => x.candidate === r.candidate.replace('|', ' apple|'))!;
    assert.ok(Math.abs(r.logProb - h.logProb) < 1e-4, `${r.candidate}: ${r.logProb} vs ${h.logProb}`);
    assert.deepEqual(r.tokens.map((t) => t.id), h.tokens.map((t) => t.id));
    // what a person reads is the candidate's own fills in the original text
    assert.equal(r.text, `She ate ${r.fills[0].trim()} apple after lunch.`);
  }
  assert.deepEqual(ranked.find((r) => r.candidate === 'an|lunch')!.fills, [' an', ' lunch']);
  await assert.rejects(rank(model, text, ['an|lunch'], { scoring: 'nope' as never }), /scoring must be one of blank, with-next-word/);
  // with-next-word is the default
  assert.deepEqual(await rank(model, text, ['an|lunch', 'a|lunch']), ranked);
});

test("a candidate's share is its probability among the candidates, the same whichever scoring adds a shared factor", async () => {
  const text = 'She ate [MASK] apple.';
  const candidates = ['an', 'a', 'the red'];
  for (const scoring of ['blank', 'with-next-word'] as const) {
    const ranked = await rank(model, text, candidates, { scoring });
    const total = ranked.reduce((a, r) => a + Math.exp(r.logProb), 0);
    for (const r of ranked) assert.ok(Math.abs(r.share - Math.exp(r.logProb) / total) < 1e-9, `${scoring} ${r.candidate}`);
    assert.ok(Math.abs(ranked.reduce((a, r) => a + r.share, 0) - 1) < 1e-12);
  }
  // the fixed model: X then END has probability 1/4, another one-token fill about e^-20 as much, so X takes the share
  const [best, other] = await rank(fixed, 'I like [MASK] very much.', [' cereal', ' tea'], { scoring: 'blank' });
  assert.equal(best.candidate, ' cereal');
  assert.ok(best.share > 0.999999 && other.share < 1e-6, `${best.share} ${other.share}`);
  // 40 tokens of e^-20 each: log-probabilities near -800, where exp() alone gives 0 / 0; the shares stay whole
  const long = await rank(fixed, 'I like [MASK] very much.', [' tea'.repeat(40), ' milk'.repeat(40)], { scoring: 'blank' });
  assert.ok(long.every((r) => r.logProb < -760 && Number.isFinite(r.share)), JSON.stringify(long.map((r) => [r.logProb, r.share])));
  assert.ok(Math.abs(long[0].share + long[1].share - 1) < 1e-12);
});

test('top single-token fills: a known answer, and agreement with ranking', async () => {
  // The fixed model gives X then END probability 1/2 x 1/2; every other token is ~e^-20 as likely.
  const known = await topFills(fixed, 'I like [MASK] very much.', 1);
  assert.equal(known.exact, true);
  assert.equal(known.fills[0].id, X);
  assert.equal(known.fills[0].fill, ' cereal');
  assert.ok(Math.abs(known.fills[0].probability - 0.25) < 1e-3, `${known.fills[0].probability}`);
  // An untrained model is nearly uniform, so exactness would need every token: the cap is reported.
  const text = 'I like [MASK] very much.';
  const top = await topFills(model, text, 3, 40);
  assert.equal(top.fills.length, 3);
  assert.equal(top.exact, false);
  assert.equal(top.examined, 40);
  for (let i = 1; i < top.fills.length; i++) assert.ok(top.fills[i - 1].logProb >= top.fills[i].logProb);
  const ranked = await rank(model, text, [top.fills[0].fill], { scoring: 'blank' });
  assert.deepEqual(ranked[0].tokens.map((t) => t.id), [top.fills[0].id, END]);
  assert.ok(Math.abs(ranked[0].logProb - top.fills[0].logProb) < 1e-3);
  await assert.rejects(topFills(model, 'two [MASK] blanks [MASK]', 3), UserError);
});

test('a text too long for the model is a UserError', async () => {
  const long = `${'word '.repeat(300)}[MASK]`;
  await assert.rejects(infill(model, long, { n: 1 }), (e: unknown) => e instanceof UserError && /shorten/.test((e as Error).message));
});

test('harness scores, exact matches and ranks on the fixed model have known values', async () => {
  const { runHarness, parseModelSpec } = await import('../src/infill/harness');
  // Every word that can be masked is " cereal" (the first word never is).
  const texts = [{ id: 't1', level: 'A1', text: 'I cereal cereal cereal' }];
  const report = await runHarness([{ spec: parseModelSpec('ilm:fixed'), model: fixed }], texts, { samplesPerText: 8, seed: 1, nucleus: 1 });
  const r = report.texts[0].results['ilm:fixed'];
  assert.equal(report.texts[0].masks[0].original, ' cereal');
  // P(" cereal") = 1/2 as text; with its end token 1/4.
  assert.ok(Math.abs(r.logProb - Math.log(0.5)) < 1e-3, `${r.logProb}`);
  assert.ok(Math.abs(r.rankScore - Math.log(0.25)) < 1e-3, `${r.rankScore}`);
  const empty = r.samples.filter((s) => s.fills[0] === '').length; // END first: probability 1/2 > 1/4
  const same = r.samples.filter((s) => s.fills[0] === ' cereal').length;
  assert.equal(r.exactMatch, same / 8);
  assert.equal(r.rank, 1 + empty);
  assert.ok(empty > 0 && same > 0, 'eight draws at 1/2 and 1/4 should show both');
});
