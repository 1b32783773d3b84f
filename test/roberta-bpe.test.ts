/**
 * RoBERTa's byte-level BPE tokenizer on hand-written cases, derived by hand from the rules in
 * src/tokenize/byte-bpe.ts and the small files in test/fixtures/roberta-bpe:
 *   vocab.json  <s> 0, <pad> 1, </s> 2, <unk> 3; the byte character of byte b has id 4 + b (so "Ġ", a space,
 *               is 36; "t" 120; "." 50; "\n" as "Ċ" 14); then Ġthe 260, he 261, Ġt 262, Ã© 263 (é), ca 264,
 *               caf 265, cafÃ© 266, aa 267, th 268, <mask> 269. Ids are deliberately not in merge order.
 *   merges.txt  rank 0 "Ġ t", 1 "h e", 2 "Ġt he", 3 "Ã ©", 4 "c a", 5 "ca f", 6 "caf Ã©", 7 "a a", 8 "x y"
 *               ("th" is in the vocabulary but no merge makes it; "xy" is made by a merge but not in the vocabulary).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ByteBpeTokenizer, byteToUnicode, pretokenize, toByteChars, readBpeVocab, readMerges } from '../src/tokenize/byte-bpe';
import { UserError } from '../src/runtime/errors';

const FIXTURE = path.join(__dirname, 'fixtures', 'roberta-bpe');
const tok = ByteBpeTokenizer.fromDir(FIXTURE);
/** Id of the byte character of a byte in this fixture. */
const B = (ch: string) => 4 + ch.charCodeAt(0);

test('the byte table: printable bytes stand for themselves, the other 68 move to U+0100..U+0143', () => {
  const t = byteToUnicode();
  assert.equal(new Set(t).size, 256);
  assert.equal(t[65], 'A');
  assert.equal(t[0], '\u0100');
  assert.equal(t[10], '\u010A'); // newline: "Ċ"
  assert.equal(t[32], '\u0120'); // space: "Ġ"
  assert.equal(t[127], '\u0121'); // the 34th moved byte (after 0..32)
  assert.equal(t[173], '\u0143'); // soft hyphen, the last moved byte
  assert.equal(t[174], '\u00AE');
  assert.equal(toByteChars(' caf\u00E9'), '\u0120caf\u00C3\u00A9'); // é is C3 A9 in UTF-8
});

test('GPT-2 pre-tokenization: one leading space per word, contractions, digits, symbols, whitespace runs', () => {
  assert.deepEqual(pretokenize("I'm here, aren't you?"), ['I', "'m", ' here', ',', ' aren', "'t", ' you', '?']);
  assert.deepEqual(pretokenize('a  b'), ['a', ' ', ' b']); // the last space of a run goes with the next word
  assert.deepEqual(pretokenize('Hi\nyou 2024!!'), ['Hi', '\n', 'you', ' 2024', '!!']);
  assert.deepEqual(pretokenize('end   '), ['end', '   ']);
  assert.deepEqual(pretokenize('caf\u00E9 \u{1F600}'), ['caf\u00E9', ' \u{1F600}']);
  // Whitespace is Unicode's White_Space, as in the published tokenizers: a byte-order mark is a symbol (it joins
  // the space before it), U+0085 (next line) is whitespace (the space before it stays on its own).
  assert.deepEqual(pretokenize(' \uFEFFb'), [' \uFEFF', 'b']);
  assert.deepEqual(pretokenize('x \u0085y'), ['x', ' ', '\u0085', 'y']);
});

test('files: vocab.json ids and merges.txt ranks', () => {
  const vocab = readBpeVocab(path.join(FIXTURE, 'vocab.json'));
  assert.equal(vocab.size, 270);
  assert.equal(vocab.get('\u0120'), 36);
  assert.equal(vocab.get('\u0120the'), 260);
  const merges = readMerges(path.join(FIXTURE, 'merges.txt'));
  assert.equal(merges.size, 9);
  assert.equal(merges.get('\u0120 t'), 0);
  assert.equal(merges.get('\u0120t he'), 2);
  assert.equal(merges.get('x y'), 8);
});

test('merges apply in merges.txt order, not by the merged token\'s id', () => {
  // " the": Ġ t (rank 0) -> [Ġt h e]; h e (1) -> [Ġt he]; Ġt he (2) -> [Ġthe].
  assert.deepEqual(tok.tokenize(' the'), ['\u0120the']);
  // "the": no "t h" merge although "th" (268) is a token; h e (1) -> [t he].
  assert.deepEqual(tok.tokenize('the'), ['t', 'he']);
  assert.deepEqual(tok.encode('the', 512).ids, [0, 120, 261, 2]);
  // " café": Ã © (3) before c a (4), then ca f (5), caf Ã© (6): [Ġ cafÃ©].
  assert.deepEqual(tok.tokenize(' caf\u00E9'), ['\u0120', 'caf\u00C3\u00A9']);
  // Every occurrence of the best pair is joined, left to right.
  assert.deepEqual(tok.tokenize('aaaa'), ['aa', 'aa']);
  assert.deepEqual(tok.tokenize('aaa'), ['aa', 'a']);
});

