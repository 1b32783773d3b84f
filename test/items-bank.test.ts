/** Pseudoword filters, yes/no item assembly per bin, C-test windows, the JSONL bank, saved scales' bytes. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CharLm } from '../src/charlm/kn';
import { generatePseudowords, isInflectionOf } from '../src/items/pseudowords';
import { buildYesNoItems, buildCTestItems, bankToJsonl, parseBank, passageWindows } from '../src/items/bank';
import { binOf, binRange } from '../src/scale/cefr-scale';
import { gradeYesNo } from '../src/items/yesno';
import { trainVocabScale } from '../src/scale/vocab';
import { saveVocabScale, loadVocabScale } from '../src/scale/store';
import type { ProfileWord } from '../src/scale/data';

const words = 'the then there these this that than thin think thing things bring ring rang sing sang song long along and sand hand handle candle stand strand brand bland blend blender'.split(' ');
const lm = CharLm.train(words.map((w) => [w, 1]), { order: 3 });

test('pseudowords: not real, not inflections, within length bounds; drawn-per-kept counted', () => {
  assert.ok(isInflectionOf('stopped', new Set(['stop'])));
  assert.ok(isInflectionOf('happier', new Set(['happy'])));
  assert.ok(isInflectionOf('handles', new Set(['handle'])));
  assert.ok(!isInflectionOf('blorpa', new Set(['blorp', 'than'])));
  const real = new Set(words);
  const r = generatePseudowords(lm, { n: 20, seed: 0, realWords: real, minLogProbPerSymbol: -10 });
  assert.equal(r.kept, r.pseudowords.length);
  assert.ok(r.kept > 0);
  for (const w of r.pseudowords) {
    assert.ok(!real.has(w) && !isInflectionOf(w, real), w);
    assert.ok(w.length >= 4 && w.length <= 10, w);
  }
  assert.equal(new Set(r.pseudowords).size, r.pseudowords.length);
  const rejected = Object.values(r.rejected).reduce((a, b) => a + b, 0);
  assert.equal(r.drawn, r.kept + rejected);
  assert.equal(r.drawnPerKept, r.drawn / r.kept);
  assert.deepEqual(generatePseudowords(lm, { n: 20, seed: 0, realWords: real, minLogProbPerSymbol: -10 }).pseudowords, r.pseudowords);
});

test('yes/no items: one bin, >= 15 % of each kind, difficulty = mean δ, gradeable', () => {
  const ws = Array.from({ length: 300 }, (_, i) => ({ text: `w${i}`, difficulty: (i * 7) % 101 }));
  const ps = Array.from({ length: 300 }, (_, i) => ({ text: `p${i}`, difficulty: (i * 13) % 101 }));
  const { items, perBin } = buildYesNoItems(ws, ps, { seed: 3, yesNoPerBin: 5, stimuliPerItem: 10 });
  assert.equal(perBin.length, 11);
  assert.ok(items.length >= 40);
  for (const it of items) {
    const real = it.stimuli.filter((s) => s.real).length;
    assert.ok(real >= 2 && it.stimuli.length - real >= 2, `${it.id}: ${real} real of ${it.stimuli.length}`);
    const mean = it.stimuli.reduce((s, x) => s + x.difficulty, 0) / it.stimuli.length;
    assert.ok(Math.abs(it.difficulty - mean) < 1e-9);
    assert.equal(it.bin, binOf(it.difficulty));
    const bins = new Set(it.stimuli.map((s) => binOf(s.difficulty)));
    assert.equal(bins.size, 1, `${it.id} mixes bins`);
    const [lo, hi] = binRange([...bins][0]);
    assert.ok(it.difficulty >= lo - 0.5 && it.difficulty <= hi + 0.5);
    assert.equal(gradeYesNo(it, it.stimuli.map((s) => s.real)), 1);
  }
  assert.deepEqual(buildYesNoItems(ws, ps, { seed: 3, yesNoPerBin: 5, stimuliPerItem: 10 }).items, items, 'same seed, same items');
});

test('C-test windows and items; bank JSONL round trip', () => {
  const text = 'One two three. Four five six seven. Eight nine ten eleven twelve.\nThirteen fourteen fifteen. Sixteen seventeen. Eighteen nineteen twenty. Done here now.';
  const wins = passageWindows(text, 8, 2);
  assert.ok(wins.length >= 1);
  for (const w of wins) assert.ok(w.split('.').length - 1 >= 3);
  const long = 'The old man walked slowly to the market. He bought some bread and a little cheese for his lunch today. Then he sat in the park and watched the children playing with their dogs near the water. It was a very quiet and pleasant afternoon for everyone. He went home at five.';
  const cts = buildCTestItems([long, long], () => 55.5, { ctestWords: 40, passagesPerText: 1 });
  assert.ok(cts.length >= 1);
  assert.equal(cts[0].id, 'ctest-00001');
  assert.equal(cts[0].difficulty, 55.5);
  const ws = Array.from({ length: 40 }, (_, i) => ({ text: `w${i}`, difficulty: 40 }));
  const yn = buildYesNoItems(ws, ws.map((w) => ({ ...w, text: 'x' + w.text })), { yesNoPerBin: 2 }).items;
  const jsonl = bankToJsonl([...yn, ...cts]);
  assert.equal(jsonl.split('\n').length - 1, yn.length + cts.length);
  assert.deepEqual(parseBank(jsonl), [...yn, ...cts]);
  for (const line of jsonl.trim().split('\n')) assert.ok(['yesno', 'ctest'].includes(JSON.parse(line).format));
});

test('a saved vocabulary scale loads without retraining and the same data give the same bytes', async () => {
  const profile: ProfileWord[] = words.map((w, i) => ({ word: w, level: (['A1', 'A2', 'B1', 'B2', 'C1', 'C2'] as const)[i % 6], levels: [] }));
  const a = trainVocabScale({ order: 3, maxIter: 30 }, lm, profile);
  const b = trainVocabScale({ order: 3, maxIter: 30 }, lm, profile);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-test-'));
  await saveVocabScale(a, path.join(tmp, 'a'));
  await saveVocabScale(b, path.join(tmp, 'b'));
  for (const f of ['charlm.json', 'vocab-scale.json', 'manifest.json']) assert.ok(fs.readFileSync(path.join(tmp, 'a', f)).equals(fs.readFileSync(path.join(tmp, 'b', f))), f);
  const back = loadVocabScale(path.join(tmp, 'a'));
  for (const w of ['thing', 'blorp']) assert.ok(Math.abs(back.predict(w) - a.predict(w)) < 1e-6);
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('word data: several levels -> the lowest; spelling variants; a missing system word list is a UserError', async () => {
  const { loadVocabProfile, loadSystemDictionary } = await import('../src/scale/data');
  const profile = new Map(loadVocabProfile().map((p) => [p.word, p]));
  assert.equal(profile.get('light')!.level, 'A1');
  assert.deepEqual(profile.get('light')!.levels, ['A1', 'B1']);
  assert.deepEqual(profile.get('part')!.levels, ['A2', 'B2']);
  assert.equal(profile.get('part')!.level, 'A2');
  assert.ok(profile.has('adviser') && profile.has('advisor'));
  assert.throws(() => loadSystemDictionary('/nonexistent/american-english'), (e: unknown) => (e as Error).name === 'UserError' && /apt-get install wamerican/.test((e as Error).message));
});
