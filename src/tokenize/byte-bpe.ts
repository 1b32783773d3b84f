/**
 * RoBERTa's tokenizer: byte-level byte-pair encoding (BPE: Sennrich, Haddow & Birch 2016, "Neural Machine
 * Translation of Rare Words with Subword Units"; byte-level, with GPT-2's pre-tokenization: Radford et al. 2019,
 * "Language Models are Unsupervised Multitask Learners", section 2.2; as RoBERTa uses it: Liu et al. 2019),
 * reading the files of a Hugging Face RoBERTa directory (`vocab.json`, `merges.txt`, optional
 * `tokenizer_config.json`) and giving the same ids as the published tokenizer.
 *
 *   1. pre-tokenize with GPT-2's pattern: contractions ('s 't 're 've 'm 'll 'd), then runs of letters, of
 *      digits or of other non-space characters, each with at most one leading space, then runs of whitespace
 *      (a run followed by a non-space keeps its last space for the next word); no normalisation, no lower-casing;
 *   2. each piece as its UTF-8 bytes, each byte written as one printable character (`byteToUnicode`: the
 *      printable Latin-1 bytes stand for themselves, the other 68 are moved to U+0100.., so a space is "Ġ"
 *      and a newline "Ċ");
 *   3. BPE per piece: repeatedly take the adjacent pair of symbols that comes first in merges.txt and join
 *      every occurrence of it, until no adjacent pair is in merges.txt;
 *   4. each symbol's id from vocab.json (the `<unk>` id for one that is missing);
 *   5. a single text is `<s> ids </s>` (RobertaTokenizer's cls_token and sep_token).
 *
 * Why not gpt-tokenizer (a dependency, used for GPT-2's own vocabulary in src/ilm/tokens.ts): its BPE core
 * follows tiktoken, which ranks a candidate merge by the *id of the merged token* and accepts any pair whose
 * concatenation is a token. That equals merges.txt order only when ids are assigned in merge order, as in
 * GPT-2's encoder.json; RoBERTa's vocab.json numbers tokens by fairseq's dictionary (frequency order, with
 * <s> <pad> </s> <unk> first), so ids are not ranks, and a vocabulary may hold tokens reachable by pairs that
 * merges.txt does not list. The merge loop below is therefore written out, ranked by merges.txt.
 *
 * As with BERT (src/tokenize/wordpiece.ts), text that looks like a special token ("<s>", "<mask>") is
 * tokenized as plain text, so a learner text can never inject a control token.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../runtime/errors';
import { tokenField } from './wordpiece';
import type { Encoded } from './wordpiece';

export const BPE_VOCAB_FILE = 'vocab.json';
export const BPE_MERGES_FILE = 'merges.txt';
export const BPE_TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

const SOURCE_HINT = 'e.g. from huggingface.co/FacebookAI/roberta-base';

/**
 * GPT-2's pre-tokenization pattern, with \s spelt \p{White_Space}: that is what \s means to the regex engines of
 * the published tokenizers (Python's `regex` module, Oniguruma in Hugging Face's `tokenizers`), whereas
 * JavaScript's \s adds U+FEFF (a byte-order mark left in a text) and lacks U+0085 (next line).
 */
const PRETOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

/**
 * The byte -> character table of byte-level BPE: bytes 33-126, 161-172 and 174-255 map to the same code
 * point; the remaining 68 bytes (0-32, 127-160, 173), in increasing order, to U+0100, U+0101, ...
 */
export function byteToUnicode(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const out: string[] = new Array(256);
  let moved = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(printable(b) ? b : 256 + moved++);
  return out;
}

const BYTE_CHARS = byteToUnicode();

/** GPT-2's pre-tokenization of `text` (step 1 of the header). */
export function pretokenize(text: string): string[] {
  return text.match(PRETOKENIZE) ?? [];
}

/** A piece as byte characters (step 2): its UTF-8 bytes, each as its `byteToUnicode` character. */
export function toByteChars(piece: string): string {
  let out = '';
  for (const b of Buffer.from(piece, 'utf8')) out += BYTE_CHARS[b];
  return out;
}

