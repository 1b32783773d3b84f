/**
 * Half-precision storage of the base model: binary16 rounding, and a save -> load round trip through the
 * project's loader (F16 widened to float32) with the dropout rates of config.json replaced.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { GPT2 } from '../src/model/gpt2';
import type { GPT2Config } from '../src/model/config';
import { loadModel } from '../src/model/checkpoint';
import { halfToFloat, readSafetensorsFile } from '../src/model/safetensors';
import { floatToHalf, saveModelF16 } from '../src/pretrain/fp16';

before(async () => {
  await tf.setBackend('cpu');
});

test('floatToHalf: exact values, rounding to nearest even, subnormals, overflow, NaN', () => {
  assert.equal(floatToHalf(1), 0x3c00);
  assert.equal(floatToHalf(-2), 0xc000);
  assert.equal(floatToHalf(0), 0);
  assert.equal(floatToHalf(-0), 0x8000);
  assert.equal(floatToHalf(65504), 0x7bff);
  assert.equal(floatToHalf(70000), 0x7c00);
  assert.equal(floatToHalf(-Infinity), 0xfc00);
  assert.ok((floatToHalf(NaN) & 0x7c00) === 0x7c00 && (floatToHalf(NaN) & 0x3ff) !== 0);
  assert.equal(floatToHalf(2 ** -24), 1, 'smallest subnormal');
  assert.equal(floatToHalf(2 ** -26), 0, 'below half the smallest subnormal');
  assert.equal(floatToHalf(1 + 2 ** -11), 0x3c00, 'a tie rounds to even (down)');
  assert.equal(floatToHalf(1 + 3 * 2 ** -11), 0x3c02, 'a tie rounds to even (up)');
  // every value survives half -> float -> half, and float -> half -> float is within half an ulp
  for (let h = 0; h < 0x7c00; h += 7) assert.equal(floatToHalf(halfToFloat(h)), h);
  for (const x of [0.1, -0.02, 3.14159, 1e-5, 123.456]) {
    const back = halfToFloat(floatToHalf(x));
    assert.ok(Math.abs(back - x) <= Math.abs(x) * 2 ** -11 + 2 ** -25, `${x} -> ${back}`);
  }
});

test('saveModelF16 -> loadModel: F16 on disk, float32 weights within fp16 rounding, config overrides', () => {
  const config: GPT2Config = {
    vocab_size: 96, n_positions: 16, n_embd: 16, n_layer: 1, n_head: 2,
    layer_norm_epsilon: 1e-5, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0, initializer_range: 0.02,
  };
  const model = GPT2.create(config, 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-fp16-'));
  saveModelF16(dir, model, { resid_pdrop: 0.1, embd_pdrop: 0.1, attn_pdrop: 0.1 });
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.equal(cfg.torch_dtype, 'float16');
  assert.equal(cfg.resid_pdrop, 0.1);
  assert.equal(cfg.vocab_size, 96);
  const { tensors } = readSafetensorsFile(path.join(dir, 'model.safetensors'));
  assert.ok([...tensors.values()].every((t) => t.dtype === 'F16'));
  const bytes = fs.statSync(path.join(dir, 'model.safetensors')).size;
  assert.ok(bytes < 2.1 * model.parameterCount() + 4096, `${bytes} bytes for ${model.parameterCount()} parameters`);
  const loaded = loadModel(dir);
  assert.equal(loaded.config.resid_pdrop, 0.1);
  assert.equal(loaded.parameterCount(), model.parameterCount());
  for (const [name, v] of model.weights) {
    const a = v.dataSync();
    const b = loaded.weights.get(name)!.dataSync();
    assert.equal(b.constructor, Float32Array);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= Math.abs(a[i]) * 2 ** -11 + 2 ** -24, `${name}[${i}]: ${a[i]} vs ${b[i]}`);
  }
  // same weights, same bytes
  const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-fp16-'));
  saveModelF16(dir2, model, { resid_pdrop: 0.1, embd_pdrop: 0.1, attn_pdrop: 0.1 });
  assert.ok(fs.readFileSync(path.join(dir, 'model.safetensors')).equals(fs.readFileSync(path.join(dir2, 'model.safetensors'))));
  model.dispose();
  loaded.dispose();
  for (const d of [dir, dir2]) fs.rmSync(d, { recursive: true, force: true });
});
