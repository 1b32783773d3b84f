/**
 * `--init base`: the name resolves to the shipped data/models/base, a missing base is a UserError naming the
 * fix, other values are paths passed through; the command line resolves it before training; and the shipped
 * base model (when present) loads with the project's loader as an ILM-vocabulary GPT-2.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BASE_MODEL_DIR, resolveInit } from '../src/pretrain/base';
import { UserError } from '../src/runtime/errors';
import { dataDir } from '../src/runtime/paths';

test('resolveInit: base -> data/models/base; other values unchanged; a missing base says how to rebuild it', () => {
  assert.equal(BASE_MODEL_DIR, path.join(dataDir, 'models', 'base'));
  assert.equal(resolveInit('experiments/x/checkpoints/best'), 'experiments/x/checkpoints/best');
  assert.equal(resolveInit('./base'), './base');
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-init-'));
  assert.throws(() => resolveInit('base', empty), (e: unknown) => e instanceof UserError && /base model is missing.*cefrlab pretrain/.test(e.message));
  fs.writeFileSync(path.join(empty, 'config.json'), '{}');
  fs.writeFileSync(path.join(empty, 'model.safetensors'), '');
  assert.equal(resolveInit('base', empty), empty);
  fs.rmSync(empty, { recursive: true, force: true });
});

test('the shipped base model loads (fp16 widened to float32) with the ILM vocabulary', { skip: !fs.existsSync(path.join(BASE_MODEL_DIR, 'model.safetensors')) && 'data/models/base not built yet' }, async () => {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const { loadPretrainedGpt2 } = await import('../src/model/checkpoint');
  const { ILM_VOCAB_SIZE } = await import('../src/model/config');
  const model = loadPretrainedGpt2(resolveInit('base'));
  assert.equal(model.config.vocab_size, ILM_VOCAB_SIZE);
  assert.ok(model.config.n_positions >= 256);
  assert.equal(model.weights.get('transformer.wte.weight')!.dtype, 'float32');
  const manifest = JSON.parse(fs.readFileSync(path.join(BASE_MODEL_DIR, 'manifest.json'), 'utf8'));
  assert.equal(manifest.model.parameters, model.parameterCount());
  assert.ok(manifest.validation.all.infillTextPerplexity > 1);
  assert.ok(fs.statSync(path.join(BASE_MODEL_DIR, 'model.safetensors')).size < 40 * 1024 * 1024, 'the base model stays small');
  model.dispose();
});

test('cefrlab train --init base: a missing base fails before any training with the fix', { skip: fs.existsSync(path.join(BASE_MODEL_DIR, 'model.safetensors')) && 'the base exists (covered by resolveInit above)' }, async () => {
  const { main } = await import('../src/cli/main');
  const errors: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => (errors.push(String(s)), true)) as typeof process.stderr.write;
  try {
    const code = await main(['train', path.join(os.tmpdir(), 'never-exp'), path.join(os.tmpdir(), 'never-examples'), '--init', 'base']);
    assert.notEqual(code, 0);
  } finally {
    process.stderr.write = write;
  }
  assert.match(errors.join(''), /base model is missing|no example set/);
});
