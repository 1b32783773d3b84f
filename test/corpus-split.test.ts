/** Largest-remainder apportionment, stratified splitting and the byte-key index, on known answers. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { apportion } from '../src/corpus/apportion';
import { ByteKeys } from '../src/corpus/keys';
import { parseProportions, stratifiedSplit } from '../src/corpus/split';
import type { Stratum } from '../src/corpus/strata';

test('apportion: Hamilton method known answers', () => {
  // Quotas 4.8/0.6/0.6 -> floors 4/0/0, one seat left, equal remainders: the earlier index wins.
  assert.deepEqual(apportion(6, [80, 10, 10]), [5, 1, 0]);
  // Tie order chosen by the caller.
  assert.deepEqual(apportion(6, [80, 10, 10], [2, 1, 0]), [5, 0, 1]);
  // Balinski & Young's four-state example: populations 2,560 / 3,315 / 995 / 5,012 (sum 11,882), 10 seats;
  // quotas 2.15, 2.79, 0.84, 4.22 -> floors 2, 2, 0, 4 and the two largest remainders go to states 2 and 3.
  assert.deepEqual(apportion(10, [2560, 3315, 995, 5012]), [2, 3, 1, 4]);
  assert.deepEqual(apportion(0, [1, 2]), [0, 0]);
  assert.throws(() => apportion(3, [0, 0]));
});

test('stratified split: every stratum within one document of the proportions, each document once', () => {
  let next = 0;
  const strata: Stratum[] = [1, 2, 3, 5, 7, 10, 11, 19, 101].map((n, i) => ({ key: `B1|L${i}`, level: 2, docs: Array.from({ length: n }, () => next++) }));
  const splits = stratifiedSplit(strata, [80, 10, 10], 0);
  const all = splits.flat().sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: next }, (_, i) => i));
  for (const s of strata) {
    const inStratum = new Set(s.docs);
    [0.8, 0.1, 0.1].forEach((p, k) => {
      const got = splits[k].filter((d) => inStratum.has(d)).length;
      assert.ok(Math.abs(got - s.docs.length * p) < 1, `${s.key} (${s.docs.length}) split ${k}: ${got}`);
    });
  }
  assert.deepEqual(stratifiedSplit(strata, [80, 10, 10], 0), splits, 'same seed, same split and order');
  assert.notDeepEqual(stratifiedSplit(strata, [80, 10, 10], 1), splits);
});

test('split proportions parse', () => {
  assert.deepEqual(parseProportions('80,10,10'), [80, 10, 10]);
  assert.deepEqual(parseProportions(' 0.8, 0.1 ,0.1'), [0.8, 0.1, 0.1]);
  for (const bad of ['80,20', '80,10,10,0', '80,-10,30', '0,0,0', 'a,b,c', '80,,20']) assert.throws(() => parseProportions(bad), bad);
});

test('byte keys find every key after growing, and only those', () => {
  const keys = new ByteKeys();
  const enc = (s: string) => Buffer.from(s, 'utf8');
  for (let i = 0; i < 50000; i++) {
    const b = enc(`efcamdat-${1000000 + i}`);
    assert.equal(keys.find(b, 0, b.length), -1);
    keys.add(b, 0, b.length, i + 2);
  }
  for (const i of [0, 1, 4095, 4096, 49999]) {
    const b = enc(`xx efcamdat-${1000000 + i} yy`);
    const k = keys.find(b, 3, b.length - 3);
    assert.equal(keys.value(k), i + 2);
    assert.equal(keys.text(k), `efcamdat-${1000000 + i}`);
  }
  const missing = enc('efcamdat-1050000');
  assert.equal(keys.find(missing, 0, missing.length), -1);
  const utf8 = enc('Português');
  keys.add(utf8, 0, utf8.length);
  assert.equal(keys.text(keys.find(utf8, 0, utf8.length)), 'Português');
});
