/**
 * The pseudoword filter against the large installed word lists (wamerican-insane + wamerican): the real words
 * found among the old generator's pseudowords are rejected, affixed words, fragments and long misspellings too,
 * `items pseudowords --n 1000` from the built CLI gives no word of the large list, and a missing list names the
 * package to install.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { realWordSets } from '../src/items/build';
import { isDerivedFrom, isFragment, isInflectionOf, isOneEditFrom, realWordRule, WordIndex } from '../src/items/pseudowords';
import { loadSystemDictionary, SYSTEM_WORD_LISTS } from '../src/scale/data';
import { UserError } from '../src/runtime/errors';

const root = path.resolve(__dirname, '..');
const INSANE = '/usr/share/dict/american-english-insane';
const sets = realWordSets();

test('the issue\'s real words and fragments are rejected by the default lists', () => {
  for (const w of ['cremains', 'crucifer', 'emption', 'stomatic', 'cere', 'finity', 'strine']) {
    assert.equal(realWordRule(w, sets.exclude, undefined, sets.common), 'real', w);
  }
  for (const w of ['ment', 'ster', 'stic', 'kling', 'ional', 'prepa', 'telepho']) assert.notEqual(realWordRule(w, sets.exclude, undefined, sets.common), null, w);
  // fragments by the word-ending / word-beginning count, whatever the lists say about the string itself
  const ix = new WordIndex(sets.exclude);
  for (const w of ['stic', 'kling', 'ional', 'uring', 'telepho', 'phenome']) assert.ok(isFragment(w, ix), w);
  for (const w of ['cload', 'thace', 'vasera', 'fortheric']) assert.ok(!isFragment(w, ix), w);
  // inflections and derivations of listed words
  assert.ok(isInflectionOf('stopped', new Set(['stop'])) && isInflectionOf('happier', new Set(['happy'])) && isInflectionOf('blogings', new Set(['blog'])));
  assert.ok(isDerivedFrom('glady', new Set(['glad'])) && isDerivedFrom('retray', new Set(['tray'])) && isDerivedFrom('airling', new Set(['air'])));
  assert.ok(!isDerivedFrom('blorpa', new Set(['blorp'])) && !isDerivedFrom('unx', new Set(['x'])));
  // long misspellings of common words; short neighbours are English-like and stay
  assert.ok(isOneEditFrom('awfull', new Set(['awful'])) && isOneEditFrom('cambride', new Set(['cambridge'])) && isOneEditFrom('amuseum', new Set(['museum'])));
  assert.ok(isOneEditFrom('recieve', new Set(['receive'])));
  assert.equal(realWordRule('cambride', new Set(['x']), undefined, new Set(['cambridge'])), 'misspelling');
  assert.equal(realWordRule('knoce', new Set(['x']), undefined, new Set(['knock'])), null);
});

test('the default lists: wamerican-insane and wamerican, united; a missing list names its package', () => {
  assert.deepEqual(SYSTEM_WORD_LISTS.map((l) => l.package), ['wamerican-insane', 'wamerican']);
  assert.ok(fs.existsSync(INSANE), 'wamerican-insane is installed (see .ci/run)');
  assert.ok(sets.exclude.size > 450_000, `${sets.exclude.size} excluded words`);
  assert.ok(sets.exclude.has('cremains') && sets.exclude.has('the'));
  assert.throws(() => loadSystemDictionary(['/nonexistent/words']), (e: unknown) => e instanceof UserError && /check the path/.test(e.message));
  assert.throws(
    () => loadSystemDictionary(['/nonexistent/american-english-insane'], [{ file: '/nonexistent/american-english-insane', package: 'wamerican-insane' }]),
    (e: unknown) => e instanceof UserError && /sudo apt-get install wamerican-insane/.test(e.message) && /--dict/.test(e.message),
  );
});

test('items pseudowords --n 1000 (the CLI): no word of the large list, no inflection, affixed word or fragment; a missing list stops with the package name', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'cefrlab.js'), 'items', 'pseudowords', '--n', '1000', '--no-difficulty', '--json'], { cwd: root, encoding: 'utf8', env: { ...process.env, CEFRLAB_QUIET: '1' }, maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { pseudowords: string[]; rejected: Record<string, number> };
  assert.equal(out.pseudowords.length, 1000);
  const insane = new Set(fs.readFileSync(INSANE, 'utf8').split('\n').map((w) => w.trim().toLowerCase()));
  assert.deepEqual(out.pseudowords.filter((w) => insane.has(w)), []);
  for (const w of out.pseudowords) assert.equal(realWordRule(w, sets.exclude, undefined, sets.common), null, w);
  assert.ok(out.rejected.real > 0 && out.rejected.fragment > 0 && out.rejected.affix > 0);
  const m = spawnSync(process.execPath, [path.join(root, 'bin', 'cefrlab.js'), 'items', 'pseudowords', '--n', '5', '--dict', '/nonexistent/words'], { cwd: root, encoding: 'utf8', env: { ...process.env, CEFRLAB_QUIET: '1' } });
  assert.equal(m.status, 2, m.stderr);
  assert.match(m.stderr, /\/nonexistent\/words not found.*Fix: check the path, or use the default lists \(Debian\/Ubuntu: sudo apt-get install wamerican-insane wamerican\)/);
});

test('bank holes: bins without yes/no items, without C-tests, without anything', async () => {
  const { bankHoles, bankHoleLines, buildYesNoItems } = await import('../src/items/bank');
  // words and pseudowords only in bins 2..8 (δ 16..85)
  const ws = Array.from({ length: 200 }, (_, i) => ({ text: `w${i}`, difficulty: 16 + (i % 70) }));
  const ps = Array.from({ length: 200 }, (_, i) => ({ text: `p${i}`, difficulty: 16 + ((i * 7) % 70) }));
  const yn = buildYesNoItems(ws, ps, { seed: 1, yesNoPerBin: 3, stimuliPerItem: 12 }).items;
  const ctest = (bin: number) => ({ id: `c${bin}`, format: 'ctest' as const, difficulty: bin * 10, bin, passage: '', segments: [], gaps: [] });
  const h = bankHoles([...yn, ctest(3), ctest(4), ctest(9)]);
  assert.deepEqual(h.yesnoEmptyBins, [0, 1, 9, 10]);
  assert.deepEqual(h.ctestEmptyBins, [0, 1, 2, 5, 6, 7, 8, 10]);
  assert.deepEqual(h.emptyBins, [0, 1, 10]);
  assert.equal(h.perBin[3].yesno, 3);
  const lines = bankHoleLines(h);
  assert.equal(lines[0], 'bins without yes/no items: 0 (0-5), 1 (6-15), 9 (86-95), 10 (96-100)');
  assert.match(lines[2], /bins without any item: 0 \(0-5\), 1 \(6-15\), 10 \(96-100\)/);
  // every yes/no item keeps the paper's balance: at least 15 % words and 15 % pseudowords
  for (const it of yn) {
    const real = it.stimuli.filter((s) => s.real).length;
    assert.ok(real >= 2 && it.stimuli.length - real >= 2, it.id);
  }
});