export interface ByteBpeOptions {
  /** tokenizer_config.json's add_prefix_space: put a space before a text that does not start with one (default false). */
  addPrefixSpace?: boolean;
  unkToken?: string;
  clsToken?: string;
  sepToken?: string;
  padToken?: string;
}

/** Read vocab.json: an object of token -> id (distinct non-negative integers). */
export function readBpeVocab(file: string): Map<string, number> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: cannot read it as JSON (${(err as Error).message}). Fix: restore vocab.json from the model's source (${SOURCE_HINT})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`${file}: not a JSON object of token -> id. Fix: restore vocab.json from the model's source (${SOURCE_HINT})`);
  const vocab = new Map<string, number>();
  const seen = new Map<number, string>();
  for (const [token, id] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new UserError(`${file}: token ${JSON.stringify(token)} has id ${JSON.stringify(id)}, not a non-negative integer. Fix: restore vocab.json from the model's source`);
    const other = seen.get(id);
    if (other !== undefined) throw new UserError(`${file}: tokens ${JSON.stringify(other)} and ${JSON.stringify(token)} share id ${id}. Fix: restore vocab.json from the model's source`);
    seen.set(id, token);
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw new UserError(`${file}: the vocabulary is empty. Fix: use the vocab.json that came with the model`);
  return vocab;
}

/**
 * Read merges.txt: one merge "LEFT RIGHT" per line, earlier lines merged first; a first line "#version: ..." and
 * empty lines are skipped. Returns the rank of each pair, keyed "LEFT RIGHT".
 */
export function readMerges(file: string): Map<string, number> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read the merges (${(err as Error).message}). Fix: copy merges.txt from the model's source (${SOURCE_HINT})`);
  }
  const ranks = new Map<string, number>();
  text.split('\n').forEach((line, i) => {
    const l = line.replace(/\r$/, '');
    if (l === '' || (i === 0 && l.startsWith('#version'))) return;
    const parts = l.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new UserError(`${file}:${i + 1}: expected two symbols separated by one space, got ${JSON.stringify(l)}. Fix: restore merges.txt from the model's source`);
    }
    const key = `${parts[0]} ${parts[1]}`;
    if (!ranks.has(key)) ranks.set(key, ranks.size); // the first listing of a pair counts
  });
  return ranks;
}

/** The tokenizer options of a RoBERTa tokenizer_config.json (RobertaTokenizer's defaults for absent fields). */
export function readBpeTokenizerConfig(file: string): ByteBpeOptions & { modelMaxLength: number | null } {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: cannot read it as JSON (${(err as Error).message}). Fix: restore tokenizer_config.json from the model's source`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`${file}: not a JSON object. Fix: restore tokenizer_config.json from the model's source`);
  const cls = raw.tokenizer_class;
  if (typeof cls === 'string' && !/^RobertaTokenizer(Fast)?$/.test(cls)) {
    throw new UserError(`${file}: tokenizer_class "${cls}" is not RoBERTa's byte-level BPE tokenizer. Fix: use a RoBERTa model directory (RobertaTokenizer)`);
  }
  const aps = raw.add_prefix_space;
  if (aps != null && typeof aps !== 'boolean') throw new UserError(`${file}: "add_prefix_space" must be true or false, got ${JSON.stringify(aps)}. Fix: correct tokenizer_config.json`);
  const maxLen = raw.model_max_length;
  return {
    addPrefixSpace: typeof aps === 'boolean' ? aps : false, // spelled out: the notebooks' TypeScript (tslab's) does not narrow `aps ?? false`
    unkToken: tokenField(raw, 'unk_token', '<unk>', file),
    clsToken: tokenField(raw, 'cls_token', '<s>', file),
    sepToken: tokenField(raw, 'sep_token', '</s>', file),
    padToken: tokenField(raw, 'pad_token', '<pad>', file),
    modelMaxLength: typeof maxLen === 'number' && maxLen > 0 && maxLen < 1e6 ? maxLen : null,
  };
}

/** At most this many words keep their BPE split in memory (learner texts repeat their words). */
const CACHE_LIMIT = 100_000;

export class ByteBpeTokenizer {
  readonly vocab: Map<string, number>;
  readonly merges: Map<string, number>;
  readonly addPrefixSpace: boolean;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  private readonly cache = new Map<string, string[]>();

