/**
 * Checkpoints in Hugging Face's layout: save/load round trip, the naming variations of published GPT-2 files,
 * appending the seven ILM rows to published weights, sharded files, and clear errors.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { GPT2 } from '../src/model/gpt2';
import { GPT2Config, GPT2_VOCAB_SIZE, ILM_VOCAB_SIZE } from '../src/model/config';
import { loadModel, loadPretrainedGpt2, saveModel } from '../src/model/checkpoint';
import { encodeSafetensors, readSafetensorsFile, TensorToWrite } from '../src/model/safetensors';
import { UserError } from '../src/runtime/errors';

const config: GPT2Config = {
  vocab_size: 120, n_positions: 16, n_embd: 16, n_layer: 2, n_head: 2,
  layer_norm_epsilon: 1e-5, resid_pdrop: 0.1, embd_pdrop: 0.1, attn_pdrop: 0.1, initializer_range: 0.02,
};

before(async () => {
  await tf.setBackend('cpu');
});

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-'));
}

function logitsOf(model: GPT2, tokens: number[][]): Float32Array {
  const logits = tf.tidy(() => model.logits(tf.tensor2d(tokens, [tokens.length, tokens[0].length], 'int32')));
  const data = logits.dataSync() as Float32Array;
  logits.dispose();
  return data;
}

const TOKENS = [[1, 5, 9, 100, 3, 3, 7, 42]];

/** Write a Hugging Face-style directory from a model's weights with `rename` applied and `extra` tensors added. */
function writeHfStyle(dir: string, model: GPT2, rename: (n: string) => string, extra: Map<string, TensorToWrite>, hfConfig: object): void {
  fs.mkdirSync(dir, { recursive: true });
  const tensors = new Map<string, TensorToWrite>(extra);
  for (const [name, v] of model.weights) tensors.set(rename(name), { shape: v.shape, data: v.dataSync() as Float32Array });
  fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeSafetensors(tensors, { format: 'pt' }));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(hfConfig));
}

