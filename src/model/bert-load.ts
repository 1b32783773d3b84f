/**
 * Loading a local Hugging Face BERT directory, as `bert-base-uncased` is published:
 *   config.json             BertConfig fields (hidden_size, num_hidden_layers, ...)
 *   model.safetensors       the weights (F32, F16 or BF16), names with or without the "bert." prefix, the
 *                           older LayerNorm names "gamma"/"beta" accepted; the pooler, the pre-training heads
 *                           (cls.*), a classifier head and the position_ids buffer are ignored
 *   vocab.txt               the WordPiece vocabulary
 *   tokenizer_config.json   do_lower_case, strip_accents, special tokens
 * A missing file is a UserError naming the directory, the file and how to get it.
 *
 * The configuration and weight reading is shared with RoBERTa (src/model/roberta-load.ts): the two differ in
 * model_type, the name prefix ("bert." / "roberta."), the position numbering and the tokenizer files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { UserError } from '../runtime/errors';
import { parseSafetensors } from './safetensors';
import { Bert, BertConfig, bertParameterSpecs, validateBertConfig } from './bert';
import { WordPieceTokenizer, VOCAB_FILE, TOKENIZER_CONFIG_FILE } from '../tokenize/wordpiece';

export const BERT_CONFIG_FILE = 'config.json';
export const BERT_WEIGHTS_FILE = 'model.safetensors';
export const BERT_FILES = [BERT_CONFIG_FILE, BERT_WEIGHTS_FILE, VOCAB_FILE, TOKENIZER_CONFIG_FILE] as const;

/** What tells the encoder families apart when reading a directory. */
export interface EncoderFamily {
  /** config.json's model_type. */
  modelType: string;
  /** For messages: "BERT", "RoBERTa". */
  name: string;
  /** The --encoder spec kind that reads this family. */
  spec: string;
  /** Prefix of the stored weight names in the task-model checkpoints (BertForPreTraining, RobertaForMaskedLM). */
  prefix: string;
  /** transformers' Python class, for the conversion hint. */
  modelClass: string;
  /** Where to get one. */
  source: string;
  /** Config defaults for absent fields, as transformers applies them (RobertaConfig keeps BertConfig's for these). */
  defaults: Pick<BertConfig, 'hidden_size' | 'num_hidden_layers' | 'num_attention_heads' | 'intermediate_size' | 'max_position_embeddings' | 'type_vocab_size' | 'layer_norm_eps'>;
}

const BASE_DEFAULTS: EncoderFamily['defaults'] = { hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, max_position_embeddings: 512, type_vocab_size: 2, layer_norm_eps: 1e-12 };

export const BERT_FAMILY: EncoderFamily = {
  modelType: 'bert', name: 'BERT', spec: 'bert', prefix: 'bert.', modelClass: 'BertModel',
  source: 'e.g. from huggingface.co/google-bert/bert-base-uncased', defaults: BASE_DEFAULTS,
};

export const ROBERTA_FAMILY: EncoderFamily = {
  modelType: 'roberta', name: 'RoBERTa', spec: 'roberta', prefix: 'roberta.', modelClass: 'RobertaModel',
  source: 'e.g. from huggingface.co/FacebookAI/roberta-base', defaults: BASE_DEFAULTS,
};

const FAMILIES = [BERT_FAMILY, ROBERTA_FAMILY];

/**
 * Check that `dir` is a directory holding `files` of a `family` model; the first problem is a UserError.
 * A directory with only pytorch_model.bin is refused with the conversion to safetensors: a .bin file is a
 * Python pickle, which runs code when loaded, so it is not read here.
 */
export function checkModelDir(dir: string, files: readonly string[], family: EncoderFamily): void {
  if (!fs.existsSync(dir)) throw new UserError(`${dir}: the ${family.name} directory does not exist. Fix: give a local Hugging Face ${family.name} directory (${files.join(', ')}), ${family.source}`);
  if (!fs.statSync(dir).isDirectory()) throw new UserError(`${dir}: not a directory. Fix: give the directory that holds ${files.join(', ')}`);
  // Another family's directory lacks some of this family's files: say which spec reads it before naming them.
  const configFile = path.join(dir, BERT_CONFIG_FILE);
  if (fs.existsSync(configFile)) {
    let raw: unknown = null;
    try {
      raw = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    } catch {
      // reported with its cause when the configuration is read
    }
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) checkModelType(configFile, raw as Record<string, unknown>, dir, family);
  }
  for (const file of files) {
    if (fs.existsSync(path.join(dir, file))) continue;
    if (file === BERT_WEIGHTS_FILE && fs.existsSync(path.join(dir, 'pytorch_model.bin'))) {
      throw new UserError(`${dir}: no ${BERT_WEIGHTS_FILE} (only pytorch_model.bin, which cannot be read safely outside Python). Fix: download model.safetensors (${family.source}) or convert in Python: ${family.modelClass}.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)`);
    }
    throw new UserError(`${dir}: no ${file}. Fix: copy ${file} from the model's source (${family.source}) into ${dir}; a ${family.name} directory needs ${files.join(', ')}`);
  }
}

