/**
 * BERT's WordPiece tokenizer on hand-written cases whose pieces were derived by hand from the rules in
 * src/tokenize/wordpiece.ts and the small vocabulary in test/fixtures/bert-wordpiece/vocab.txt (ids are line
 * numbers from 0: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, ..., un 5, ##want 6, ##ed 7, runn 8, ##ing 9).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WordPieceTokenizer, readVocab, isPunctuation, stripAccents } from '../src/tokenize/wordpiece';
import { UserError } from '../src/runtime/errors';

const FIXTURE = path.join(__dirname, 'fixtures', 'bert-wordpiece');
const vocab = readVocab(path.join(FIXTURE, 'vocab.txt'));
const uncased = WordPieceTokenizer.fromDir(FIXTURE);

test('vocab.txt: line numbers are ids', () => {
  assert.equal(vocab.size, 40);
  assert.equal(vocab.get('[PAD]'), 0);
  assert.equal(vocab.get('##want'), 6);
  assert.equal(vocab.get('the'), 39);
});

test('the classic example: lower-casing, accent stripping, punctuation split, ## pieces', () => {
  assert.deepEqual(uncased.basicTokenize('UNwant\u00E9d,running'), ['unwanted', ',', 'running']);
  assert.deepEqual(uncased.tokenize('UNwant\u00E9d,running'), ['un', '##want', '##ed', ',', 'runn', '##ing']);
  assert.deepEqual(uncased.encode('UNwant\u00E9d,running', 450).ids, [2, 5, 6, 7, 11, 8, 9, 3]);
});

test('whitespace cleanup and punctuation', () => {
  assert.deepEqual(uncased.basicTokenize(' \tHeLLo!how  \n Are yoU?  '), ['hello', '!', 'how', 'are', 'you', '?']);
  // ASCII symbols that Unicode does not call punctuation ($ ^ `) are split too; so is Unicode punctuation («).
  assert.deepEqual(uncased.basicTokenize('a$b^c`d\u00ABe'), ['a', '$', 'b', '^', 'c', '`', 'd', '\u00AB', 'e']);
  assert.ok(isPunctuation('$') && isPunctuation('\u2014') && !isPunctuation('a') && !isPunctuation('\u00E9'));
  // No-break space (Zs) and a non-ASCII line break are whitespace.
  assert.deepEqual(uncased.basicTokenize('hello\u00A0world'), ['hello', 'world']);
  assert.deepEqual(uncased.basicTokenize('hello\u2028world\u2029again'), ['hello', 'world', 'again']);
});

test('control characters are removed, including format characters (soft hyphen, zero-width space)', () => {
  assert.deepEqual(uncased.basicTokenize('hel\u0000lo\u0007 wor\u00ADld\u200B\uFFFD'), ['hello', 'world']);
});

test('CJK ideographs become single words; kana is not split', () => {
  assert.deepEqual(uncased.basicTokenize('ah\u535A\u63A8zz'), ['ah', '\u535A', '\u63A8', 'zz']);
  assert.deepEqual(uncased.tokenize('ah\u535A\u63A8zz'), ['ah', '博', '推', 'zz']);
  assert.deepEqual(uncased.basicTokenize('\u3042\u3044'), ['\u3042\u3044']);
});

test('lower-casing and accent stripping follow do_lower_case and strip_accents', () => {
  const text = 'H\u00E4LLo!how  \n Are yoU?';
  const cased = new WordPieceTokenizer(vocab, { doLowerCase: false });
  assert.deepEqual(cased.basicTokenize(text), ['H\u00E4LLo', '!', 'how', 'Are', 'yoU', '?']);
  const casedStripped = new WordPieceTokenizer(vocab, { doLowerCase: false, stripAccents: true });
  assert.deepEqual(casedStripped.basicTokenize(text), ['HaLLo', '!', 'how', 'Are', 'yoU', '?']);
  const lowerKeepAccents = new WordPieceTokenizer(vocab, { doLowerCase: true, stripAccents: false });
  assert.deepEqual(lowerKeepAccents.basicTokenize(text), ['h\u00E4llo', '!', 'how', 'are', 'you', '?']);
  assert.deepEqual(uncased.basicTokenize(text), ['hallo', '!', 'how', 'are', 'you', '?']);
  // "café" is in the vocabulary but the uncased tokenizer strips the accent first: it finds "cafe".
  assert.deepEqual(uncased.tokenize('Caf\u00E9'), ['cafe']);
  assert.deepEqual(lowerKeepAccents.tokenize('Caf\u00E9'), ['café']);
  // A decomposed é (e + U+0301) is composed (NFC) before lookup when accents are kept.
  assert.deepEqual(lowerKeepAccents.tokenize('Cafe\u0301'), ['café']);
  assert.equal(stripAccents('na\u00EFve r\u00E9sum\u00E9'), 'naive resume');
});

test('greedy longest match first, not the best segmentation', () => {
  assert.deepEqual(uncased.tokenize('abcd'), ['abc', '##d']);
  // Without "##d" the greedy choice "abc" leaves "d" unmatched: the whole word is [UNK], although ab + ##cd exists.
  const noD = new Map(vocab);
  noD.delete('##d');
  assert.deepEqual(new WordPieceTokenizer(noD).tokenize('abcd'), ['[UNK]']);
  assert.deepEqual(uncased.tokenize('runs run'), ['run', '##s', 'run']);
});

test('a word with an unmatched part is one [UNK]; so is a word over max chars', () => {
  assert.deepEqual(uncased.tokenize('unwantedx hello'), ['[UNK]', 'hello']);
  assert.deepEqual(uncased.encode('unwantedx hello', 450).ids, [2, 1, 23, 3]);
  const hundred = 'a'.repeat(100);
  assert.deepEqual(uncased.tokenize(hundred), ['a', ...Array(99).fill('##a')]);
  assert.deepEqual(uncased.tokenize(hundred + 'a'), ['[UNK]']);
  const short = new WordPieceTokenizer(vocab, { maxInputCharsPerWord: 3 });
  assert.deepEqual(short.tokenize('aaa aaaa'), ['a', '##a', '##a', '[UNK]']);
});

test('special-token look-alikes stay plain text', () => {
  assert.deepEqual(uncased.tokenize('[SEP] the'), ['[', 'sep', ']', 'the']);
});

test('[CLS] text [SEP] and truncation to max tokens', () => {
  const e = uncased.encode('hello world how are you', 5);
  assert.deepEqual(e.ids, [2, 23, 24, 25, 3]);
  assert.equal(e.pieceCount, 5);
  assert.equal(e.truncated, true);
  const full = uncased.encode('hello world', 5);
  assert.deepEqual(full.ids, [2, 23, 24, 3]);
  assert.equal(full.truncated, false);
  assert.deepEqual(uncased.encode('', 5).ids, [2, 3]);
  assert.throws(() => uncased.encode('x', 2), RangeError);
});

test('missing files and special tokens give UserErrors naming the directory, the file and the fix', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-wp-'));
  try {
    assert.throws(() => WordPieceTokenizer.fromDir(dir), (e: unknown) => e instanceof UserError && e.message.includes(dir) && e.message.includes('vocab.txt') && e.message.includes('Fix:'));
    fs.copyFileSync(path.join(FIXTURE, 'vocab.txt'), path.join(dir, 'vocab.txt'));
    assert.throws(() => WordPieceTokenizer.fromDir(dir), (e: unknown) => e instanceof UserError && e.message.includes('tokenizer_config.json') && e.message.includes('do_lower_case'));
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{"do_lower_case": false, "unk_token": {"content": "[UNK]"}}');
    assert.equal(WordPieceTokenizer.fromDir(dir).doLowerCase, false);
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{"tokenizer_class": "GPT2Tokenizer"}');
    assert.throws(() => WordPieceTokenizer.fromDir(dir), (e: unknown) => e instanceof UserError && e.message.includes('GPT2Tokenizer'));
    const noPad = new Map(vocab);
    noPad.delete('[PAD]');
    assert.throws(() => new WordPieceTokenizer(noPad), (e: unknown) => e instanceof UserError && e.message.includes('[PAD]'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
