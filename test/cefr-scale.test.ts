import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binOf, binRange, BIN_COUNT, levelToScale, scaleToLevel } from '../src/scale/cefr-scale';
import { CEFR_LEVELS } from '../src/corpus/cefr';

test('Table 1: levels map to 0, 20, ..., 100 and back', () => {
  assert.deepEqual(CEFR_LEVELS.map(levelToScale), [0, 20, 40, 60, 80, 100]);
  for (const level of CEFR_LEVELS) assert.equal(scaleToLevel(levelToScale(level)), level);
  assert.equal(scaleToLevel(9.9), 'A1');
  assert.equal(scaleToLevel(10), 'A2');
  assert.equal(scaleToLevel(49.9), 'B1');
  assert.equal(scaleToLevel(50), 'B2');
  assert.equal(scaleToLevel(-30), 'A1');
  assert.equal(scaleToLevel(140), 'C2');
  assert.throws(() => scaleToLevel(Number.NaN), /finite/);
});

test('the eleven bins are 0-5, 6-15, ..., 86-95, 96-100', () => {
  const expected: Array<[number, number]> = [[0, 0], [5, 0], [6, 1], [15, 1], [16, 2], [50, 5], [55, 5], [56, 6], [95, 9], [96, 10], [100, 10]];
  for (const [score, bin] of expected) assert.equal(binOf(score), bin, `score ${score}`);
  assert.equal(binOf(5.4), 0);
  assert.equal(binOf(5.5), 1);
  assert.equal(binOf(-3), 0);
  assert.equal(binOf(120), 10);
  for (let b = 0; b < BIN_COUNT; b++) {
    const [lo, hi] = binRange(b);
    assert.equal(binOf(lo), b);
    assert.equal(binOf(hi), b);
    if (b > 0) assert.equal(binRange(b - 1)[1] + 1, lo, 'bins tile the scale');
  }
  assert.deepEqual(binRange(0), [0, 5]);
  assert.deepEqual(binRange(10), [96, 100]);
  assert.throws(() => binRange(11), /0\.\.10/);
});
