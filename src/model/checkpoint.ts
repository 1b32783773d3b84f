/**
 * Checkpoints in Hugging Face's layout, so that a Python user can open them with
 * `GPT2LMHeadModel.from_pretrained(dir)` and we can start from the published GPT-2 weights:
 *   config.json          GPT2Config fields ("architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", ...)
 *   model.safetensors    float32 weights by Hugging Face name; lm_head is tied to wte and not stored
 *
 * In Python (transformers installed): `GPT2LMHeadModel.from_pretrained(dir)` loads such a directory as is; the
 * tokenizer is GPT-2's with the seven ILM tokens added in order (ids 50257..50263, spec section 3).
 *
 * Loading accepts the variations found in published GPT-2 files: names with or without the "transformer."
 * prefix, the attention-mask buffers ("attn.bias", "attn.masked_bias"), a stored "lm_head.weight", and a
 * sharded "model.safetensors.index.json".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../runtime/errors';
import { writeJsonAtomic } from '../runtime/atomic';
import { Rng } from '../runtime/rng';
import { sha256, sha256File } from '../runtime/hash';
import { GPT2Config, GPT2_VOCAB_SIZE, ILM_VOCAB_SIZE, parameterSpecs, validateConfig } from './config';
import { GPT2, fillNormal } from './gpt2';
import { readSafetensorsFile, writeSafetensors, TensorToWrite } from './safetensors';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';
const INDEX_FILE = 'model.safetensors.index.json';

/** config.json for a configuration, with every field transformers' GPT2Config reads. */
export function huggingFaceConfig(config: GPT2Config): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    activation_function: 'gelu_new',
    attn_pdrop: config.attn_pdrop,
    bos_token_id: 50256,
    embd_pdrop: config.embd_pdrop,
    eos_token_id: 50256,
    initializer_range: config.initializer_range,
    layer_norm_epsilon: config.layer_norm_epsilon,
    n_ctx: config.n_positions,
    n_embd: config.n_embd,
    n_head: config.n_head,
    n_inner: null,
    n_layer: config.n_layer,
    n_positions: config.n_positions,
    reorder_and_upcast_attn: false,
    resid_pdrop: config.resid_pdrop,
    scale_attn_by_inverse_layer_idx: false,
    scale_attn_weights: true,
    summary_activation: null,
    summary_first_dropout: 0.1,
    summary_proj_to_labels: true,
    summary_type: 'cls_index',
    summary_use_proj: true,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
    use_cache: true,
    vocab_size: config.vocab_size,
  };
}

/**
 * Write config.json and model.safetensors into `dir` (created if needed), each file atomically. Reads the
 * weights with `await data()`, which works on every backend (a GPU's included). Callers that
 * need the whole checkpoint to appear at once build it in a temporary directory (`buildDirAtomic`).
 */
export async function saveModelAsync(dir: string, model: GPT2): Promise<void> {
  writeModelFiles(dir, model.config, await modelWeights(model));
}

/**
 * `saveModelAsync` for backends that read tensors synchronously (cpu, wasm); on a GPU backend it refuses,
 * since a synchronous read of GPU memory is not possible there (tfjs-backend-webgpu needs OffscreenCanvas).
 */
export function saveModel(dir: string, model: GPT2): void {
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, variable] of model.weights) tensors.set(name, { shape: variable.shape, data: readSync(variable) });
  writeModelFiles(dir, model.config, tensors);
}

/** The weights by name as float32 host arrays, read asynchronously: the one read that works on every backend. */
export async function modelWeights(model: GPT2): Promise<Map<string, TensorToWrite>> {
  const tensors = new Map<string, TensorToWrite>();
  for (const [name, variable] of model.weights) tensors.set(name, { shape: variable.shape, data: (await variable.data()) as Float32Array });
  return tensors;
}

/** A tensor's values read synchronously; a clear error on a backend that cannot (webgpu). */
export function readSync(t: tf.Tensor): Float32Array {
  if (tf.getBackend() === 'webgpu') {
    throw new Error('a synchronous read of a tensor on the webgpu backend is not possible: use the async form (saveModelAsync, await tensor.data())');
  }
  return t.dataSync() as Float32Array;
}

