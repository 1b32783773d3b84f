/** The wasm start of `--batch-size auto`: the estimate picks what was measured to fit (src/train/memory.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, parameterSpecs } from '../src/model/config';
import { WASM_HEAP_BYTES, fittingMicroBatch, fixedTrainingBytes, hostPlacement } from '../src/train/memory';

const params = (name: string) => parameterSpecs(PRESETS[name]).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);

test('on the 4 GiB wasm heap GPT-2 124M starts at micro-batch 1 (2 was measured to abort), the tiny preset at 8, the small one at 4', () => {
  const budget = 0.85 * WASM_HEAP_BYTES;
  const fixed = (name: string) => fixedTrainingBytes(params(name), hostPlacement(params(name), 'wasm'));
  assert.equal(fittingMicroBatch(PRESETS.gpt2, 8, 256, fixed('gpt2'), budget), 1);
  assert.equal(fittingMicroBatch(PRESETS.tiny, 8, 256, fixed('tiny'), budget), 8);
  assert.equal(fittingMicroBatch(PRESETS.small, 8, 256, fixed('small'), budget), 4);
});

test('on wasm only GPT-2 124M keeps its AdamW moments on the host; every model sums micro-batches there; cpu keeps all on the backend', () => {
  assert.deepEqual(hostPlacement(params('gpt2'), 'wasm'), { accumulation: true, optimizer: true });
  assert.deepEqual(hostPlacement(params('tiny'), 'wasm'), { accumulation: true, optimizer: false });
  assert.deepEqual(hostPlacement(params('small'), 'wasm'), { accumulation: true, optimizer: false });
  assert.deepEqual(hostPlacement(params('gpt2'), 'cpu'), { accumulation: false, optimizer: false });
  // weights + one gradient set on the heap for GPT-2 (8 bytes a parameter), 4 floats for the tiny preset
  assert.equal(fixedTrainingBytes(params('gpt2'), hostPlacement(params('gpt2'), 'wasm')), 8 * params('gpt2'));
  assert.equal(fixedTrainingBytes(params('tiny'), hostPlacement(params('tiny'), 'wasm')), 16 * params('tiny'));
});
