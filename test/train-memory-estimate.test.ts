/** The wasm start of `--batch-size auto`: the estimate picks what was measured to fit (src/train/memory.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, parameterSpecs } from '../src/model/config';
import { WASM_HEAP_BYTES, fittingMicroBatch } from '../src/train/memory';

const params = (name: string) => parameterSpecs(PRESETS[name]).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);

test('on the 4 GiB wasm heap GPT-2 124M starts at micro-batch 1 (2 was measured to abort), the tiny preset at 8', () => {
  const budget = 0.85 * WASM_HEAP_BYTES;
  assert.equal(fittingMicroBatch(PRESETS.gpt2, 8, 256, 20 * params('gpt2'), budget), 1);
  assert.equal(fittingMicroBatch(PRESETS.tiny, 8, 256, 20 * params('tiny'), budget), 8);
  assert.equal(fittingMicroBatch(PRESETS.small, 8, 256, 20 * params('small'), budget), 8);
});