function writeModelFiles(dir: string, config: GPT2Config, tensors: Map<string, TensorToWrite>): void {
  fs.mkdirSync(dir, { recursive: true });
  // "format": "pt" is what transformers checks before loading a safetensors file as PyTorch weights.
  writeSafetensors(path.join(dir, WEIGHTS_FILE), tensors, { format: 'pt' });
  writeJsonAtomic(path.join(dir, CONFIG_FILE), huggingFaceConfig(config));
}

/** Read and check config.json; fields transformers would default are defaulted the same way. */
export function readConfig(dir: string): GPT2Config {
  const file = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(file)) {
    throw new UserError(`${file}: no config.json. Fix: point to a Hugging Face GPT-2 directory (config.json and model.safetensors)`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message}). Fix: restore the file from the checkpoint's source`);
  }
  const unsupported = (field: string, value: unknown, fix: string) =>
    new UserError(`${file}: ${field} = ${JSON.stringify(value)} is not supported. Fix: ${fix}`);
  if (raw.model_type !== undefined && raw.model_type !== 'gpt2') throw unsupported('model_type', raw.model_type, 'use a GPT-2 checkpoint ("model_type": "gpt2")');
  const act = raw.activation_function;
  if (act !== undefined && act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') throw unsupported('activation_function', act, 'use a GPT-2 checkpoint with the tanh GELU ("gelu_new")');
  if (raw.n_inner != null && raw.n_inner !== 4 * Number(raw.n_embd)) throw unsupported('n_inner', raw.n_inner, 'use n_inner = null (4 x n_embd)');
  if (raw.scale_attn_weights === false) throw unsupported('scale_attn_weights', false, 'use a checkpoint with scaled attention (the GPT-2 default)');
  if (raw.scale_attn_by_inverse_layer_idx === true) throw unsupported('scale_attn_by_inverse_layer_idx', true, 'use a checkpoint without per-layer attention scaling');
  if (raw.tie_word_embeddings === false) throw unsupported('tie_word_embeddings', false, 'use a checkpoint whose output layer is tied to the token embedding');
  if (raw.add_cross_attention === true) throw unsupported('add_cross_attention', true, 'use a plain GPT-2 language model');
  const num = (key: string, fallback?: number): number => {
    const value = raw[key] ?? fallback;
    if (typeof value !== 'number') throw new UserError(`${file}: "${key}" is missing or not a number. Fix: add it to config.json`);
    return value;
  };
  const config: GPT2Config = {
    vocab_size: num('vocab_size'),
    n_positions: num('n_positions', typeof raw.n_ctx === 'number' ? raw.n_ctx : 1024),
    n_embd: num('n_embd'),
    n_layer: num('n_layer'),
    n_head: num('n_head'),
    layer_norm_epsilon: num('layer_norm_epsilon', 1e-5),
    resid_pdrop: num('resid_pdrop', 0.1),
    embd_pdrop: num('embd_pdrop', 0.1),
    attn_pdrop: num('attn_pdrop', 0.1),
    initializer_range: num('initializer_range', 0.02),
  };
  validateConfig(config, file);
  return config;
}

/** Buffers some GPT-2 files carry that are not weights (the causal mask and its fill value). */
function isAttentionBuffer(name: string): boolean {
  return name.endsWith('.attn.bias') || name.endsWith('.attn.masked_bias');
}

/** Our name for a stored name: "h.0.ln_1.weight" -> "transformer.h.0.ln_1.weight". */
function canonicalName(name: string): string {
  return name.startsWith('transformer.') || name.startsWith('lm_head.') ? name : `transformer.${name}`;
}

/** The weight files of a checkpoint directory: model.safetensors, or the shards its index names (sorted). */
export function weightFiles(dir: string): string[] {
  const single = path.join(dir, WEIGHTS_FILE);
  const index = path.join(dir, INDEX_FILE);
  let files: string[];
  if (fs.existsSync(single)) {
    files = [single];
  } else if (fs.existsSync(index)) {
    let map: Record<string, string>;
    try {
      map = JSON.parse(fs.readFileSync(index, 'utf8')).weight_map;
    } catch (err) {
      throw new UserError(`${index}: not valid JSON (${(err as Error).message}). Fix: restore the file from the checkpoint's source`);
    }
    if (typeof map !== 'object' || map === null) throw new UserError(`${index}: no "weight_map". Fix: restore the file from the checkpoint's source`);
    files = [...new Set(Object.values(map))].sort().map((f) => path.join(dir, f));
  } else {
    const bin = fs.existsSync(path.join(dir, 'pytorch_model.bin'));
    throw new UserError(
      `${dir}: no ${WEIGHTS_FILE}. Fix: ${bin
        ? 'convert pytorch_model.bin to safetensors in Python: GPT2LMHeadModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)'
        : 'download model.safetensors together with config.json (e.g. from huggingface.co/openai-community/gpt2)'}`,
    );
  }
  return files;
}

