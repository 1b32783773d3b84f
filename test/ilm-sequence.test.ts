/** Tokens and the training sequence (spec section 3), token for token on the spec's example. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildSequence, spansToRuns, TARGET } from '../src/ilm/sequence';
import { coveringTokens, decodeTokens, encodeText, END_OF_INFILL, ILM_VOCAB, INFILL_NGRAM, INFILL_WORD, START_OF_INFILL, tokenizeWithOffsets } from '../src/tokenize/gpt2-bpe';
import { MASK_TYPE_CODE } from '../src/tokenize/gpt2-bpe';

const W = MASK_TYPE_CODE.word;

test('the spec example sentence, token for token, with target types', () => {
  const text = 'She ate cereal for breakfast this morning!';
  const tok = tokenizeWithOffsets(text);
  // GPT-2 r50k_base: "She" " ate" " cereal" " for" " breakfast" " this" " morning" "!"
  assert.deepEqual(tok.ids, [3347, 15063, 33158, 329, 12607, 428, 3329, 0]);
  const spans = [
    { start: text.indexOf('cereal'), end: text.indexOf('cereal') + 6, type: W },
    { start: text.indexOf('breakfast'), end: text.indexOf('!'), type: W },
  ];
  const runs = spansToRuns(tok, spans)!;
  // the blank takes the leading space: " cereal" is token 2, " breakfast this morning" tokens 4..6
  assert.deepEqual(runs, [
    { tokStart: 2, tokEnd: 3, type: W },
    { tokStart: 4, tokEnd: 7, type: W },
  ]);
  const seq = buildSequence(tok.ids, runs, 16);
  assert.equal(seq.length, 13);
  assert.deepEqual(Array.from(seq.tokens), [3347, 15063, INFILL_WORD, 329, INFILL_WORD, 0, START_OF_INFILL, 33158, END_OF_INFILL, 12607, 428, 3329, END_OF_INFILL, 0, 0, 0]);
  const { context: c, blank: b, separator: s, answer: a, endOfAnswer: e, pad: p } = TARGET;
  assert.deepEqual(Array.from(seq.types), [c, c, b, c, b, c, s, a, e, a, a, a, e, p, p, p]);
  assert.equal(
    decodeTokens(seq.tokens.subarray(0, seq.length)),
    'She ate<|infill_word|> for<|infill_word|>!<|startofinfill|> cereal<|endofinfill|> breakfast this morning<|endofinfill|>',
  );
});

test('a sequence longer than seqLen is shortened around its blank, keeping the answer', () => {
  const text = 'She ate cereal for breakfast this morning!';
  const tok = tokenizeWithOffsets(text);
  const runs = spansToRuns(tok, [{ start: 8, end: 14, type: MASK_TYPE_CODE.ngram }])!;
  const seq = buildSequence(tok.ids, runs, 6);
  assert.equal(seq.length, 11);
  // one token of context on each side of the blank, the separator, the answer and its end
  assert.deepEqual(Array.from(seq.tokens), [15063, INFILL_NGRAM, 329, START_OF_INFILL, tok.ids[2], END_OF_INFILL]);
  assert.deepEqual(Array.from(seq.types), [1, 2, 1, 3, 4, 5]);
});

test('text that looks like an ILM token stays plain text', () => {
  for (const s of ['<|startofinfill|>', 'a <|endofinfill|> b', '<|infill_word|>', '<|endoftext|>']) {
    const ids = encodeText(s);
    assert.ok(ids.every((id) => id < 50256), `${s} -> ${ids}`);
    assert.equal(decodeTokens(ids), s);
  }
  assert.equal(ILM_VOCAB, 50264);
});

test('two spans inside one token overlap as token runs: the mask is dropped', () => {
  const text = 'She ate cereal for breakfast this morning!';
  const tok = tokenizeWithOffsets(text);
  const b = text.indexOf('breakfast');
  assert.equal(spansToRuns(tok, [{ start: b, end: b + 5, type: W }, { start: b + 5, end: b + 9, type: W }]), null);
  // adjacent spans on different tokens are fine
  assert.ok(spansToRuns(tok, [{ start: 0, end: 3, type: W }, { start: 3, end: 7, type: W }]));
});

test('character spans map onto tokens in non-ASCII text (multi-byte and surrogate pairs)', () => {
  const text = 'Je suis allé au café 😀 avec Zoë.';
  const tok = tokenizeWithOffsets(text);
  for (const word of ['allé', 'café', '😀', 'Zoë']) {
    const start = text.indexOf(word);
    const [a, b] = coveringTokens(tok, start, start + word.length);
    assert.equal(decodeTokens(tok.ids.slice(a, b)), ' ' + word, word);
  }
});

test('decoding is a pure function: ids ending inside a character do not change the next decode', () => {
  const ids = encodeText('café ☕ naïve');
  const fresh = decodeTokens(encodeText('hello there'));
  // Cut inside the multi-byte "☕": its bytes span several byte-level tokens.
  const cut = ids.slice(0, ids.length - 3);
  decodeTokens(cut);
  assert.equal(decodeTokens(encodeText('hello there')), fresh);
  assert.equal(decodeTokens(ids), 'café ☕ naïve');
});
