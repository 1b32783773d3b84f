/**
 * Loading a local Hugging Face RoBERTa directory (Liu et al. 2019, "RoBERTa: A Robustly Optimized BERT
 * Pretraining Approach"), as `roberta-base` is published:
 *   config.json             model_type "roberta", the BertConfig fields, pad_token_id (the padding index of
 *                           the position numbering, 1 in the published models)
 *   model.safetensors       the weights, names with or without the "roberta." prefix; the pooler, lm_head.*,
 *                           a classifier head and the position_ids buffer are ignored
 *   vocab.json, merges.txt  the byte-level BPE tokenizer (src/tokenize/byte-bpe.ts)
 *   tokenizer_config.json   optional: add_prefix_space, special tokens
 * The network is BERT's (src/model/bert.ts) with RoBERTa's position numbering; configuration and weights are
 * read by the same code as BERT's (src/model/bert-load.ts), with the "roberta." prefix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../runtime/errors';
import { Bert, BertConfig } from './bert';
import { BERT_CONFIG_FILE, BERT_WEIGHTS_FILE, ROBERTA_FAMILY, bertWeightsFromBytes, checkModelDir, directoryHasher, readEncoderConfig } from './bert-load';
import { ByteBpeTokenizer, BPE_MERGES_FILE, BPE_TOKENIZER_CONFIG_FILE, BPE_VOCAB_FILE, readBpeTokenizerConfig } from '../tokenize/byte-bpe';

export const ROBERTA_FILES = [BERT_CONFIG_FILE, BERT_WEIGHTS_FILE, BPE_VOCAB_FILE, BPE_MERGES_FILE] as const;

export interface LoadedRoberta {
  model: Bert;
  tokenizer: ByteBpeTokenizer;
  config: BertConfig;
  /** config.json's pad_token_id: the padding index of the position numbering and the <pad> id. */
  paddingIdx: number;
  dir: string;
  /** SHA-256 over config.json, vocab.json, merges.txt, tokenizer_config.json (when present) and the weights. */
  contentHash: string;
  /** The tokenizer's model_max_length when tokenizer_config.json gives one. */
  modelMaxLength: number | null;
}

export function checkRobertaDir(dir: string): void {
  checkModelDir(dir, ROBERTA_FILES, ROBERTA_FAMILY);
}

/** Load a Hugging Face RoBERTa directory (each file read once; the content hash is taken from the same bytes). */
export function loadRoberta(dir: string): LoadedRoberta {
  checkRobertaDir(dir);
  const { bytesOf, hex } = directoryHasher(dir);
  const hasTokenizerConfig = fs.existsSync(path.join(dir, BPE_TOKENIZER_CONFIG_FILE));
  for (const f of [BERT_CONFIG_FILE, BPE_VOCAB_FILE, BPE_MERGES_FILE, ...(hasTokenizerConfig ? [BPE_TOKENIZER_CONFIG_FILE] : [])]) bytesOf(f);
  const configFile = path.join(dir, BERT_CONFIG_FILE);
  const { config, raw } = readEncoderConfig(dir, ROBERTA_FAMILY);
  const pad = raw.pad_token_id ?? 1; // RobertaConfig's default
  if (typeof pad !== 'number' || !Number.isInteger(pad) || pad < 0 || pad >= config.max_position_embeddings - 1) {
    throw new UserError(`${configFile}: pad_token_id ${JSON.stringify(raw.pad_token_id)} must be an integer from 0 to ${config.max_position_embeddings - 2} (RoBERTa numbers positions from pad_token_id + 1). Fix: use the config.json that came with the model (roberta-base has 1)`);
  }
  const tokenizer = ByteBpeTokenizer.fromDir(dir);
  const vocabFile = path.join(dir, BPE_VOCAB_FILE);
  for (const [token, id] of tokenizer.vocab) {
    if (id >= config.vocab_size) {
      throw new UserError(`${vocabFile}: token ${JSON.stringify(token)} has id ${id}, beyond config.json's vocab_size ${config.vocab_size}. Fix: use the vocab.json that came with the model`);
    }
  }
  if (tokenizer.padId !== pad) {
    throw new UserError(`${vocabFile}: the padding token has id ${tokenizer.padId} but config.json's pad_token_id is ${pad}. Fix: use the vocab.json and config.json that came with the model`);
  }
  const weightsFile = path.join(dir, BERT_WEIGHTS_FILE);
  const arrays = bertWeightsFromBytes(bytesOf(BERT_WEIGHTS_FILE), weightsFile, config, ROBERTA_FAMILY);
  const model = Bert.fromArrays(config, arrays, weightsFile, { paddingIdx: pad });
  const modelMaxLength = hasTokenizerConfig ? readBpeTokenizerConfig(path.join(dir, BPE_TOKENIZER_CONFIG_FILE)).modelMaxLength : null;
  return { model, tokenizer, config, paddingIdx: pad, dir, contentHash: hex(), modelMaxLength };
}
