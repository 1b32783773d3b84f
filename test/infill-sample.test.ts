import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Rng } from '../src/runtime/rng';
import { UserError } from '../src/runtime/errors';
import { logProbOf, resolveSampling, sampleToken } from '../src/infill/sample';

const logitsOf = (probs: number[]) => Float32Array.from(probs.map(Math.log));

/** Straightforward reference: sort every token, cut by k and p, draw (in id order) with the same generator. */
function naive(logits: Float32Array, s: { temperature: number; topK: number; nucleus: number }, rng: Rng): number {
  const V = logits.length;
  const scaled = Array.from(logits, (l) => l / s.temperature);
  const max = Math.max(...scaled);
  const p = scaled.map((l) => Math.exp(l - max));
  const total = p.reduce((a, b) => a + b, 0);
  const ids = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
  // top-k first, then the nucleus of the renormalised top-k distribution
  const topK = s.topK > 0 ? ids.slice(0, s.topK) : ids;
  const massK = s.topK > 0 ? topK.reduce((a, id) => a + p[id], 0) : total;
  const kept: number[] = [];
  let cum = 0;
  for (const id of topK) {
    kept.push(id);
    cum += p[id];
    if (cum >= s.nucleus * massK * (1 - 1e-12)) break;
  }
  kept.sort((a, b) => a - b); // the draw walks the kept tokens in id order
  const mass = kept.reduce((a, id) => a + p[id], 0);
  let u = rng.float() * mass;
  for (const id of kept) {
    u -= p[id];
    if (u < 0) return id;
  }
  return kept[kept.length - 1];
}

test('nucleus keeps the smallest set reaching p, with renormalised frequencies', () => {
  const logits = logitsOf([0.05, 0.5, 0.15, 0.3]);
  const s = resolveSampling({ nucleus: 0.8 });
  const rng = new Rng(1);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[sampleToken(logits, 0, 4, s, rng)]++;
  assert.equal(counts[0] + counts[2], 0, 'tokens outside the nucleus were sampled');
  // 0.5 / 0.8 = 0.625 of the draws; 4000 draws give a standard error of about 0.008.
  assert.ok(Math.abs(counts[1] / 4000 - 0.625) < 0.03, `frequency ${counts[1] / 4000}`);
});

test('top-k 1 and a tiny temperature always give the most probable token', () => {
  const logits = logitsOf([0.2, 0.25, 0.4, 0.15]);
  const rng = new Rng(7);
  for (let i = 0; i < 200; i++) {
    assert.equal(sampleToken(logits, 0, 4, resolveSampling({ topK: 1, nucleus: 1 }), rng), 2);
    assert.equal(sampleToken(logits, 0, 4, resolveSampling({ temperature: 1e-3, nucleus: 1 }), rng), 2);
  }
});

test('top-k then nucleus: the nucleus is taken of the renormalised top-k distribution', () => {
  // top-2 keeps 0.4 and 0.3 (mass 0.7); renormalised they are 0.571 and 0.429, so nucleus 0.5 keeps the first
  // alone. Taken of the whole distribution (0.5 x 1.0 = 0.5 > 0.4) it would wrongly keep both.
  const logits = logitsOf([0.3, 0.4, 0.2, 0.1]);
  const rng = new Rng(5);
  const s = resolveSampling({ topK: 2, nucleus: 0.5 });
  for (let i = 0; i < 300; i++) assert.equal(sampleToken(logits, 0, 4, s, rng), 1);
  // nucleus 0.6 of the renormalised pair needs both (0.571 < 0.6), drawn 4:3
  const both = resolveSampling({ topK: 2, nucleus: 0.6 });
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[sampleToken(logits, 0, 4, both, rng)]++;
  assert.equal(counts[2] + counts[3], 0);
  assert.ok(Math.abs(counts[1] / 4000 - 4 / 7) < 0.03, `frequency ${counts[1] / 4000}`);
});

test('disallowed tokens are never sampled', () => {
  const logits = logitsOf([0.9, 0.05, 0.05]);
  const rng = new Rng(3);
  for (let i = 0; i < 300; i++) assert.notEqual(sampleToken(logits, 0, 3, resolveSampling({}), rng, (id) => id !== 0), 0);
});

test('the fast path matches a full sort on vocabulary-sized rows, draw for draw', () => {
  const V = 50264;
  const gen = new Rng(11);
  for (const [temperature, topK, nucleus, spread] of [
    [1, 0, 0.95, 8],
    [1, 0, 0.95, 0.1], // near uniform: the prefilter keeps everything
    [0.7, 40, 1, 6],
    [1.3, 5, 0.9, 10],
    [1, 100, 0.5, 0.1], // near uniform with both cuts
    [1, 30, 0.8, 3],
  ]) {
    const logits = new Float32Array(V);
    for (let i = 0; i < V; i++) logits[i] = gen.normal() * spread;
    const s = resolveSampling({ temperature, topK, nucleus });
    const a = new Rng(99);
    const b = new Rng(99);
    for (let k = 0; k < 5; k++) assert.equal(sampleToken(logits, 0, V, s, a), naive(logits, s, b));
  }
});

test('same seed, same tokens; reading a row at an offset', () => {
  const row = logitsOf([0.1, 0.2, 0.3, 0.4]);
  const two = new Float32Array(8);
  two.set(row, 4);
  const draw = (seed: number, data: Float32Array, offset: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: 50 }, () => sampleToken(data, offset, 4, resolveSampling({ nucleus: 1 }), rng));
  };
  assert.deepEqual(draw(5, row, 0), draw(5, two, 4));
  assert.notDeepEqual(draw(5, row, 0), draw(6, row, 0));
});

test('logProbOf is the log-softmax entry', () => {
  const logits = Float32Array.from([1, 2, 3]);
  const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
  assert.ok(Math.abs(logProbOf(logits, 0, 3, 1) - (2 - Math.log(z))) < 1e-9);
});

test('bad sampling settings are UserErrors', () => {
  assert.throws(() => resolveSampling({ temperature: 0 }), UserError);
  assert.throws(() => resolveSampling({ nucleus: 1.5 }), UserError);
  assert.throws(() => resolveSampling({ topK: -1 }), UserError);
});
