/**
 * Parameter counts and presets. The 124M figures are the published ones (GPT-2 small as Hugging Face's
 * model summary prints it: 124,439,808 with 50,257 tokens), computed from shapes without allocating the model.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { PRESETS, countParameters, parameterSpecs, presetConfig, validateConfig, GPT2_VOCAB_SIZE, ILM_VOCAB_SIZE } from '../src/model/config';
import { GPT2, modelSummary } from '../src/model/gpt2';
import { UserError } from '../src/runtime/errors';

test('GPT-2 124M: 124,439,808 parameters with 50,257 tokens and 124,445,184 with the seven ILM rows', () => {
  assert.equal(PRESETS.gpt2.vocab_size, ILM_VOCAB_SIZE);
  assert.equal(countParameters({ ...PRESETS.gpt2, vocab_size: GPT2_VOCAB_SIZE }), 124_439_808);
  assert.equal(countParameters(PRESETS.gpt2), 124_445_184);
  assert.match(modelSummary(PRESETS.gpt2), /Total parameters: 124,445,184/);
  assert.match(modelSummary({ ...PRESETS.gpt2, vocab_size: GPT2_VOCAB_SIZE }), /Total parameters: 124,439,808/);
});

test('Hugging Face names and shapes: fused qkv [C, 3C], Conv1D weights [in, out], 12 tensors per block', () => {
  const specs = parameterSpecs(PRESETS.gpt2);
  const byName = new Map(specs.map((s) => [s.name, s.shape]));
  assert.equal(specs.length, 2 + 12 * 12 + 2);
  assert.deepEqual(byName.get('transformer.wte.weight'), [50264, 768]);
  assert.deepEqual(byName.get('transformer.wpe.weight'), [1024, 768]);
  assert.deepEqual(byName.get('transformer.h.0.attn.c_attn.weight'), [768, 2304]);
  assert.deepEqual(byName.get('transformer.h.0.attn.c_attn.bias'), [2304]);
  assert.deepEqual(byName.get('transformer.h.11.attn.c_proj.weight'), [768, 768]);
  assert.deepEqual(byName.get('transformer.h.5.mlp.c_fc.weight'), [768, 3072]);
  assert.deepEqual(byName.get('transformer.h.5.mlp.c_proj.weight'), [3072, 768]);
  assert.deepEqual(byName.get('transformer.ln_f.bias'), [768]);
  assert.ok(!byName.has('lm_head.weight'), 'the output layer is tied, not a parameter');
});

test('an allocated model counts what it holds; the summary lists every block', async () => {
  await tf.setBackend('cpu');
  const config = { ...PRESETS.tiny, vocab_size: 1000 };
  const model = GPT2.create(config, 0);
  try {
    // Independent formula: V*C + P*C + L*(12C^2 + 13C) + 2C.
    const C = config.n_embd;
    const expected = 1000 * C + config.n_positions * C + config.n_layer * (12 * C * C + 13 * C) + 2 * C;
    assert.equal(model.parameterCount(), expected);
    assert.equal(countParameters(config), expected);
    const summary = model.summary();
    assert.match(summary, /transformer\.h\.1 /);
    assert.match(summary, new RegExp(`Total parameters: ${expected.toLocaleString('en-US')}`));
  } finally {
    model.dispose();
  }
});

test('presets are valid and copies; bad configurations are UserErrors', () => {
  for (const name of Object.keys(PRESETS)) validateConfig(presetConfig(name), name);
  const copy = presetConfig('small');
  copy.n_layer = 99;
  assert.equal(PRESETS.small.n_layer, 4);
  assert.throws(() => presetConfig('huge'), (e: unknown) => e instanceof UserError && /one of gpt2, tiny, small/.test(e.message));
  assert.throws(() => validateConfig({ ...PRESETS.tiny, n_head: 3 }), /not a multiple of n_head/);
  assert.throws(() => validateConfig({ ...PRESETS.tiny, attn_pdrop: 1 }), /probability/);
  assert.throws(() => validateConfig({ ...PRESETS.tiny, n_layer: 0 }), /positive integer/);
});
