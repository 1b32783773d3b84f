import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { encode } from 'gpt-tokenizer/cjs/encoding/r50k_base';
import { UserError } from '../src/runtime/errors';
import { encodeBlankedText, fillBlanks, markFills, normalizeFill, parseBlanks } from '../src/infill/blanks';
import { splitAnswers } from '../src/infill/infill';

// Token ids of the spec (section 3), written out so the test does not trust the code under test.
const SEP = 50257;
const END = 50258;
const TYPE = { document: 50259, paragraph: 50260, sentence: 50261, ngram: 50262, word: 50263 };

test('every blank form becomes its type, left to right', () => {
  const p = parseBlanks('[document] A [MASK] b [word] c [ngram] d [sentence] e [paragraph] f [mask] g [Word]');
  assert.deepEqual(
    p.blanks.map((b) => b.type),
    ['document', 'word', 'word', 'ngram', 'sentence', 'paragraph', 'word', 'word'],
  );
  assert.deepEqual(p.blanks.map((b) => b.written), ['[document]', '[MASK]', '[word]', '[ngram]', '[sentence]', '[paragraph]', '[mask]', '[Word]']);
  assert.equal(p.pieces.length, p.blanks.length + 1);
});

test('a blank takes the space before it; the text around is kept exactly', () => {
  const p = parseBlanks('She ate [MASK] for breakfast.\n[sentence] Then');
  assert.deepEqual(p.pieces, ['She ate', ' for breakfast.\n', ' Then']);
  assert.deepEqual(p.blanks.map((b) => b.spaceBefore), [true, false]);
  assert.deepEqual(p.blanks.map((b) => b.at), [8, 30]);
});

test('escaped and unknown brackets stay text; no blank is a UserError', () => {
  const p = parseBlanks('a \\[MASK] b [sic] c [MASK]');
  assert.equal(p.blanks.length, 1);
  assert.equal(p.pieces[0], 'a [MASK] b [sic] c');
  assert.throws(() => encodeBlankedText('no blank here [sic]'), (e: unknown) => e instanceof UserError && /\[MASK\]/.test((e as Error).message));
});

test('blanks are type token ids, never text; pieces are encoded separately', () => {
  const { context } = encodeBlankedText('She ate [MASK] for [ngram] this morning. <|startofinfill|>');
  const expected = [
    ...encode('She ate'),
    TYPE.word,
    ...encode(' for'),
    TYPE.ngram,
    ...encode(' this morning. <|startofinfill|>', { disallowedSpecial: new Set() }),
  ];
  assert.deepEqual(context.tokens, expected);
  assert.deepEqual(context.blankPositions, [2, 4]);
  // Typed special-token text stays ordinary text: no id at or above the separator outside the blanks.
  const special = context.tokens.filter((id) => id >= SEP);
  assert.deepEqual(special, [TYPE.word, TYPE.ngram]);
});

test('answers are cut at end tokens and land in their blanks in order', () => {
  const p = parseBlanks('She ate [MASK] for [ngram] this morning.');
  const cereal = encode(' cereal');
  const eggs = encode(' eggs and toast');
  const answers = splitAnswers([...cereal, END, ...eggs, END, ...encode(' ignored')], 2);
  assert.deepEqual(answers, [cereal, eggs]);
  const filled = fillBlanks(p, [' cereal', ' eggs and toast']);
  assert.equal(filled.text, 'She ate cereal for eggs and toast this morning.');
  assert.deepEqual(filled.spans.map(([s, e]) => filled.text.slice(s, e)), [' cereal', ' eggs and toast']);
  assert.equal(markFills(filled), 'She ate [[cereal]] for [[eggs and toast]] this morning.');
});

test('missing answers are empty; an unterminated last answer keeps what was generated', () => {
  const a = encode(' a');
  assert.deepEqual(splitAnswers([...a, END], 3), [a, [], []]);
  assert.deepEqual(splitAnswers([...a, END, ...a], 3), [a, a, []]);
  assert.deepEqual(splitAnswers([], 2), [[], []]);
});

test('a typed candidate gets the space its blank took', () => {
  const p = parseBlanks('Yesterday he [MASK] to school.\n[MASK]');
  assert.equal(normalizeFill(p.blanks[0], 'goes'), ' goes');
  assert.equal(normalizeFill(p.blanks[0], ' goes'), ' goes');
  assert.equal(normalizeFill(p.blanks[1], 'Then'), 'Then');
});

test('decoding is a pure function even after a token that ends inside a character', async () => {
  const { decodeTokens } = await import('../src/infill/vocab');
  const smile = encode('😀'); // four bytes in two tokens
  assert.equal(smile.length, 2);
  assert.equal(decodeTokens([smile[0]]), '\uFFFD');
  assert.equal(decodeTokens(encode(' hello')), ' hello'); // not '\uFFFD hello': nothing carried over
  assert.equal(decodeTokens(smile), '😀');
});
