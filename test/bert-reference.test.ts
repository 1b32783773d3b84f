/**
 * Our BERT against final hidden states and pooled vectors computed by an independent PyTorch implementation
 * (bench/bert/reference.py in float64; fixture written by bench/bert/make-fixture.ts), on both CPU backends.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadBert } from '../src/model/bert-load';
import { padBatch } from '../src/model/bert';

const FIXTURE = path.join(__dirname, 'fixtures', 'bert-tiny');
const ref = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'reference.json'), 'utf8')) as {
  texts: string[]; ids: number[][]; mask: number[][]; shape: number[]; hidden: number[]; pooled: number[];
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

for (const backend of ['wasm', 'cpu']) {
  test(`[${backend}] final hidden states and pooled vectors match the PyTorch reference to 1e-4`, async () => {
    assert.ok(await tf.setBackend(backend));
    const { model, tokenizer } = loadBert(FIXTURE);
    try {
      const sequences = ref.texts.map((t) => tokenizer.encode(t, 64).ids);
      const batch = padBatch(sequences, tokenizer.padId);
      assert.deepEqual(Array.from(batch.ids), ref.ids.flat(), 'our tokenizer gives the fixture ids');
      assert.deepEqual(Array.from(batch.mask), ref.mask.flat());
      const h = model.hidden(batch);
      const p = model.pooled(batch);
      assert.deepEqual(h.shape, ref.shape);
      const dh = maxAbsDiff(h.dataSync(), ref.hidden);
      const dp = maxAbsDiff(p.dataSync(), ref.pooled);
      tf.dispose([h, p]);
      assert.ok(dh < 1e-4, `hidden states differ by ${dh}`);
      assert.ok(dp < 1e-4, `pooled vectors differ by ${dp}`);
    } finally {
      model.dispose();
    }
  });
}
