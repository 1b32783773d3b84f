/** The character Kneser-Ney model: hand-computed toy probabilities, normalisation, Fisher score by finite difference. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BOS, EOS, UNK, CharLm, modifiedKnDiscounts, typeWeight } from '../src/charlm/kn';
import { Rng } from '../src/runtime/rng';

const close = (a: number, b: number, tol = 1e-12, msg?: string) => assert.ok(Math.abs(a - b) <= tol, `${msg ?? ''} ${a} vs ${b}`);

test('modified Kneser-Ney discounts from count-of-counts (Chen & Goodman eq. 26)', () => {
  // Y = 10/(10+10) = .5; D1 = 1 - 2(.5)(5/10) = .5; D2 = 2 - 3(.5)(3/5) = 1.1; D3+ = 3 - 4(.5)(2/3) = 5/3
  const [d1, d2, d3] = modifiedKnDiscounts(10, 5, 3, 2);
  close(d1, 0.5);
  close(d2, 1.1);
  close(d3, 5 / 3);
  // undefined ones fall back to j/2
  assert.deepEqual(modifiedKnDiscounts(1, 0, 0, 0), [1, 1, 1.5]); // D1 = 1 - 0; D2, D3 undefined (0/0): j/2
});

test('toy corpus {a, ab}, order 2, D = (.5, 1, 1.5): hand-computed probabilities', () => {
  const lm = CharLm.train([['a', 1], ['ab', 1]], { order: 2, discounts: [0.5, 1, 1.5] });
  // adjusted unigram counts are continuation counts: a after {<s>} = 1, </s> after {a, b} = 2, b after {a} = 1
  assert.equal(lm.count('a'), 1);
  assert.equal(lm.count(EOS), 2);
  assert.equal(lm.count('b'), 1);
  assert.equal(lm.count(BOS + 'a'), 2); // starts with <s>: raw count
  assert.deepEqual(lm.vocab, ['a', 'b', EOS, UNK]);
  // order 1: T = 4, N1 = 2, N2 = 1, gamma = (.5*2 + 1*1)/4 = .5; p(a) = .5/4 + .5/4 = .25, p(</s>) = 1/4 + .125
  close(lm.prob('a', ''), 0.25);
  close(lm.prob('b', ''), 0.25);
  close(lm.prob(EOS, ''), 0.375);
  close(lm.prob(UNK, ''), 0.125);
  // context <s>: T = 2, one n-gram with count 2, gamma = 1/2; p(a|<s>) = (2-1)/2 + .5 * .25
  close(lm.prob('a', BOS), 0.625);
  close(lm.prob('b', BOS), 0.125);
  // context a: {a</s>:1, ab:1}, gamma = .5*2/2; p(b|a) = .5/2 + .5*.25; p(</s>|a) = .25 + .5*.375
  close(lm.prob('b', 'a'), 0.375);
  close(lm.prob(EOS, 'a'), 0.4375);
  // context b: {b</s>:1}, gamma = .5; p(</s>|b) = .5 + .5*.375
  close(lm.prob(EOS, 'b'), 0.6875);
  close(lm.logProb('ab'), Math.log(0.625 * 0.375 * 0.6875));
  // unseen characters are <unk>; an unseen context backs off to the unigram distribution
  close(lm.prob('z', ''), lm.prob(UNK, ''));
  close(lm.logProb('az'), Math.log(0.625) + Math.log(lm.prob(UNK, 'a')) + Math.log(lm.prob(EOS, UNK)));
  close(lm.prob(EOS, UNK), 0.375);
});

const corpus: Array<[string, number]> = 'the then there these this that than thin think thing things bring ring rang sing sang song long along a an and sand hand handle candle'
  .split(' ')
  .map((w, i) => [w, typeWeight('log', 1 + ((i * 37) % 50), 1)]);

test('probabilities sum to one over the vocabulary in every context (orders 1-5, estimated discounts)', () => {
  for (const order of [1, 2, 3, 5]) {
    const lm = CharLm.train(corpus, { order });
    const contexts = new Set<string>(['', BOS, 'zzzz', BOS + 'q', UNK]);
    for (const [w] of corpus) {
      const seq = BOS + w + EOS;
      for (let i = 1; i < seq.length; i++) contexts.add(seq.slice(Math.max(0, i - order + 1), i));
    }
    for (const h of contexts) {
      const sum = lm.distribution(h).reduce((a, b) => a + b, 0);
      close(sum, 1, 1e-12, `order ${order} context ${JSON.stringify(h)}`);
    }
    for (const d of lm.discounts) for (let j = 0; j < 3; j++) assert.ok(d[j] >= 0 && d[j] <= j + 1);
  }
});

test('Fisher score equals a central finite difference of the log-likelihood', () => {
  const lm = CharLm.train(corpus, { order: 4 });
  for (const word of ['thing', 'handles', 'sang', 'xyz', 'a']) {
    const fs = lm.fisherScore(word);
    assert.ok(fs.size > 0);
    for (const [gram, value] of fs) {
      const eps = 1e-6;
      const fd = (lm.logProb(word, { gram, delta: eps }) - lm.logProb(word, { gram, delta: -eps })) / (2 * eps);
      assert.ok(Math.abs(fd - value) <= 1e-5 * Math.max(1, Math.abs(value)), `${word} ${JSON.stringify(gram)}: ${value} vs ${fd}`);
    }
    // n-grams that are not in the word have zero gradient
    const fd0 = (lm.logProb(word, { gram: 'ong', delta: 1e-6 }) - lm.logProb(word, { gram: 'ong', delta: -1e-6 })) / 2e-6;
    if (!fs.has('ong')) close(fd0, 0, 1e-9);
  }
});

test('serialised model gives the same probabilities; sampling is seeded', () => {
  const lm = CharLm.train(corpus, { order: 3 });
  const back = CharLm.fromData(JSON.parse(JSON.stringify(lm.toData())));
  for (const w of ['thing', 'qq', 'sand']) close(back.logProb(w), lm.logProb(w), 0);
  const a = Array.from({ length: 5 }, ((r) => () => lm.sample(r, 1))(new Rng(3)));
  const b = Array.from({ length: 5 }, ((r) => () => lm.sample(r, 1))(new Rng(3)));
  assert.deepEqual(a, b);
  for (const w of a) assert.match(w, /^[a-z]*$/);
});
