/**
 * Half-precision storage of a model for the repository: the same Hugging Face layout as src/model/checkpoint.ts
 * (config.json + model.safetensors, names sorted, header padded to 8 bytes), with every weight stored as F16
 * (IEEE 754 binary16, round to nearest even). The project's loader reads F16 and widens it to float32, and
 * `GPT2LMHeadModel.from_pretrained(dir)` reads it too (as float16; pass torch_dtype=torch.float32 to widen).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../runtime/atomic';
import { encodeSafetensors, floatToHalf } from '../model/safetensors';
import { CONFIG_FILE, WEIGHTS_FILE, huggingFaceConfig, modelWeights, readSync } from '../model/checkpoint';
import type { GPT2 } from '../model/gpt2';
import type { GPT2Config } from '../model/config';

// floatToHalf lives with the safetensors encoder; re-exported for the callers of this module.
export { floatToHalf };

/**
 * Write config.json (torch_dtype float16) and an F16 model.safetensors for `model` into `dir` (weights read
 * with `await data()`, which works on every backend). `config` replaces
 * fields of the model's configuration that do not change the weights (the dropout rates fine-tuning should use).
 */
export async function saveModelF16Async(dir: string, model: GPT2, config: DropoutFields = {}): Promise<void> {
  writeF16(dir, model.config, await modelWeights(model), config);
}

/** `saveModelF16Async` for backends that read synchronously (cpu, wasm); refuses on webgpu (see `readSync`). */
export function saveModelF16(dir: string, model: GPT2, config: DropoutFields = {}): void {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, v] of model.weights) tensors.set(name, { shape: v.shape, data: readSync(v) });
  writeF16(dir, model.config, tensors, config);
}

type DropoutFields = Partial<Pick<GPT2Config, 'resid_pdrop' | 'embd_pdrop' | 'attn_pdrop'>>;

function writeF16(dir: string, modelConfig: GPT2Config, tensors: Map<string, { shape: number[]; data: Float32Array }>, config: DropoutFields): void {
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, WEIGHTS_FILE), encodeSafetensors(tensors, { format: 'pt' }, 'F16'));
  writeJsonAtomic(path.join(dir, CONFIG_FILE), { ...huggingFaceConfig({ ...modelConfig, ...config }), torch_dtype: 'float16' });
}
