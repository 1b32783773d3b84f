/**
 * A random BERT in the published Hugging Face layout (config.json, model.safetensors with "bert."-prefixed
 * names and a pooler, vocab.txt, tokenizer_config.json), for tests and benchmarks: no BERT weights can be
 * downloaded here. The weights are seeded normal draws (each tensor from its own generator derived from the seed
 * and its name); `noise` moves biases off 0 and gains off 1 so that every weight matters in a parity check.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../runtime/rng';
import { writeJsonAtomic, writeFileAtomic } from '../runtime/atomic';
import { fillNormal } from './gpt2';
import { writeSafetensors, TensorToWrite } from './safetensors';
import { BertConfig, bertParameterSpecs } from './bert';

/** A vocabulary that covers plain English text: specials, letters and ## letters, digits, punctuation, words. */
export function smallVocab(): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
  const words = ['the', 'a', 'an', 'is', 'are', 'was', 'i', 'you', 'he', 'she', 'we', 'they', 'my', 'name', 'and', 'to', 'of',
    'in', 'it', 'have', 'like', 'live', 'school', 'friend', 'family', 'work', 'go', 'very', 'good', 'day', 'this', 'that',
    'with', 'for', 'on', 'at', 'be', 'not', 'but', 'can', 'will', 'there', 'people', 'time', 'year', 'think', 'because'];
  const suffixes = ['##s', '##ed', '##ing', '##er', '##ly', '##e', '##en', '##es', '##t', '##y'];
  const punct = '.,!?;:\'"()-[]$%&/'.split('');
  const digits = '0123456789'.split('');
  const all = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...punct, ...digits, ...letters, ...letters.map((l) => `##${l}`), ...digits.map((d) => `##${d}`), ...words, ...suffixes];
  return [...new Set(all)];
}

export interface RandomBertOptions {
  /** Shape; vocab_size is raised to hold the vocabulary (and the vocabulary padded with [unusedN] to it). */
  config: BertConfig;
  seed?: number;
  /** Standard deviation of the weight matrices and embeddings (0.02, Hugging Face's initialiser, by default). */
  std?: number;
  /** Standard deviation of bias values and of gains around 1 (0: biases 0, gains 1). */
  noise?: number;
  /** tokenizer_config.json's do_lower_case (default true). */
  doLowerCase?: boolean;
  /** Whole words added to the vocabulary after `smallVocab()` (e.g. a frequency list, for realistic lengths). */
  words?: readonly string[];
  /** Store names with the "bert." prefix, as BertForPreTraining checkpoints do (default true). */
  prefix?: boolean;
}

/**
 * Write random encoder weights (every `bertParameterSpecs` tensor and a pooler, names with `prefix`) as
 * safetensors; shared by the random BERT and RoBERTa (src/model/roberta-random.ts).
 */
export function writeRandomWeights(file: string, config: BertConfig, o: { seed: number; std: number; noise: number; prefix: string }): void {
  const tensors = new Map<string, TensorToWrite>();
  const specs = [...bertParameterSpecs(config),
    { name: 'pooler.dense.weight', shape: [config.hidden_size, config.hidden_size], kind: 'linear' as const },
    { name: 'pooler.dense.bias', shape: [config.hidden_size], kind: 'bias' as const }];
  for (const spec of specs) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    const rng = Rng.derive(o.seed, 'random-bert', spec.name);
    if (spec.kind === 'embedding' || spec.kind === 'linear') fillNormal(data, rng, o.std);
    else if (o.noise > 0) fillNormal(data, rng, o.noise);
    if (spec.kind === 'gain') for (let i = 0; i < data.length; i++) data[i] += 1;
    tensors.set(o.prefix + spec.name, { shape: spec.shape, data });
  }
  writeSafetensors(file, tensors, { format: 'pt' });
}

/** Write the four files into `dir` (created if needed); returns the configuration written. */
export function writeRandomBert(dir: string, opts: RandomBertOptions): BertConfig {
  const seed = opts.seed ?? 0;
  const std = opts.std ?? 0.02;
  const noise = opts.noise ?? 0;
  const vocab = smallVocab();
  if (opts.words) {
    const have = new Set(vocab);
    for (const w of opts.words) {
      if (vocab.length >= opts.config.vocab_size) break;
      if (w && !have.has(w) && !/\s/.test(w)) {
        vocab.push(w);
        have.add(w);
      }
    }
  }
  const config: BertConfig = { ...opts.config, vocab_size: Math.max(opts.config.vocab_size, vocab.length) };
  for (let i = 0; vocab.length < config.vocab_size; i++) vocab.push(`[unused${i}]`);
  fs.mkdirSync(dir, { recursive: true });
  writeRandomWeights(path.join(dir, 'model.safetensors'), config, { seed, std, noise, prefix: opts.prefix === false ? '' : 'bert.' });
  writeJsonAtomic(path.join(dir, 'config.json'), {
    architectures: ['BertForPreTraining'],
    model_type: 'bert',
    attention_probs_dropout_prob: 0.1,
    hidden_dropout_prob: 0.1,
    initializer_range: 0.02,
    pad_token_id: 0,
    position_embedding_type: 'absolute',
    torch_dtype: 'float32',
    ...config,
  });
  writeFileAtomic(path.join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
  writeJsonAtomic(path.join(dir, 'tokenizer_config.json'), { do_lower_case: opts.doLowerCase ?? true, model_max_length: config.max_position_embeddings, tokenizer_class: 'BertTokenizer' });
  return config;
}