/** Check that `dir` is a directory with the four files; the first problem is a UserError. */
export function checkBertDir(dir: string): void {
  if (fs.existsSync(dir) && fs.statSync(dir).isDirectory() && !fs.existsSync(path.join(dir, TOKENIZER_CONFIG_FILE))) {
    // WordPieceTokenizer.fromDir gives the detailed message (what to write for cased and uncased models).
    if (fs.existsSync(path.join(dir, VOCAB_FILE))) WordPieceTokenizer.fromDir(dir);
  }
  checkModelDir(dir, BERT_FILES, BERT_FAMILY);
}

/** Read and check config.json (BertConfig defaults for absent fields, as transformers applies them). */
export function readBertConfig(dir: string): BertConfig {
  return readEncoderConfig(dir, BERT_FAMILY).config;
}

/**
 * Read and check the config.json of a `family` model; also returns the parsed object (RoBERTa needs its
 * pad_token_id). A model_type of another family names the spec that reads it.
 */
export function readEncoderConfig(dir: string, family: EncoderFamily): { config: BertConfig; raw: Record<string, unknown> } {
  const file = path.join(dir, BERT_CONFIG_FILE);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: cannot read it as JSON (${(err as Error).message}). Fix: restore config.json from the model's source`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`${file}: not a JSON object. Fix: restore config.json from the model's source`);
  const unsupported = (field: string, fix: string) => new UserError(`${file}: ${field} = ${JSON.stringify(raw[field])} is not supported. Fix: ${fix}`);
  checkModelType(file, raw, dir, family);
  if (raw.position_embedding_type !== undefined && raw.position_embedding_type !== 'absolute') throw unsupported('position_embedding_type', `use a ${family.name} checkpoint with absolute position embeddings`);
  if (raw.is_decoder === true) throw unsupported('is_decoder', `use a ${family.name} encoder checkpoint`);
  const num = (key: string, fallback?: number): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number') throw new UserError(`${file}: "${key}" is missing or not a number. Fix: add it to config.json`);
    return v;
  };
  const act = raw.hidden_act ?? 'gelu';
  if (typeof act !== 'string') throw unsupported('hidden_act', 'use "gelu"');
  const d = family.defaults;
  const config: BertConfig = {
    vocab_size: num('vocab_size'),
    hidden_size: num('hidden_size', d.hidden_size),
    num_hidden_layers: num('num_hidden_layers', d.num_hidden_layers),
    num_attention_heads: num('num_attention_heads', d.num_attention_heads),
    intermediate_size: num('intermediate_size', d.intermediate_size),
    hidden_act: act,
    max_position_embeddings: num('max_position_embeddings', d.max_position_embeddings),
    type_vocab_size: num('type_vocab_size', d.type_vocab_size),
    layer_norm_eps: num('layer_norm_eps', d.layer_norm_eps),
  };
  validateBertConfig(config, file);
  return { config, raw };
}

/** config.json's model_type must be the family's; another family's names the spec that reads it. */
function checkModelType(file: string, raw: Record<string, unknown>, dir: string, family: EncoderFamily): void {
  const type = raw.model_type;
  // A BERT config.json written by old versions of transformers may lack model_type; RoBERTa's always has it.
  if (type === family.modelType || (type === undefined && family === BERT_FAMILY)) return;
  const problem = `${file}: model_type = ${JSON.stringify(type)} is not supported by ${family.spec}:DIR. Fix: `;
  const other = FAMILIES.find((f) => f.modelType === type);
  if (other) throw new UserError(`${problem}this is a ${other.name} model: use --encoder ${other.spec}:${dir}`);
  if (typeof type === 'string' && type.startsWith('deberta')) {
    throw new UserError(`${problem}DeBERTa (disentangled relative-position attention) is not supported; use a BERT (bert:DIR) or RoBERTa (roberta:DIR) checkpoint`);
  }
  throw new UserError(`${problem}use a ${family.name} checkpoint ("model_type": "${family.modelType}")`);
}

/**
 * Our name for a stored name, or null for a tensor the encoder does not use: the family prefix ("bert.",
 * "roberta.") dropped, LayerNorm.gamma/beta -> weight/bias.
 */
export function canonicalBertName(stored: string, prefix = BERT_FAMILY.prefix): string | null {
  let name = stored.startsWith(prefix) ? stored.slice(prefix.length) : stored;
  name = name.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
  if (!name.startsWith('embeddings.') && !name.startsWith('encoder.')) return null; // pooler, cls.*, lm_head.*, classifier
  if (name === 'embeddings.position_ids' || name === 'embeddings.token_type_ids') return null; // buffers
  return name;
}

/** Weights of a safetensors byte buffer as float32 arrays by canonical name. */
export function bertWeightsFromBytes(bytes: Uint8Array, file: string, config: BertConfig, family: EncoderFamily = BERT_FAMILY): Map<string, Float32Array> {
  const { tensors } = parseSafetensors(bytes, file, { skip: (n) => canonicalBertName(n, family.prefix) === null });
  const expected = new Map(bertParameterSpecs(config).map((s) => [s.name, s.shape]));
  const out = new Map<string, Float32Array>();
  for (const [stored, t] of tensors) {
    const name = canonicalBertName(stored, family.prefix)!;
    const shape = expected.get(name);
    if (!shape) throw new UserError(`${file}: unexpected weight "${stored}" for a ${family.name} encoder of ${config.num_hidden_layers} layers. Fix: use the config.json that came with these weights`);
    if (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i])) {
      throw new UserError(`${file}: weight "${stored}" has shape [${t.shape}] but config.json implies [${shape}]. Fix: use the config.json that came with these weights`);
    }
    if (out.has(name)) throw new UserError(`${file}: weight "${stored}" appears twice (with and without the "${family.prefix}" prefix). Fix: keep one copy`);
    out.set(name, t.data);
  }
  const missing = [...expected.keys()].filter((n) => !out.has(n));
  if (missing.length) throw new UserError(`${file}: ${missing.length} weights are missing (first: ${missing.slice(0, 3).join(', ')}). Fix: use a complete ${family.name} checkpoint`);
  return out;
}

export interface LoadedBert {
  model: Bert;
  tokenizer: WordPieceTokenizer;
  config: BertConfig;
  dir: string;
  /** SHA-256 over the four files (names and contents), hex. */
  contentHash: string;
  /** The tokenizer's model_max_length when tokenizer_config.json gives one. */
  modelMaxLength: number | null;
}

/** A SHA-256 over named files of `dir` (names, lengths and contents); `bytesOf` reads a file and adds it. */
export function directoryHasher(dir: string): { bytesOf: (file: string) => Buffer; hex: () => string } {
  const hash = createHash('sha256');
  return {
    bytesOf(file: string) {
      const bytes = fs.readFileSync(path.join(dir, file));
      hash.update(`${file}\0${bytes.length}\0`);
      hash.update(bytes);
      return bytes;
    },
    hex: () => hash.digest('hex'),
  };
}

/** Load a Hugging Face BERT directory (reading each file once; the content hash is taken from the same bytes). */
export function loadBert(dir: string): LoadedBert {
  checkBertDir(dir);
  const { bytesOf, hex } = directoryHasher(dir);
  for (const f of [BERT_CONFIG_FILE, VOCAB_FILE, TOKENIZER_CONFIG_FILE]) bytesOf(f);
  const config = readBertConfig(dir);
  const tokenizer = WordPieceTokenizer.fromDir(dir);
  for (const [token, id] of tokenizer.vocab) {
    if (id >= config.vocab_size) {
      throw new UserError(`${path.join(dir, VOCAB_FILE)}: token "${token}" has id ${id}, beyond config.json's vocab_size ${config.vocab_size}. Fix: use the vocab.txt that came with the model`);
    }
  }
  const weightsFile = path.join(dir, BERT_WEIGHTS_FILE);
  const arrays = bertWeightsFromBytes(bytesOf(BERT_WEIGHTS_FILE), weightsFile, config);
  const model = Bert.fromArrays(config, arrays, weightsFile);
  const raw = JSON.parse(fs.readFileSync(path.join(dir, TOKENIZER_CONFIG_FILE), 'utf8')) as { model_max_length?: unknown };
  const ml = raw.model_max_length;
  return { model, tokenizer, config, dir, contentHash: hex(), modelMaxLength: typeof ml === 'number' && ml > 0 && ml < 1e6 ? ml : null };
}
