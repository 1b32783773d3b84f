import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FEATURE_NAMES, FEATURE_DOCS, textFeatures, mtld, mtldPass, words, sentences, vocabLevel, isKnownWord, lemmaCandidates } from '../src/features/text-features';

const f = (text: string) => {
  const v = textFeatures(text);
  return Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, v[i]]));
};
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test('every feature has a name and a documented reference, and the vector has their length', () => {
  assert.equal(new Set(FEATURE_NAMES).size, FEATURE_NAMES.length);
  for (const n of FEATURE_NAMES) assert.ok(FEATURE_DOCS[n] && FEATURE_DOCS[n].length > 20, n);
  assert.equal(textFeatures('Hello.').length, FEATURE_NAMES.length);
});

test('tokenisation: words with apostrophes and hyphens, numbers left out, sentences split on end marks and lines', () => {
  assert.deepEqual(words("I don't like bad-tempered dogs, 42 times."), ['I', "don't", 'like', 'bad-tempered', 'dogs', 'times']);
  assert.deepEqual(sentences('It rains. Does it? Yes!\nNew line without stop'), ['It rains', 'Does it', 'Yes', 'New line without stop']);
  assert.deepEqual(sentences('Mr... ... '), ['Mr']);
});

test('MTLD by hand (McCarthy & Jarvis 2010)', () => {
  // a a a a: TTR 1/2 <= .72 after 2 tokens, twice: 2 factors, 4 / 2 = 2 both ways
  close(mtld(['a', 'a', 'a', 'a']), 2);
  // a b a b c forward: factor after "a b a" (2/3), remainder "b c" TTR 1 adds 0: 5 / 1.
  // backward c b a b a: TTR 3/4 then 3/5 <= .72: one factor, nothing left: 5 / 1.
  close(mtld(['a', 'b', 'a', 'b', 'c']), 5);
  // partial factor: "a b b" forward: TTR 1, 1, 2/3 -> factor; then nothing: 3. backward "b b a": 1/2 -> factor,
  // remainder "a" TTR 1 adds 0: 3.
  close(mtld(['a', 'b', 'b']), 3);
  // remainder with TTR .8: "a b c d a" never falls: factors = (1 - .8) / .28, MTLD = 5 / (0.2 / 0.28) = 7
  close(mtldPass(['a', 'b', 'c', 'd', 'a']), 7, 1e-9);
  // all different: no factor, the value is the number of words
  close(mtld(['x', 'y', 'z']), 3);
  // case-folded
  close(mtld(['A', 'a', 'A', 'a']), 2);
});

test('length, mean lengths, punctuation and capitalisation on a hand-counted text', () => {
  const r = f('The cat sat. i saw it, and I ran!');
  assert.equal(r.chars, 33);
  assert.equal(r.words, 9);
  assert.equal(r.sentences, 2);
  close(r.mean_word_length, (3 + 3 + 3 + 1 + 3 + 2 + 3 + 1 + 3) / 9);
  close(r.mean_sentence_length, 4.5);
  close(r.punctuation_rate, 3 / 9); // . , !
  close(r.comma_rate, 1 / 2);
  close(r.capital_letter_rate, 2 / 22); // T and I of 22 letters
  close(r.sentence_initial_capital, 1 / 2);
  close(r.lowercase_i_rate, 1 / 2);
  close(r.misspelling_rate, 0);
});

test('misspelling rate counts words the dictionary rejects', () => {
  assert.equal(isKnownWord('brother'), true);
  assert.equal(isKnownWord('borther'), false);
  assert.equal(isKnownWord('Paris'), true);
  assert.equal(isKnownWord('The'), true);
  const r = f('My borther has a dog and everday he walks it.');
  close(r.misspelling_rate, 2 / 10);
});

test('vocabulary profile: CEFR-J levels of real words, through inflections, shares summing to 1', () => {
  assert.equal(vocabLevel('the'), 0); // A1
  assert.equal(vocabLevel('children'), 0); // child, A1
  assert.equal(vocabLevel('went'), 0); // go
  assert.equal(vocabLevel('exterior'), 4); // Octanove C1
  assert.equal(vocabLevel('xqzzy'), -1);
  assert.ok(lemmaCandidates('stopped').includes('stop'));
  assert.ok(lemmaCandidates('studies').includes('study'));
  const r = f('The children went to the exterior of the xqzzy.');
  close(r.vp_a1 + r.vp_a2 + r.vp_b1 + r.vp_b2 + r.vp_c1 + r.vp_c2 + r.vp_unlisted, 1, 1e-12);
  close(r.vp_c1, 1 / 9);
  close(r.vp_unlisted, 1 / 9);
});

test('frequency bands: "you" is rank 1 of OpenSubtitles, contractions by their first part, unknown words off-list', () => {
  const r = f("you don't xqzzy");
  close(r.freq_k1, 2 / 3);
  close(r.freq_offlist, 1 / 3);
  close(r.freq_mean_log10_rank, (Math.log10(1) + Math.log10(31) + 5) / 3, 1e-12); // "don" is rank 31
});

test('an empty or word-less text gives a finite vector of zeros apart from its length', () => {
  for (const t of ['', '   ', '123 456']) {
    const v = textFeatures(t);
    assert.ok(v.every((x) => Number.isFinite(x)));
    assert.equal(v[1], 0);
  }
  assert.equal(textFeatures('123')[0], 3);
});

test('fast: a thousand learner texts in well under a second of CPU after loading', () => {
  textFeatures('warm up');
  const text = 'everyday i get up at 8 a clock. I always turn my music on. To have a nice day. Firstly, i take my shower.';
  // CPU time, not wall time: the test must not fail because the machine is busy with other work
  const c0 = process.cpuUsage();
  for (let i = 0; i < 1000; i++) textFeatures(text + ` ${i}`);
  const c = process.cpuUsage(c0);
  const seconds = (c.user + c.system) / 1e6;
  assert.ok(seconds < 2, `${seconds.toFixed(2)} s of CPU`);
});
