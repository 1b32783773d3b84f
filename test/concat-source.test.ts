/** ConcatSource (objective/batch.ts): several example sets as one index range, rows returned in the asked order. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ConcatSource, MemorySource } from '../src/objective/batch';

const row = (v: number, T = 3) => ({ tokens: Int32Array.from({ length: T }, (_, i) => 10 * v + i), types: Uint8Array.from({ length: T }, () => 1 + (v % 5)) });

test('indices past the first set reach the second; mixed batches keep the asked order', () => {
  const a = new MemorySource(3, [row(0), row(1)]);
  const b = new MemorySource(3, [row(2), row(3), row(4)]);
  const c = new ConcatSource([a, b]);
  assert.equal(c.count, 5);
  const got = c.batch([4, 0, 2, 1]);
  assert.deepEqual(Array.from(got.tokens), [40, 41, 42, 0, 1, 2, 20, 21, 22, 10, 11, 12]);
  assert.deepEqual(Array.from(got.types), [5, 5, 5, 1, 1, 1, 3, 3, 3, 2, 2, 2]);
  assert.equal(got.batchSize, 4);
});

test('sets of different lengths and out-of-range indices are refused', () => {
  assert.throws(() => new ConcatSource([new MemorySource(3, [row(0)]), new MemorySource(4, [row(1, 4)])]), /different lengths \(3, 4\)/);
  assert.throws(() => new ConcatSource([new MemorySource(3, [row(0)])]).batch([1]), /out of range 0..0/);
});
