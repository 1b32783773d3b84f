/** Documents and units (spec sections 1-2) on real text with hand-worked offsets. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { splitDocuments, streamDocuments } from '../src/ilm/documents';
import { documentUnits, paragraphSpans } from '../src/ilm/units';
import { treebankWords } from '../src/ilm/words';
import { learnerTexts } from './ilm-fixtures';

const words = (s: string) => treebankWords(s).map(([a, b]) => s.slice(a, b));

test('split files: trimmed, cut on exactly three newlines, empty documents dropped and counted', () => {
  const content = '\n\n\n  First doc.\nSecond line.  \n\n\nSecond doc\n\n\n   \n\n\nThird\n\nwith a blank line\n\n\n\nFourth starts with a newline\n\n\n\n\n\n';
  const { documents, empty } = splitDocuments(content);
  assert.deepEqual(
    documents.map((d) => [d.index, d.text]),
    [
      [0, 'First doc.\nSecond line.'],
      [1, 'Second doc'],
      [3, 'Third\n\nwith a blank line'],
      [4, 'Fourth starts with a newline'],
    ],
  );
  assert.equal(empty, 1);
});

test('streaming the split gives the same documents as splitting it whole, whatever the chunk size', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ilm-docs-'));
  const file = path.join(dir, 'train.txt');
  // real learner texts from the embedded corpus, with an empty piece in the middle and stray separators
  const texts = learnerTexts(40).map((t) => t.text.replace(/\n{3,}/g, '\n\n'));
  const content = '\n\n\n' + texts.slice(0, 20).join('\n\n\n') + '\n\n\n \n\n\n' + texts.slice(20).join('\n\n\n') + '\n\n\n\n';
  fs.writeFileSync(file, content);
  const whole = splitDocuments(content);
  for (const chunk of [3, 17, 4096]) {
    const s = streamDocuments(file, chunk);
    const got = [];
    for await (const d of s.documents) got.push(d);
    assert.deepEqual(got, whole.documents, `chunk ${chunk}`);
    assert.equal(s.stats.empty, whole.empty);
    assert.equal(s.stats.empty, 1);
    assert.equal(s.stats.bytes, Buffer.byteLength(content));
  }
  fs.rmSync(dir, { recursive: true });
});

test('paragraphs are the trimmed non-empty lines with absolute offsets', () => {
  const doc = 'Dear Sir,\n\n  I am writing to complain.  \nYours, Anna';
  assert.deepEqual(paragraphSpans(doc), [
    [0, 9],
    [13, 38],
    [41, 52],
  ]);
});

test('sentences and words of a learner paragraph, hand-worked', () => {
  const doc = 'I live in the U.S. with Mr. Smith. He is nice!\nMy name is Anna.i like it';
  const u = documentUnits(doc);
  const sents = u.paragraphs.flatMap((p) => p.sentences.map((s) => doc.slice(s.span[0], s.span[1])));
  // abbreviations do not end sentences; a missing space after a period does ("Anna.i", a common learner slip)
  assert.deepEqual(sents, ['I live in the U.S. with Mr. Smith.', 'He is nice!', 'My name is Anna.', 'i like it']);
  const w = u.paragraphs[0].sentences[0].words.map(([a, b]) => doc.slice(a, b));
  assert.deepEqual(w, ['I', 'live', 'in', 'the', 'U.S.', 'with', 'Mr.', 'Smith', '.']);
  assert.deepEqual(u.paragraphs[1].sentences[0].words, [
    [47, 49],
    [50, 54],
    [55, 57],
    [58, 62],
    [62, 63],
  ]);
});

test('Treebank conventions: clitics, punctuation, numbers, ellipses', () => {
  assert.deepEqual(words('He said "I don\'t know," and left...'), ['He', 'said', '"', 'I', 'do', "n't", 'know', ',', '"', 'and', 'left', '...']);
  assert.deepEqual(words("I cannot go; it's 10:30, and 1,000 dogs!?"), ['I', 'can', 'not', 'go', ';', 'it', "'s", '10:30', ',', 'and', '1,000', 'dogs', '!', '?']);
  assert.deepEqual(words("We'll see the students' books (maybe)."), ['We', "'ll", 'see', 'the', 'students', "'", 'books', '(', 'maybe', ')', '.']);
  assert.deepEqual(words('hello,my name is Anna'), ['hello', ',', 'my', 'name', 'is', 'Anna']);
});

test('every unit of every embedded document is a trimmed substring inside its parent', () => {
  for (const { text } of learnerTexts(200)) {
    const doc = text.trim();
    const u = documentUnits(doc);
    let prev = 0;
    for (const p of u.paragraphs) {
      assert.ok(p.span[0] >= prev && p.span[1] <= doc.length);
      prev = p.span[1];
      let ps = p.span[0];
      for (const s of p.sentences) {
        assert.ok(s.span[0] >= ps && s.span[1] <= p.span[1] && s.span[1] > s.span[0]);
        assert.equal(doc.slice(...s.span), doc.slice(...s.span).trim());
        ps = s.span[1];
        let ws = s.span[0];
        for (const w of s.words) {
          assert.ok(w[0] >= ws && w[1] <= s.span[1] && w[1] > w[0], `word ${JSON.stringify(doc.slice(...w))} in ${JSON.stringify(doc.slice(...s.span))}`);
          assert.doesNotMatch(doc.slice(...w), /\s/);
          ws = w[1];
        }
      }
    }
  }
});