test('encode: <s> ids </s>, spaces as Ġ, bytes of non-ASCII characters, unknown symbols', () => {
  // "I" " like" " the" " café" "." -> I; Ġ l i k e; Ġthe; Ġ cafÃ©; .
  assert.deepEqual(tok.encode('I like the caf\u00E9.', 512).ids,
    [0, B('I'), 36, B('l'), B('i'), B('k'), B('e'), 260, 36, 266, B('.'), 2]);
  // Two spaces: "a", " ", " b".
  assert.deepEqual(tok.encode('a  b', 512).ids, [0, B('a'), 36, 36, B('b'), 2]);
  // A newline is byte 10 ("Ċ", id 14); an emoji is its four UTF-8 bytes F0 9F 98 80, after a space.
  assert.deepEqual(tok.encode('Hi\n\u{1F600}', 512).ids, [0, B('H'), B('i'), 14, 4 + 0xf0, 4 + 0x9f, 4 + 0x98, 4 + 0x80, 2]);
  // "xy" is merged (rank 8) but not in the vocabulary: <unk>.
  assert.deepEqual(tok.encode('xy', 512).ids, [0, 3, 2]);
  assert.deepEqual(tok.encode('', 512).ids, [0, 2]);
});

test('special-token look-alikes in the text stay plain text', () => {
  assert.deepEqual(tok.encode('<s>', 512).ids, [0, B('<'), B('s'), B('>'), 2]);
  assert.deepEqual(tok.tokenize('<mask>'), ['<', 'm', 'a', 's', 'k', '>']);
});

test('truncation keeps <s> and </s> and cuts symbols at the end', () => {
  const e = tok.encode(' the caf\u00E9', 4);
  assert.deepEqual(e.ids, [0, 260, 36, 2]);
  assert.equal(e.pieceCount, 3);
  assert.equal(e.truncated, true);
  assert.equal(tok.encode(' the', 3).truncated, false);
  assert.throws(() => tok.encode('x', 2), RangeError);
});

test('add_prefix_space puts a space before a text that does not start with one', () => {
  const spaced = new ByteBpeTokenizer(tok.vocab, tok.merges, { addPrefixSpace: true });
  assert.deepEqual(spaced.encode('the', 512).ids, [0, 260, 2]);
  assert.deepEqual(spaced.encode(' the', 512).ids, [0, 260, 2]);
});

test('bad files are UserErrors naming the file, the line and the fix', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-bpe-'));
  try {
    assert.throws(() => ByteBpeTokenizer.fromDir(dir), (e: unknown) => e instanceof UserError && /no vocab\.json/.test(e.message) && /Fix:/.test(e.message));
    fs.copyFileSync(path.join(FIXTURE, 'vocab.json'), path.join(dir, 'vocab.json'));
    assert.throws(() => ByteBpeTokenizer.fromDir(dir), (e: unknown) => e instanceof UserError && /no merges\.txt/.test(e.message));
    fs.writeFileSync(path.join(dir, 'merges.txt'), '#version: 0.2\na b\nabc\n');
    assert.throws(() => ByteBpeTokenizer.fromDir(dir), (e: unknown) => e instanceof UserError && e.message.includes('merges.txt:3:'));
    fs.writeFileSync(path.join(dir, 'merges.txt'), 'a b\n');
    fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify({ '<s>': 0, '</s>': 1, '<unk>': 2 }));
    assert.throws(() => ByteBpeTokenizer.fromDir(dir), (e: unknown) => e instanceof UserError && /padding token "<pad>"/.test(e.message));
    fs.writeFileSync(path.join(dir, 'vocab.json'), JSON.stringify({ '<s>': 0, '<pad>': 0 }));
    assert.throws(() => ByteBpeTokenizer.fromDir(dir), (e: unknown) => e instanceof UserError && /share id 0/.test(e.message));
    fs.copyFileSync(path.join(FIXTURE, 'vocab.json'), path.join(dir, 'vocab.json'));
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'BertTokenizer' }));
    assert.throws(() => ByteBpeTokenizer.fromDir(dir), (e: unknown) => e instanceof UserError && /not RoBERTa's byte-level BPE/.test(e.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
