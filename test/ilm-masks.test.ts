/** Hierarchical masks and example acceptance (spec section 2) on real learner text. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Rng } from '../src/runtime/rng';
import { limitSpans, sampleHierarchical, sampleInitialWord, sampleRandomWords, sampleSingle, validSpans, type MaskSpan } from '../src/ilm/masks';
import { documentExamples, emptyStats, type GenerateOptions } from '../src/ilm/generate';
import { documentUnits } from '../src/ilm/units';
import { MASK_TYPE_CODE } from '../src/tokenize/gpt2-bpe';
import { learnerTexts } from './ilm-fixtures';
import { resolveOptions } from '../src/ilm/examples';
import { isFunctionWord } from '../src/ilm/function-words';

const OPTS: GenerateOptions = { task: 'ilm', mask: 'hierarchical', p: 0.03, pWord: null, pFunction: null, examplesPerDoc: 16, maxRetries: 16, minSpans: null, maxSpans: null, allowDuplicates: false, seqLen: 256, skipIncomplete: false, seed: 0 };
const T = MASK_TYPE_CODE;

test('p = 1 masks the whole document; a single-sentence document has exactly one sentence mask', () => {
  const doc = 'My favourite food is pizza because it is delicious.';
  const u = documentUnits(doc);
  assert.deepEqual(sampleHierarchical(u, new Rng(1), 1), [{ start: 0, end: doc.length, type: T.document }]);
  assert.deepEqual(sampleSingle(u, new Rng(1), 'sentence'), [{ start: 0, end: doc.length, type: T.sentence }]);
  const w = sampleSingle(u, new Rng(5), 'word')[0];
  assert.ok(u.paragraphs[0].sentences[0].words.some(([a, b]) => a === w.start && b === w.end));
});

test('every sampled span is a unit of its type, spans are sorted, disjoint and within one sentence', () => {
  const texts = learnerTexts(60).map((t) => t.text);
  let masks = 0;
  for (const text of texts) {
    const u = documentUnits(text);
    const paras = new Set(u.paragraphs.map((p) => p.span.join()));
    const sents = u.paragraphs.flatMap((p) => p.sentences);
    const sentSet = new Set(sents.map((s) => s.span.join()));
    const wordStarts = new Set(sents.flatMap((s) => s.words.map((w) => w[0])));
    const wordEnds = new Set(sents.flatMap((s) => s.words.map((w) => w[1])));
    const wordSet = new Set(sents.flatMap((s) => s.words.map((w) => w.join())));
    const rng = new Rng(42);
    for (let k = 0; k < 30; k++) {
      const spans = sampleHierarchical(u, rng, 0.1);
      masks++;
      assert.ok(validSpans(spans, text.length));
      for (const s of spans) {
        const key = `${s.start},${s.end}`;
        if (s.type === T.document) assert.deepEqual([s.start, s.end, spans.length], [0, text.length, 1]);
        else if (s.type === T.paragraph) assert.ok(paras.has(key));
        else if (s.type === T.sentence) assert.ok(sentSet.has(key));
        else if (s.type === T.word) assert.ok(wordSet.has(key));
        else {
          assert.ok(wordStarts.has(s.start) && wordEnds.has(s.end));
          const inside = sents.find((x) => x.span[0] <= s.start && s.end <= x.span[1]);
          assert.ok(inside, `ngram ${JSON.stringify(text.slice(s.start, s.end))} crosses a sentence boundary`);
          const n = inside.words.filter((w) => w[0] >= s.start && w[1] <= s.end).length;
          assert.ok(n >= 1 && n <= 8, `ngram of ${n} words`);
        }
      }
    }
  }
  assert.equal(masks, 1800);
});

test('each level is masked with probability p (document level: 3 % of draws)', () => {
  const u = documentUnits(learnerTexts(1)[0].text);
  const rng = new Rng(7);
  let docs = 0;
  const N = 20000;
  for (let i = 0; i < N; i++) if (sampleHierarchical(u, rng, 0.03)[0]?.type === T.document) docs++;
  // binomial sd = sqrt(N p (1-p)) = 24; allow 4 sd
  assert.ok(Math.abs(docs - 0.03 * N) < 100, `document masks ${docs} of ${N}`);
});

test('a mask cut to maxSpans keeps a subset in left-to-right order (reference defect fixed)', () => {
  const spans: MaskSpan[] = Array.from({ length: 10 }, (_, i) => ({ start: 10 * i, end: 10 * i + 5, type: T.word }));
  for (let seed = 0; seed < 50; seed++) {
    const kept = limitSpans(spans, 3, new Rng(seed));
    assert.equal(kept.length, 3);
    assert.ok(kept[0].start < kept[1].start && kept[1].start < kept[2].start);
    assert.ok(kept.every((k) => spans.includes(k)));
  }
});

test('tiny p gives one empty mask per document; the other 15 slots fail 16 times each as duplicates', () => {
  const text = learnerTexts(3)[2].text;
  const stats = emptyStats(16);
  const r = documentExamples(text, 0, { ...OPTS, p: 1e-12 }, stats);
  assert.deepEqual(r.examples, [[]]);
  assert.equal(stats.failures.duplicate, 15 * 16);
  assert.equal(stats.examples, 1);
});

test('min-spans, max-spans and single-type limits: at most one example per sentence of a document', () => {
  const text = 'I like football. My brother likes tennis. We play every Sunday.';
  const stats = emptyStats(16);
  const r = documentExamples(text, 3, { ...OPTS, mask: 'sentence' }, stats);
  assert.equal(r.examples.length, 3);
  assert.deepEqual(r.examples.map((e) => text.slice(e[0].start, e[0].end)).sort(), ['I like football.', 'My brother likes tennis.', 'We play every Sunday.']);
  const limited = documentExamples(learnerTexts(1)[0].text, 1, { ...OPTS, p: 0.3, minSpans: 2, maxSpans: 2 }, emptyStats(16));
  assert.ok(limited.examples.length > 0 && limited.examples.every((e) => e.length === 2 && e[0].end <= e[1].start));
});

test('character mask rate on the embedded learner data is near the spec\'s 14-16 %', () => {
  const stats = emptyStats(16);
  learnerTexts(250).forEach((t, i) => documentExamples(t.text, i, OPTS, stats));
  const rate = stats.maskedChars / stats.exampleChars;
  assert.ok(rate > 0.12 && rate < 0.17, `char mask rate ${rate}`);
  assert.ok(stats.examples / stats.documents > 15.5, `examples per document ${stats.examples / stats.documents}`);
});

test('the same document, index and seed give the same examples; another index gives others', () => {
  const text = learnerTexts(5)[4].text;
  const a = documentExamples(text, 11, OPTS);
  const b = documentExamples(text, 11, OPTS);
  const c = documentExamples(text, 12, OPTS);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.examples, c.examples);
});

test('pWord changes only the word walk: word and n-gram starts at pWord, whole-unit masks still at p', () => {
  const u = documentUnits(learnerTexts(1)[0].text);
  const words = u.paragraphs.flatMap((p) => p.sentences).reduce((a, s) => a + s.words.length, 0);
  const rng = new Rng(11);
  const N = 4000;
  let docs = 0;
  let starts = 0;
  let walked = 0;
  for (let i = 0; i < N; i++) {
    const spans = sampleHierarchical(u, rng, 0.03, 0.2);
    if (spans[0]?.type === T.document) docs++;
    else if (spans.every((s) => s.type === T.word || s.type === T.ngram)) {
      starts += spans.length;
      // words walked: every word except those an n-gram swallowed after its first
      walked += words - spans.reduce((a, s) => a + (s.type === T.ngram ? u.paragraphs.flatMap((p) => p.sentences).flatMap((x) => x.words).filter((w) => w[0] >= s.start && w[1] <= s.end).length - 1 : 0), 0);
    }
  }
  // document level: binomial sd sqrt(4000 * 0.03 * 0.97) = 10.8; allow 4 sd
  assert.ok(Math.abs(docs - 0.03 * N) < 44, `document masks ${docs} of ${N}`);
  const rate = starts / walked;
  assert.ok(Math.abs(rate - 0.2) < 0.01, `word-walk rate ${rate.toFixed(4)}, expected 0.2`);
  // and the default (pWord = p) draws exactly what the three-argument call draws
  assert.deepEqual(sampleHierarchical(u, new Rng(3), 0.1, 0.1), sampleHierarchical(u, new Rng(3), 0.1));
});

test('pWord reaches the example generator (denser word blanks) and is validated', () => {
  const text = learnerTexts(3)[1].text;
  const count = (pWord: number | null) => documentExamples(text, 0, { ...OPTS, pWord }, emptyStats(16)).examples.flat().filter((s) => s.type === T.word || s.type === T.ngram).length;
  assert.ok(count(0.2) > 3 * count(null), `word/ngram spans: ${count(0.2)} at pWord 0.2 vs ${count(null)} at p`);
  assert.throws(() => resolveOptions({ pWord: 1.5 }), /--p-word must be a probability in \(0, 1\], got 1.5/);
  assert.equal(resolveOptions({}).pWord, null);
});

test('initial-word masks blank the first word of a sentence, every sentence in turn, and the examples say so', () => {
  const doc = 'Yesterday we went to the park. It was sunny and warm.\n\nMy sister has two dogs.';
  const u = documentUnits(doc);
  const firsts = new Set(u.paragraphs.flatMap((p) => p.sentences).map((s) => doc.slice(s.words[0][0], s.words[0][1])));
  assert.deepEqual([...firsts].sort(), ['It', 'My', 'Yesterday']);
  const seen = new Set<string>();
  const rng = new Rng(3);
  for (let k = 0; k < 60; k++) {
    const spans = sampleInitialWord(u, rng);
    assert.equal(spans.length, 1);
    assert.equal(spans[0].type, T.word);
    seen.add(doc.slice(spans[0].start, spans[0].end));
  }
  assert.deepEqual([...seen].sort(), [...firsts].sort());
  assert.deepEqual(sampleInitialWord(documentUnits('   '), new Rng(1)), []);
  // through the generator: three examples of this document, one per sentence (no duplicates), answers the first words
  const { examples } = documentExamples(doc, 0, { ...OPTS, mask: 'initial-word', examplesPerDoc: 3 });
  assert.deepEqual(examples.map((ex) => doc.slice(ex[0].start, ex[0].end)).sort(), [...firsts].sort());
  assert.equal(resolveOptions({ mask: 'initial-word' }).mask, 'initial-word');
});

test('random-words masks blank each word with probability p, every blank a word, never none', () => {
  const texts = learnerTexts(40).map((t) => t.text);
  const rng = new Rng(7);
  let words = 0;
  let blanks = 0;
  for (const text of texts) {
    const u = documentUnits(text);
    const wordSet = new Set(u.paragraphs.flatMap((p) => p.sentences).flatMap((s) => s.words.map((w) => w.join())));
    for (let k = 0; k < 10; k++) {
      const spans = sampleRandomWords(u, rng, 0.15);
      assert.ok(spans.length >= 1);
      assert.ok(validSpans(spans, text.length));
      for (const s of spans) {
        assert.equal(s.type, T.word);
        assert.ok(wordSet.has(`${s.start},${s.end}`), 'a blank is exactly one word');
      }
      words += wordSet.size;
      blanks += spans.length;
    }
  }
  // 15 % of the words (the at-least-one rule adds next to nothing on texts of this length)
  assert.ok(Math.abs(blanks / words - 0.15) < 0.01, `blank rate ${(blanks / words).toFixed(4)}`);
  // a draw of no word falls back to one uniform word
  const one = documentUnits('Short text here.');
  assert.equal(sampleRandomWords(one, new Rng(1), 1e-9).length, 1);
  // through the generator: several word blanks per example, validated as a mask kind
  const text = learnerTexts(3)[1].text;
  const { examples } = documentExamples(text, 0, { ...OPTS, mask: 'random-words', p: 0.15, examplesPerDoc: 4 });
  assert.equal(examples.length, 4);
  assert.ok(examples.every((ex) => ex.length >= 1 && ex.every((s) => s.type === T.word)));
  assert.ok(examples.some((ex) => ex.length > 1));
  assert.equal(resolveOptions({ mask: 'random-words' }).mask, 'random-words');
});

test('random-words with pFunction: function words get their own probability, every other word keeps p', () => {
  assert.ok(isFunctionWord('The') && isFunctionWord('an') && isFunctionWord("n't") && isFunctionWord('since'));
  assert.ok(!isFunctionWord('school') && !isFunctionWord('goes') && !isFunctionWord('.'));
  const texts = learnerTexts(60).map((t) => t.text);
  const rng = new Rng(11);
  const seen = { fn: 0, fnBlank: 0, other: 0, otherBlank: 0 };
  for (const text of texts) {
    const u = documentUnits(text);
    const words = u.paragraphs.flatMap((p) => p.sentences).flatMap((s) => s.words);
    for (let k = 0; k < 10; k++) {
      const blanked = new Set(sampleRandomWords(u, rng, 0.05, { text, p: 0.4 }).map((s) => s.start));
      for (const [a, b] of words) {
        const fn = isFunctionWord(text.slice(a, b));
        seen[fn ? 'fn' : 'other']++;
        if (blanked.has(a)) seen[fn ? 'fnBlank' : 'otherBlank']++;
      }
    }
  }
  assert.ok(seen.fn > 1000 && seen.other > 1000, JSON.stringify(seen));
  assert.ok(Math.abs(seen.fnBlank / seen.fn - 0.4) < 0.03, `function words: ${(seen.fnBlank / seen.fn).toFixed(3)}`);
  assert.ok(Math.abs(seen.otherBlank / seen.other - 0.05) < 0.015, `other words: ${(seen.otherBlank / seen.other).toFixed(3)}`);
  // through the options: validated, and only with random-words
  assert.equal(resolveOptions({ mask: 'random-words', p: 0.05, pFunction: 0.25 }).pFunction, 0.25);
  assert.throws(() => resolveOptions({ mask: 'random-words', pFunction: 1.5 }), /--p-function must be a probability in \(0, 1\], got 1.5/);
  assert.throws(() => resolveOptions({ mask: 'hierarchical', pFunction: 0.25 }), /--p-function applies to --mask random-words, not hierarchical\. Fix/);
  const text = texts[5];
  const a = documentExamples(text, 0, { ...OPTS, mask: 'random-words', p: 0.05, pFunction: 0.5, examplesPerDoc: 4 }).examples.flat();
  assert.ok(a.filter((s) => isFunctionWord(text.slice(s.start, s.end))).length > a.length / 2, 'most blanks are function words');
});
