/**
 * Our RoBERTa (the BERT network with RoBERTa's position numbering, src/model/roberta-load.ts) against final hidden
 * states and pooled vectors computed by an independent PyTorch implementation (bench/bert/reference.py in
 * float64), and our byte-level BPE against that script's own tokenizer; fixture written by
 * bench/bert/make-fixture.ts: a tiny random RoBERTa in the Hugging Face layout (test/fixtures/roberta-tiny).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadRoberta } from '../src/model/roberta-load';
import { padBatch } from '../src/model/bert';

const FIXTURE = path.join(__dirname, 'fixtures', 'roberta-tiny');
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
  test(`[${backend}] RoBERTa: ids, final hidden states and pooled vectors match the PyTorch reference to 1e-4`, async () => {
    assert.ok(await tf.setBackend(backend));
    const { model, tokenizer, paddingIdx } = loadRoberta(FIXTURE);
    try {
      assert.equal(paddingIdx, 1);
      assert.equal(model.maxSequence, 64); // 66 positions, the first two taken by the offset
      const sequences = ref.texts.map((t) => tokenizer.encode(t, 64).ids);
      const batch = padBatch(sequences, tokenizer.padId);
      assert.deepEqual(Array.from(batch.ids), ref.ids.flat(), 'our tokenizer gives the reference tokenizer\'s ids');
      assert.deepEqual(Array.from(batch.mask), ref.mask.flat());
      const h = model.hidden(batch);
      const p = model.pooled(batch);
      assert.deepEqual(h.shape, ref.shape);
      // All positions are compared, padding included: its position id is the padding index, as in the reference.
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

test('RoBERTa positions matter: BERT\'s numbering (0..T-1) on the same weights misses the reference', async () => {
  assert.ok(await tf.setBackend('cpu'));
  const { model, tokenizer } = loadRoberta(FIXTURE);
  const { Bert } = await import('../src/model/bert');
  const { bertWeightsFromBytes, ROBERTA_FAMILY } = await import('../src/model/bert-load');
  const arrays = bertWeightsFromBytes(fs.readFileSync(path.join(FIXTURE, 'model.safetensors')), 'model.safetensors', model.config, ROBERTA_FAMILY);
  const plain = Bert.fromArrays(model.config, arrays);
  try {
    const batch = padBatch(ref.texts.map((t) => tokenizer.encode(t, 64).ids), tokenizer.padId);
    const p = plain.pooled(batch);
    const d = maxAbsDiff(p.dataSync(), ref.pooled);
    p.dispose();
    assert.ok(d > 1e-2, `BERT positions should not reproduce RoBERTa's output (differ by ${d})`);
  } finally {
    plain.dispose();
    model.dispose();
  }
});
