import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testBank } from './cat-helpers';
import { CatSession } from '../src/cat/engine';
import { loadBank, makeBank, publicItem } from '../src/cat/bank';
import { simulateCat, simulateSession, testOverlap, spearmanBrown } from '../src/cat/simulate';
import { calibrateSympsonHetter } from '../src/cat/exposure';
import { syntheticBank } from '../src/cat/synthetic-bank';
import { binOf } from '../src/scale/cefr-scale';
import { logitToScale } from '../src/irt/scale';
import { estimateMle } from '../src/irt/estimate';
import { UserError } from '../src/runtime/errors';

test('cat: formats cycle from a random first one; the calibration phase walks up the bins', () => {
  const bank = testBank();
  const firsts = new Set<string>();
  for (let seed = 0; seed < 12; seed++) {
    const s = new CatSession(bank, {}, seed);
    const formats: string[] = [];
    for (let t = 0; t < 6; t++) {
      const item = s.next()!;
      formats.push(item.format);
      if (t < 4) assert.ok([2 * t, 2 * t + 1].includes(item.bin), `step ${t}: bin ${item.bin}`);
      s.answer(item.id, 0.5);
    }
    firsts.add(formats[0]);
    for (let t = 1; t < 6; t++) assert.notEqual(formats[t], formats[t - 1]);
  }
  assert.deepEqual([...firsts].sort(), ['ctest', 'yesno']);
});

test('cat: after the calibration phase the bin rule draws from the bin of θ̂; maxinfo takes the nearest δ', () => {
  const bank = testBank();
  for (const select of ['bin', 'maxinfo'] as const) {
    const s = new CatSession(bank, { select }, 3);
    const responses = [1, 1, 0.8, 0.3, 0.6, 0.4, 0.7, 0.2];
    for (const r of responses) {
      const item = s.next()!;
      if (s.steps.length >= 4) {
        const theta = s.steps[s.steps.length - 1].theta;
        if (select === 'bin') assert.equal(item.bin, binOf(logitToScale(theta)));
        else {
          const unseen = bank.items.filter((it) => it.format === item.format && !s.steps.some((st) => st.itemId === it.id));
          const best = Math.min(...unseen.map((it) => Math.abs(bank.logits[bank.index.get(it.id)!] - theta)));
          assert.ok(Math.abs(Math.abs(bank.logits[bank.index.get(item.id)!] - theta) - best) < 1e-12);
        }
      }
      s.answer(item.id, r);
    }
  }
});

test('cat: stops at 25 items, at an SE target and at the time limit; the score is the MLE on the 100-point scale', () => {
  const bank = testBank();
  const full = simulateSession(bank, 55, 1);
  assert.equal(full.items, 25);
  assert.equal(full.stopReason, 'max-items');
  const est = estimateMle(full.steps.map((st) => bank.logits[bank.index.get(st.itemId)!]), full.steps.map((st) => st.response));
  assert.ok(Math.abs(full.score - logitToScale(est.theta)) < 1e-9);
  assert.ok(['A1', 'A2', 'B1', 'B2', 'C1', 'C2'].includes(full.level));
  const short = simulateSession(bank, 55, 1, undefined, { seTarget: 8 });
  assert.equal(short.stopReason, 'se-target');
  assert.ok(short.items < 25 && short.sePoints <= 8);
  const s = new CatSession(bank, { timeLimitMs: 1000 }, 0, 0);
  const item = s.next()!;
  s.answer(item.id, 0.5, 1500);
  assert.equal(s.stopReason, 'time');
  assert.equal(s.next(), null);
});

test('cat: bad responses and unknown or replayed items are errors', () => {
  const bank = testBank();
  const s = new CatSession(bank, {}, 0);
  const item = s.next()!;
  assert.throws(() => s.answer(item.id, 1.5), /outside 0..1/);
  assert.throws(() => s.answer('nope', 0.5), /item nope is not the item waiting/);
  s.answer(item.id, 0.5);
  assert.throws(() => s.answer(item.id, 0.5), /no item is waiting|not the item waiting/);
  assert.throws(() => new CatSession(bank, { select: 'best' as never }), /unknown selection rule "best"/);
});