/** The weights of a checkpoint directory as float32 arrays by canonical name (buffers and lm_head dropped). */
export function readWeights(dir: string, config: GPT2Config): Map<string, Float32Array> {
  const files = weightFiles(dir);
  const expected = new Map(parameterSpecs(config).map((s) => [s.name, s.shape]));
  const out = new Map<string, Float32Array>();
  for (const file of files) {
    const { tensors } = readSafetensorsFile(file, { skip: (n) => isAttentionBuffer(n) || canonicalName(n) === 'lm_head.weight' });
    for (const [stored, tensor] of tensors) {
      const name = canonicalName(stored);
      const shape = expected.get(name);
      if (!shape) {
        throw new UserError(`${file}: unexpected weight "${stored}" for a GPT-2 language model. Fix: use a GPT2LMHeadModel/GPT2Model checkpoint`);
      }
      if (shape.length !== tensor.shape.length || shape.some((d, i) => d !== tensor.shape[i])) {
        throw new UserError(`${file}: weight "${stored}" has shape [${tensor.shape}] but config.json implies [${shape}]. Fix: use the config.json that came with these weights`);
      }
      if (out.has(name)) throw new UserError(`${file}: weight "${stored}" appears twice (with and without the "transformer." prefix). Fix: keep one copy`);
      out.set(name, tensor.data);
    }
  }
  const missing = [...expected.keys()].filter((n) => !out.has(n));
  if (missing.length > 0) {
    throw new UserError(`${dir}: ${missing.length} weights are missing (first: ${missing.slice(0, 3).join(', ')}). Fix: use a complete GPT-2 checkpoint`);
  }
  return out;
}

/**
 * What a checkpoint directory holds, as one SHA-256 over config.json and each weight file's hash: the same
 * weights give the same value in any folder (a run records this for `--init`, not the folder's path).
 */
export async function checkpointHash(dir: string): Promise<string> {
  const parts = [sha256(fs.readFileSync(path.join(dir, CONFIG_FILE)))];
  for (const file of weightFiles(dir)) parts.push(await sha256File(file));
  return sha256(parts.join('\n'));
}

/** Load a checkpoint directory written by `saveModel` (or any Hugging Face GPT-2 directory) as is. */
export function loadModel(dir: string): GPT2 {
  const config = readConfig(dir);
  return GPT2.fromArrays(config, readWeights(dir, config), dir);
}

/**
 * Load published GPT-2 weights (vocabulary 50,257) and append the seven ILM token rows to the embedding,
 * drawn N(0, initializer_range) from `seed`, giving vocabulary 50,264. A directory that already has the ILM
 * vocabulary (one of our checkpoints) is loaded unchanged.
 */
export function loadPretrainedGpt2(dir: string, seed = 0): GPT2 {
  const config = readConfig(dir);
  const arrays = readWeights(dir, config);
  if (config.vocab_size === ILM_VOCAB_SIZE) return GPT2.fromArrays(config, arrays, dir);
  if (config.vocab_size !== GPT2_VOCAB_SIZE) {
    throw new UserError(`${path.join(dir, CONFIG_FILE)}: vocab_size ${config.vocab_size} is neither GPT-2's ${GPT2_VOCAB_SIZE} nor the ILM ${ILM_VOCAB_SIZE}. Fix: use the published GPT-2 weights`);
  }
  const C = config.n_embd;
  const wte = arrays.get('transformer.wte.weight')!;
  const extended = new Float32Array(ILM_VOCAB_SIZE * C);
  extended.set(wte);
  const rows = extended.subarray(GPT2_VOCAB_SIZE * C);
  fillNormal(rows, Rng.derive(seed, 'ilm-token-rows'), config.initializer_range);
  arrays.set('transformer.wte.weight', extended);
  return GPT2.fromArrays({ ...config, vocab_size: ILM_VOCAB_SIZE }, arrays, dir);
}
