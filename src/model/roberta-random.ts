/**
 * A random RoBERTa in the published Hugging Face layout (config.json with model_type "roberta",
 * model.safetensors with "roberta."-prefixed names and a pooler, vocab.json, merges.txt, tokenizer_config.json),
 * for tests and benchmarks: no RoBERTa weights can be downloaded here. The weights are those of the random BERT
 * (src/model/bert-random.ts); the tokenizer's merges are learnt from given texts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../runtime/rng';
import { writeJsonAtomic, writeFileAtomic } from '../runtime/atomic';
import { BertConfig } from './bert';
import { writeRandomWeights } from './bert-random';
import { byteToUnicode, pretokenize, toByteChars } from '../tokenize/byte-bpe';

/**
 * BPE merges learnt from `texts` (Sennrich, Haddow & Birch 2016, algorithm 1, on GPT-2's pre-tokenized byte
 * pieces): repeatedly join the most frequent adjacent pair of symbols (ties: the pair that sorts first), at most
 * `count` times. Returns the merges in order, each as [left, right].
 */
export function learnMerges(texts: readonly string[], count: number): Array<[string, string]> {
  const freq = new Map<string, number>();
  for (const t of texts) for (const p of pretokenize(t)) { const w = toByteChars(p); freq.set(w, (freq.get(w) ?? 0) + 1); }
  let words = [...freq].map(([w, n]) => ({ symbols: [...w], n }));
  const merges: Array<[string, string]> = [];
  while (merges.length < count) {
    const pairs = new Map<string, number>();
    for (const { symbols, n } of words) for (let i = 0; i < symbols.length - 1; i++) {
      const key = `${symbols[i]} ${symbols[i + 1]}`;
      pairs.set(key, (pairs.get(key) ?? 0) + n);
    }
    let best: string | null = null;
    let bestN = 1; // a pair seen once is not worth a merge
    for (const [key, n] of pairs) if (n > bestN || (n === bestN && best !== null && key < best)) { best = key; bestN = n; }
    if (best === null) break;
    const [l, r] = best.split(' ');
    merges.push([l, r]);
    words = words.map(({ symbols, n }) => {
      const next: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i < symbols.length - 1 && symbols[i] === l && symbols[i + 1] === r) { next.push(l + r); i++; } else next.push(symbols[i]);
      }
      return { symbols: next, n };
    });
  }
  return merges;
}

export interface RandomRobertaOptions {
  /** Shape; vocab_size is set to the vocabulary's size. max_position_embeddings counts the 2 offset rows. */
  config: BertConfig;
  /** Texts to learn the merges from. */
  texts: readonly string[];
  /** Number of merges to learn (fewer if the texts run out of repeated pairs). */
  merges: number;
  seed?: number;
  std?: number;
  noise?: number;
  /** Store names with the "roberta." prefix, as RobertaForMaskedLM checkpoints do (default true). */
  prefix?: boolean;
}

/**
 * Write the files into `dir` (created if needed); returns the configuration written. The vocabulary is
 * <s> 0, <pad> 1, </s> 2, <unk> 3, then the 256 byte characters and the merged symbols in a seeded random order
 * (so that ids are not merge ranks, as in roberta-base's vocab.json), then <mask>.
 */
export function writeRandomRoberta(dir: string, opts: RandomRobertaOptions): BertConfig {
  const seed = opts.seed ?? 0;
  const merges = learnMerges(opts.texts, opts.merges);
  const symbols = [...new Set([...byteToUnicode(), ...merges.map(([l, r]) => l + r)])];
  Rng.derive(seed, 'random-roberta-ids').shuffle(symbols);
  const tokens = ['<s>', '<pad>', '</s>', '<unk>', ...symbols, '<mask>'];
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => { vocab[t] = i; });
  const config: BertConfig = { ...opts.config, vocab_size: tokens.length };
  fs.mkdirSync(dir, { recursive: true });
  writeRandomWeights(path.join(dir, 'model.safetensors'), config, { seed, std: opts.std ?? 0.02, noise: opts.noise ?? 0, prefix: opts.prefix === false ? '' : 'roberta.' });
  writeJsonAtomic(path.join(dir, 'config.json'), {
    architectures: ['RobertaForMaskedLM'],
    model_type: 'roberta',
    attention_probs_dropout_prob: 0.1,
    hidden_dropout_prob: 0.1,
    initializer_range: 0.02,
    bos_token_id: 0,
    pad_token_id: 1,
    eos_token_id: 2,
    position_embedding_type: 'absolute',
    torch_dtype: 'float32',
    ...config,
  });
  writeFileAtomic(path.join(dir, 'vocab.json'), JSON.stringify(vocab) + '\n');
  writeFileAtomic(path.join(dir, 'merges.txt'), ['#version: 0.2', ...merges.map(([l, r]) => `${l} ${r}`)].join('\n') + '\n');
  writeJsonAtomic(path.join(dir, 'tokenizer_config.json'), { tokenizer_class: 'RobertaTokenizer', add_prefix_space: false, model_max_length: config.max_position_embeddings - 2 });
  return config;
}