test('cat: banks without bins, with bad items or bad JSON give errors naming the line and the fix', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-bank-'));
  const items = syntheticBank({ perBin: 1 });
  const write = (lines: string[]) => {
    const f = path.join(dir, 'bank.jsonl');
    fs.writeFileSync(f, lines.join('\n') + '\n');
    return f;
  };
  const noBin = items.map((it, i) => (i === 2 ? JSON.stringify({ ...it, bin: undefined }) : JSON.stringify(it)));
  assert.throws(() => loadBank(write(noBin)), (e: Error) => e instanceof UserError && /bank\.jsonl:3: item \S+ has no "bin"\. Fix: add bin = binOf/.test(e.message));
  const wrongBin = items.map((it, i) => JSON.stringify(i === 0 ? { ...it, bin: 7 } : it));
  assert.throws(() => loadBank(write(wrongBin)), /:1: item \S+ has bin 7 but difficulty/);
  assert.throws(() => loadBank(write(['{"id": 1', ...items.map((x) => JSON.stringify(x))])), /bank\.jsonl:1: not valid JSON/);
  assert.throws(() => loadBank(write([JSON.stringify({ ...items[0], format: 'essay' })])), /format "essay"/);
  assert.throws(() => loadBank(write([JSON.stringify(items[0]), JSON.stringify(items[0])])), /appears twice/);
  assert.throws(() => loadBank(path.join(dir, 'missing.jsonl')), /cannot read the bank/);
  assert.throws(() => makeBank([]), /no items/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('cat: the public view of an item has no keys and no difficulty', () => {
  const bank = testBank();
  for (const it of bank.items.slice(0, 5).concat(bank.items.slice(-5))) {
    const text = JSON.stringify(publicItem(it));
    assert.ok(!/difficulty|"real"|"answer"|"word"|"bin"/.test(text), text);
    if (it.format === 'ctest') for (const g of it.gaps) assert.ok(!text.includes(`"${g.answer}"`) || g.shown === g.answer);
  }
});

test('cat: simulation recovers θ, is deterministic under the seed, and its overlap and reliability formulas hold', () => {
  const bank = testBank(20);
  const a = simulateCat(bank, { n: 200, seed: 5 });
  const b = simulateCat(bank, { n: 200, seed: 5 });
  const c = simulateCat(bank, { n: 200, seed: 6 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.rmse, c.rmse);
  assert.ok(a.correlation > 0.95, `correlation ${a.correlation}`);
  assert.ok(Math.abs(a.bias) < 2, `bias ${a.bias}`);
  assert.ok(a.splitHalf > 0.85 && a.testRetest! > 0.85, `split half ${a.splitHalf}, retest ${a.testRetest}`);
  assert.ok(Math.abs(a.exposure.mean - a.meanItems / bank.items.length) < 1e-12);
  assert.ok(a.bankUsage > 0 && a.bankUsage <= 1);
  assert.ok(Math.abs(spearmanBrown(0.5) - 2 / 3) < 1e-12);
  const o = testOverlap([[0, 1], [0, 2], [3, 4]], 5);
  assert.ok(Math.abs(o.mean - 1 / 6) < 1e-12);
  assert.equal(o.median, 0);
  const o2 = testOverlap([[0, 1], [0, 1], [0, 2], [0, 1]], 3);
  // pairs: (0,1) 1, (0,2) .5, (0,3) 1, (1,2) .5, (1,3) 1, (2,3) .5 -> mean .75, median .75
  assert.ok(Math.abs(o2.mean - 0.75) < 1e-12 && Math.abs(o2.median - 0.75) < 1e-12);
});

test('cat: Sympson-Hetter exposure parameters calibrated by simulation hold the target maximum rate', () => {
  const bank = testBank(20);
  const target = 0.1;
  const n = 2000;
  // Many items end up administered at about the target rate, so the largest observed rate exceeds it by a
  // few binomial standard errors; 4.5 SEs is the allowance.
  const allowance = 4.5 * Math.sqrt((target * (1 - target)) / n);
  const free = simulateCat(bank, { n, seed: 11, retest: false, config: { select: 'maxinfo' } });
  assert.ok(free.exposure.max > target + 2 * allowance, `maxinfo alone: ${free.exposure.max}`);
  const cal = calibrateSympsonHetter(bank, { target, n: 600, rounds: 8, seed: 2 });
  const held = simulateCat(bank, { n, seed: 12, retest: false, config: { select: 'sympson-hetter', exposure: cal.k } });
  assert.ok(held.exposure.max <= target + allowance, `Sympson-Hetter: max exposure ${held.exposure.max} (target ${target} + ${allowance.toFixed(3)})`);
  assert.ok(held.correlation > 0.9);
});
