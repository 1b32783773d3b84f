/**
 * GPT-2 configuration with Hugging Face's `config.json` field names, the presets, and the parameter
 * shapes a configuration implies. The shapes are computed without allocating any weights, so the
 * 124M model's parameter count can be stated (and tested) cheaply.
 */
import { UserError } from '../runtime/errors';

/** The GPT-2 vocabulary plus the seven ILM tokens (spec section 3). */
export const ILM_VOCAB_SIZE = 50264;
/** GPT-2's published vocabulary (byte-level BPE, `r50k_base`). */
export const GPT2_VOCAB_SIZE = 50257;

export interface GPT2Config {
  vocab_size: number;
  n_positions: number;
  n_embd: number;
  n_layer: number;
  n_head: number;
  layer_norm_epsilon: number;
  resid_pdrop: number;
  embd_pdrop: number;
  attn_pdrop: number;
  initializer_range: number;
}

function preset(n_layer: number, n_embd: number, n_head: number, n_positions: number): GPT2Config {
  return {
    vocab_size: ILM_VOCAB_SIZE,
    n_positions,
    n_embd,
    n_layer,
    n_head,
    layer_norm_epsilon: 1e-5,
    resid_pdrop: 0.1,
    embd_pdrop: 0.1,
    attn_pdrop: 0.1,
    initializer_range: 0.02,
  };
}

/**
 * `gpt2` is the published 124M architecture (Radford et al. 2019) with the ILM vocabulary; the small presets
 * keep its shape (4x MLP, 64-wide heads for `small`) at a size that trains on a 2-core CPU in minutes.
 */
export const PRESETS: Record<string, GPT2Config> = {
  gpt2: preset(12, 768, 12, 1024),
  tiny: preset(2, 128, 4, 256),
  small: preset(4, 256, 4, 256),
};

/** A copy of a preset by name, or a UserError listing the names. */
export function presetConfig(name: string): GPT2Config {
  const found = Object.prototype.hasOwnProperty.call(PRESETS, name) ? PRESETS[name] : undefined;
  if (!found) {
    throw new UserError(`unknown model preset "${name}". Fix: use one of ${Object.keys(PRESETS).join(', ')}`);
  }
  return { ...found };
}

/** Check a configuration; `where` names its source (a file or a preset) for the error message. */
export function validateConfig(config: GPT2Config, where = 'model configuration'): void {
  const ints: Array<keyof GPT2Config> = ['vocab_size', 'n_positions', 'n_embd', 'n_layer', 'n_head'];
  for (const key of ints) {
    const value = config[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new UserError(`${where}: "${key}" must be a positive integer, got ${JSON.stringify(value)}. Fix: correct the configuration`);
    }
  }
  if (config.n_embd % config.n_head !== 0) {
    throw new UserError(`${where}: n_embd (${config.n_embd}) is not a multiple of n_head (${config.n_head}). Fix: choose n_head dividing n_embd`);
  }
  const probs: Array<keyof GPT2Config> = ['resid_pdrop', 'embd_pdrop', 'attn_pdrop'];
  for (const key of probs) {
    const value = config[key];
    if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
      throw new UserError(`${where}: "${key}" must be a probability in [0, 1), got ${JSON.stringify(value)}. Fix: correct the configuration`);
    }
  }
  for (const key of ['layer_norm_epsilon', 'initializer_range'] as Array<keyof GPT2Config>) {
    const value = config[key];
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      throw new UserError(`${where}: "${key}" must be a positive number, got ${JSON.stringify(value)}. Fix: correct the configuration`);
    }
  }
}

/** How a weight is initialised (see `GPT2.create`). */
export type InitKind = 'normal' | 'residual' | 'zeros' | 'ones';

export interface ParamSpec {
  /** Hugging Face name inside `GPT2LMHeadModel` ("transformer.h.0.attn.c_attn.weight"). */
  name: string;
  shape: number[];
  init: InitKind;
}

/**
 * Every trainable weight of GPT2LMHeadModel in Hugging Face's order, names and shapes. Conv1D weights are
 * stored [in, out] (so y = x W + b without a transpose). The lm_head is tied to `transformer.wte.weight` and is
 * not a separate parameter.
 */
export function parameterSpecs(config: GPT2Config): ParamSpec[] {
  const C = config.n_embd;
  const specs: ParamSpec[] = [
    { name: 'transformer.wte.weight', shape: [config.vocab_size, C], init: 'normal' },
    { name: 'transformer.wpe.weight', shape: [config.n_positions, C], init: 'normal' },
  ];
  for (let l = 0; l < config.n_layer; l++) {
    const p = `transformer.h.${l}.`;
    specs.push(
      { name: `${p}ln_1.weight`, shape: [C], init: 'ones' },
      { name: `${p}ln_1.bias`, shape: [C], init: 'zeros' },
      { name: `${p}attn.c_attn.weight`, shape: [C, 3 * C], init: 'normal' },
      { name: `${p}attn.c_attn.bias`, shape: [3 * C], init: 'zeros' },
      { name: `${p}attn.c_proj.weight`, shape: [C, C], init: 'residual' },
      { name: `${p}attn.c_proj.bias`, shape: [C], init: 'zeros' },
      { name: `${p}ln_2.weight`, shape: [C], init: 'ones' },
      { name: `${p}ln_2.bias`, shape: [C], init: 'zeros' },
      { name: `${p}mlp.c_fc.weight`, shape: [C, 4 * C], init: 'normal' },
      { name: `${p}mlp.c_fc.bias`, shape: [4 * C], init: 'zeros' },
      { name: `${p}mlp.c_proj.weight`, shape: [4 * C, C], init: 'residual' },
      { name: `${p}mlp.c_proj.bias`, shape: [C], init: 'zeros' },
    );
  }
  specs.push(
    { name: 'transformer.ln_f.weight', shape: [C], init: 'ones' },
    { name: 'transformer.ln_f.bias', shape: [C], init: 'zeros' },
  );
  return specs;
}

/** Parameter count from the shapes alone, counting the tied lm_head once (Hugging Face's convention). */
export function countParameters(config: GPT2Config): number {
  let total = 0;
  for (const spec of parameterSpecs(config)) total += spec.shape.reduce((a, b) => a * b, 1);
  return total;
}