  constructor(vocab: Map<string, number>, merges: Map<string, number>, options: ByteBpeOptions = {}, source = 'vocabulary') {
    this.vocab = vocab;
    this.merges = merges;
    this.addPrefixSpace = options.addPrefixSpace ?? false;
    const need = (token: string, role: string) => {
      const id = vocab.get(token);
      if (id === undefined) throw new UserError(`${source}: the ${role} token "${token}" is not in the vocabulary. Fix: use the vocab.json and tokenizer_config.json that came with the model`);
      return id;
    };
    this.unkId = need(options.unkToken ?? '<unk>', 'unknown');
    this.clsId = need(options.clsToken ?? '<s>', 'start');
    this.sepId = need(options.sepToken ?? '</s>', 'end');
    this.padId = need(options.padToken ?? '<pad>', 'padding');
  }

  /** The tokenizer of a Hugging Face RoBERTa directory (vocab.json and merges.txt; tokenizer_config.json if present). */
  static fromDir(dir: string): ByteBpeTokenizer {
    const vocabFile = path.join(dir, BPE_VOCAB_FILE);
    const mergesFile = path.join(dir, BPE_MERGES_FILE);
    const configFile = path.join(dir, BPE_TOKENIZER_CONFIG_FILE);
    for (const [file, what] of [[vocabFile, 'the byte-level BPE vocabulary'], [mergesFile, 'the BPE merges']] as const) {
      if (!fs.existsSync(file)) throw new UserError(`${dir}: no ${path.basename(file)} (${what}). Fix: copy ${path.basename(file)} from the model's source (${SOURCE_HINT}) into ${dir}`);
    }
    const options = fs.existsSync(configFile) ? readBpeTokenizerConfig(configFile) : {};
    return new ByteBpeTokenizer(readBpeVocab(vocabFile), readMerges(mergesFile), options, vocabFile);
  }

  /** BPE of one piece already in byte characters (step 3): its symbols after all merges. */
  bpe(word: string): string[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    let symbols = [...word];
    while (symbols.length > 1) {
      let best = Infinity;
      let pair = '';
      for (let i = 0; i < symbols.length - 1; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        const rank = this.merges.get(key);
        if (rank !== undefined && rank < best) {
          best = rank;
          pair = key;
        }
      }
      if (best === Infinity) break;
      const [left, right] = pair.split(' ');
      const next: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i < symbols.length - 1 && symbols[i] === left && symbols[i + 1] === right) {
          next.push(left + right);
          i++;
        } else {
          next.push(symbols[i]);
        }
      }
      symbols = next;
    }
    if (this.cache.size < CACHE_LIMIT) this.cache.set(word, symbols);
    return symbols;
  }

  /** All BPE symbols of a text (no <s>/</s>), in byte characters ("Ġ" for a space). */
  tokenize(text: string): string[] {
    const t = this.addPrefixSpace && text.length > 0 && !text.startsWith(' ') ? ` ${text}` : text;
    return pretokenize(t).flatMap((piece) => this.bpe(toByteChars(piece)));
  }

  /** The id of a symbol (<unk>'s for one not in the vocabulary). */
  pieceId(piece: string): number {
    return this.vocab.get(piece) ?? this.unkId;
  }

  /**
   * `<s> symbols </s>` as ids, the symbols cut at the end so the whole fits in `maxTokens` (at least 3), as the
   * published tokenizer gives a single sequence with truncation to `maxTokens`.
   */
  encode(text: string, maxTokens: number): Encoded {
    if (!Number.isInteger(maxTokens) || maxTokens < 3) throw new RangeError(`ByteBpeTokenizer.encode: maxTokens must be an integer >= 3, got ${maxTokens}`);
    const pieces = this.tokenize(text);
    const keep = Math.min(pieces.length, maxTokens - 2);
    const ids = [this.clsId];
    for (let i = 0; i < keep; i++) ids.push(this.pieceId(pieces[i]));
    ids.push(this.sepId);
    return { ids, pieceCount: pieces.length, truncated: keep < pieces.length };
  }
}