test('saveModel writes a transformers-loadable config.json and model.safetensors; loadModel restores it exactly', () => {
  const dir = tmp();
  const model = GPT2.create(config, 1);
  try {
    saveModel(dir, model);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['config.json', 'model.safetensors']);
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    assert.deepEqual(cfg.architectures, ['GPT2LMHeadModel']);
    assert.equal(cfg.model_type, 'gpt2');
    assert.equal(cfg.activation_function, 'gelu_new');
    assert.equal(cfg.tie_word_embeddings, true);
    for (const key of Object.keys(config) as Array<keyof GPT2Config>) assert.equal(cfg[key], config[key], key);
    const file = readSafetensorsFile(path.join(dir, 'model.safetensors'));
    assert.deepEqual(file.metadata, { format: 'pt' });
    assert.equal(file.tensors.size, model.weights.size);
    assert.deepEqual(file.tensors.get('transformer.h.1.attn.c_attn.weight')!.shape, [16, 48]);
    assert.ok(!file.tensors.has('lm_head.weight'), 'the tied output layer is not stored');

    const back = loadModel(dir);
    try {
      assert.deepEqual(back.config, config);
      for (const [name, v] of model.weights) assert.deepEqual(back.weights.get(name)!.dataSync(), v.dataSync(), name);
      assert.deepEqual(logitsOf(back, TOKENS), logitsOf(model, TOKENS));
      // Saving the loaded model again gives the same bytes.
      const again = tmp();
      saveModel(again, back);
      assert.ok(fs.readFileSync(path.join(again, 'model.safetensors')).equals(fs.readFileSync(path.join(dir, 'model.safetensors'))));
      fs.rmSync(again, { recursive: true, force: true });
    } finally {
      back.dispose();
    }
  } finally {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('published GPT-2 layout loads: no "transformer." prefix, attention buffers, stored lm_head, minimal config', () => {
  const dir = tmp();
  const model = GPT2.create(config, 2);
  try {
    const P = config.n_positions;
    const extra = new Map<string, TensorToWrite>();
    for (let l = 0; l < config.n_layer; l++) {
      extra.set(`h.${l}.attn.bias`, { shape: [1, 1, P, P], data: new Float32Array(P * P).fill(1) });
      extra.set(`h.${l}.attn.masked_bias`, { shape: [], data: Float32Array.from([-1e4]) });
    }
    extra.set('lm_head.weight', { shape: [config.vocab_size, config.n_embd], data: model.weights.get('transformer.wte.weight')!.dataSync() as Float32Array });
    // The published config.json has no dropout or init fields under these names for some versions: n_ctx only.
    const hf = { model_type: 'gpt2', activation_function: 'gelu_new', vocab_size: config.vocab_size, n_ctx: P, n_embd: 16, n_layer: 2, n_head: 2 };
    writeHfStyle(dir, model, (n) => n.replace(/^transformer\./, ''), extra, hf);
    const loaded = loadModel(dir);
    try {
      assert.equal(loaded.config.n_positions, P);
      assert.equal(loaded.config.layer_norm_epsilon, 1e-5);
      assert.deepEqual(logitsOf(loaded, TOKENS), logitsOf(model, TOKENS));
    } finally {
      loaded.dispose();
    }
  } finally {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('loadPretrainedGpt2 appends seven ILM rows N(0, 0.02) from the seed and keeps everything else', () => {
  const dir = tmp();
  const gptConfig: GPT2Config = { ...config, vocab_size: GPT2_VOCAB_SIZE, n_layer: 1 };
  const original = GPT2.create(gptConfig, 3);
  try {
    writeHfStyle(dir, original, (n) => n.replace(/^transformer\./, ''), new Map(), { ...gptConfig, model_type: 'gpt2' });
    const a = loadPretrainedGpt2(dir, 0);
    const b = loadPretrainedGpt2(dir, 0);
    const c = loadPretrainedGpt2(dir, 1);
    try {
      assert.equal(a.config.vocab_size, ILM_VOCAB_SIZE);
      assert.equal(a.parameterCount(), original.parameterCount() + 7 * 16);
      const C = 16;
      const wteA = a.weights.get('transformer.wte.weight')!.dataSync();
      const wteO = original.weights.get('transformer.wte.weight')!.dataSync();
      assert.deepEqual(wteA.subarray(0, GPT2_VOCAB_SIZE * C), wteO);
      const rows = Array.from(wteA.subarray(GPT2_VOCAB_SIZE * C));
      assert.equal(rows.length, 7 * C);
      const std = Math.sqrt(rows.reduce((s, x) => s + x * x, 0) / rows.length);
      assert.ok(std > 0.015 && std < 0.025, `new rows' std ${std}`);
      assert.deepEqual(b.weights.get('transformer.wte.weight')!.dataSync(), wteA, 'same seed, same rows');
      assert.notDeepEqual(c.weights.get('transformer.wte.weight')!.dataSync(), wteA, 'another seed, other rows');
      for (const [name, v] of original.weights) {
        if (name !== 'transformer.wte.weight') assert.deepEqual(a.weights.get(name)!.dataSync(), v.dataSync(), name);
      }
      // The published vocabulary's logits are unchanged; seven new columns follow.
      const la = logitsOf(a, TOKENS);
      const lo = logitsOf(original, TOKENS);
      for (let t = 0; t < TOKENS[0].length; t++) {
        for (let j = 0; j < GPT2_VOCAB_SIZE; j += 997) assert.ok(Math.abs(la[t * ILM_VOCAB_SIZE + j] - lo[t * GPT2_VOCAB_SIZE + j]) < 1e-6);
      }
      // An ILM-vocabulary checkpoint (ours) loads unchanged.
      const ours = tmp();
      saveModel(ours, a);
      const d = loadPretrainedGpt2(ours, 5);
      assert.deepEqual(d.weights.get('transformer.wte.weight')!.dataSync(), wteA);
      d.dispose();
      fs.rmSync(ours, { recursive: true, force: true });
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  } finally {
    original.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a sharded checkpoint (model.safetensors.index.json) loads', () => {
  const dir = tmp();
  const model = GPT2.create(config, 4);
  try {
    const names = [...model.weights.keys()];
    const shards = [names.slice(0, 10), names.slice(10)];
    const weightMap: Record<string, string> = {};
    shards.forEach((part, i) => {
      const file = `model-0000${i + 1}-of-00002.safetensors`;
      const tensors = new Map(part.map((n) => [n, { shape: model.weights.get(n)!.shape, data: model.weights.get(n)!.dataSync() as Float32Array }]));
      fs.writeFileSync(path.join(dir, file), encodeSafetensors(tensors));
      for (const n of part) weightMap[n] = file;
    });
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'gpt2' }));
    const loaded = loadModel(dir);
    assert.deepEqual(logitsOf(loaded, TOKENS), logitsOf(model, TOKENS));
    loaded.dispose();
  } finally {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad checkpoints give UserErrors that name the file and the fix', () => {
  const dir = tmp();
  const model = GPT2.create(config, 5);
  const expectUserError = (pattern: RegExp) =>
    assert.throws(() => loadModel(dir), (e: unknown) => e instanceof UserError && pattern.test(e.message) && /Fix:/.test(e.message));
  try {
    expectUserError(/config\.json: no config\.json/);
    fs.writeFileSync(path.join(dir, 'config.json'), '{"vocab_size": 120,');
    expectUserError(/config\.json: not valid JSON/);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'llama' }));
    expectUserError(/model_type = "llama" is not supported/);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, activation_function: 'relu' }));
    expectUserError(/activation_function/);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    fs.writeFileSync(path.join(dir, 'pytorch_model.bin'), '');
    expectUserError(/no model\.safetensors.*safe_serialization=True/);
    fs.rmSync(path.join(dir, 'pytorch_model.bin'));
    writeHfStyle(dir, model, (n) => n, new Map([['score.weight', { shape: [2, 16], data: new Float32Array(32) }]]), config);
    expectUserError(/unexpected weight "score\.weight"/);
    writeHfStyle(dir, model, (n) => n, new Map(), { ...config, n_positions: 32 });
    expectUserError(/"transformer\.wpe\.weight" has shape \[16,16\] but config\.json implies \[32,16\]/);
    const partial = new Map([...model.weights].filter(([n]) => n !== 'transformer.ln_f.bias').map(([n, v]) => [n, { shape: v.shape, data: v.dataSync() as Float32Array }]));
    fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeSafetensors(partial));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    expectUserError(/1 weights are missing \(first: transformer\.ln_f\.bias\)/);
    const good = encodeSafetensors(new Map([...model.weights].map(([n, v]) => [n, { shape: v.shape, data: v.dataSync() as Float32Array }])));
    fs.writeFileSync(path.join(dir, 'model.safetensors'), good.subarray(0, good.length - 100));
    expectUserError(/model\.safetensors: not a valid safetensors file/);
  } finally {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
