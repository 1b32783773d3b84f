import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aboveChanceCount, binomialUpperTail } from '../src/metrics/binomial';

test('binomial upper tail against hand-computed values', () => {
  // n = 4: P(X >= 3) = (4 + 1) / 16; P(X >= 0) = 1; P(X >= 5) = 0
  assert.equal(binomialUpperTail(3, 4), 5 / 16);
  assert.equal(binomialUpperTail(0, 4), 1);
  assert.equal(binomialUpperTail(5, 4), 0);
  // n = 10: P(X >= 9) = 11 / 1024
  assert.ok(Math.abs(binomialUpperTail(9, 10) - 11 / 1024) < 1e-15);
  // symmetry: P(X >= k) + P(X >= n - k + 1) = 1
  for (let k = 0; k <= 61; k++) assert.ok(Math.abs(binomialUpperTail(k, 61) + binomialUpperTail(62 - k, 61) - 1) < 1e-12);
});

test('critical counts of the one-sided sign test at 5 %', () => {
  // scipy.stats.binom.sf(k - 1, n, 0.5) <= 0.05 first at: n = 10 -> 9, n = 20 -> 15, n = 61 -> 38
  assert.equal(aboveChanceCount(10), 9);
  assert.equal(aboveChanceCount(20), 15);
  assert.equal(aboveChanceCount(61), 38);
  assert.equal(aboveChanceCount(3), 4); // three pairs can never be significant
});
