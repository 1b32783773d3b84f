/**
 * BERT's tokenizer (Devlin et al. 2019, "BERT: Pre-training of Deep Bidirectional Transformers for Language
 * Understanding", section 3 and appendix A; WordPiece: Wu et al. 2016), reading the files of a Hugging Face BERT
 * directory (`vocab.txt`, `tokenizer_config.json`) and giving the same pieces as the published tokenizer.
 *
 * Basic tokenization, in this order:
 *   1. clean: drop U+0000, U+FFFD and control characters (Unicode category C*, except tab, newline and carriage
 *      return); every whitespace character (space, tab, newline, carriage return, category Zs) becomes a space;
 *   2. put spaces around CJK ideographs (the CJK Unified Ideographs blocks and extensions A-E, compatibility
 *      ideographs and supplement), so each is a word of its own;
 *   3. Unicode NFC, then split on whitespace (spaces by now, and the line and paragraph separators U+2028 and
 *      U+2029, which the reference's str.split() also splits on);
 *   4. per word: with `do_lower_case`, lower-case, then strip accents (NFD, drop category Mn) unless
 *      `strip_accents` is false; without it, strip accents only when `strip_accents` is true;
 *   5. split every punctuation character off as a word of its own (ASCII 33-47, 58-64, 91-96, 123-126 count as
 *      punctuation, as does every Unicode category P*).
 * WordPiece, per word: a word longer than `max_input_chars_per_word` (100) characters is `[UNK]`; otherwise
 * greedy longest-match-first from the left, each piece after the first looked up with the `##` prefix; a word
 * with any position where no piece matches becomes a single `[UNK]`.
 *
 * One deliberate difference from Hugging Face: text that looks like a special token ("[SEP]", "[MASK]") is
 * tokenized as plain text, so a learner text can never inject a control token (the ILM tokens follow the same
 * rule, src/tokenize/gpt2-bpe.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../runtime/errors';

export const VOCAB_FILE = 'vocab.txt';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

export interface WordPieceOptions {
  /** Lower-case the text (uncased models). Default true, as BertTokenizer's. */
  doLowerCase?: boolean;
  /** null: strip accents exactly when lower-casing (BertTokenizer's default); true/false forces it. */
  stripAccents?: boolean | null;
  /** Put spaces around CJK ideographs. Default true. */
  tokenizeChineseChars?: boolean;
  /** Longer words become [UNK]. Default 100. */
  maxInputCharsPerWord?: number;
  unkToken?: string;
  clsToken?: string;
  sepToken?: string;
  padToken?: string;
}

export interface Encoded {
  /** Token ids: [CLS], the pieces (truncated), [SEP]. */
  ids: number[];
  /** Number of pieces the text had before truncation (without [CLS] and [SEP]). */
  pieceCount: number;
  /** Whether pieces were cut to fit. */
  truncated: boolean;
}

/** Characters BERT calls whitespace: space, tab, newline, carriage return and category Zs. */
function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || /^\p{Zs}$/u.test(ch);
}

/** Control characters: any category C* except tab, newline and carriage return. */
function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return /^\p{C}$/u.test(ch);
}

/** Punctuation: the ASCII non-alphanumeric printable characters (so "$", "+", "^", "`" count) and category P*. */
export function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /^\p{P}$/u.test(ch);
}

/** The code point ranges BERT treats as CJK ideographs (not Hangul, Hiragana or Katakana). */
function isCjk(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);
}

/** NFD, then drop nonspacing marks (category Mn): "café" -> "cafe". */
export function stripAccents(word: string): string {
  return word.normalize('NFD').replace(/\p{Mn}/gu, '');
}

/**
 * Read vocab.txt: one token per line, the line number (from 0) is the id. As in the reference, only the final
 * newline of each line is removed, and a token listed twice keeps its last id.
 */
export function readVocab(file: string): Map<string, number> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: cannot read the vocabulary (${(err as Error).message}). Fix: check the path`);
  }
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const vocab = new Map<string, number>();
  lines.forEach((token, id) => vocab.set(token, id));
  if (vocab.size === 0) throw new UserError(`${file}: the vocabulary is empty. Fix: use the vocab.txt that came with the model`);
  return vocab;
}

/** A special token from tokenizer_config.json: a string or an AddedToken object {"content": ...}. */
export function tokenField(raw: Record<string, unknown>, key: string, fallback: string, file: string): string {
  const v = raw[key];
  if (v == null) return fallback;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  throw new UserError(`${file}: "${key}" must be a string or {"content": string}, got ${JSON.stringify(v)}. Fix: correct tokenizer_config.json`);
}

/** The tokenizer options of a tokenizer_config.json, with BertTokenizer's defaults. */
export function readTokenizerConfig(file: string): WordPieceOptions & { modelMaxLength: number | null } {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: cannot read it as JSON (${(err as Error).message}). Fix: restore tokenizer_config.json from the model's source`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`${file}: not a JSON object. Fix: restore tokenizer_config.json from the model's source`);
  const bool = (key: string, fallback: boolean | null): boolean | null => {
    const v = raw[key];
    if (v == null) return fallback;
    if (typeof v !== 'boolean') throw new UserError(`${file}: "${key}" must be true, false or null, got ${JSON.stringify(v)}. Fix: correct tokenizer_config.json`);
    return v;
  };
  const cls = raw.tokenizer_class;
  if (typeof cls === 'string' && !/^(Bert|DistilBert)Tokenizer(Fast)?$/.test(cls)) {
    throw new UserError(`${file}: tokenizer_class "${cls}" is not a WordPiece BERT tokenizer. Fix: use a BERT model directory (BertTokenizer)`);
  }
  const maxLen = raw.model_max_length;
  return {
    doLowerCase: bool('do_lower_case', true) as boolean,
    stripAccents: bool('strip_accents', null),
    tokenizeChineseChars: bool('tokenize_chinese_chars', true) as boolean,
    unkToken: tokenField(raw, 'unk_token', '[UNK]', file),
    clsToken: tokenField(raw, 'cls_token', '[CLS]', file),
    sepToken: tokenField(raw, 'sep_token', '[SEP]', file),
    padToken: tokenField(raw, 'pad_token', '[PAD]', file),
    // Tokenizers without a limit store a huge placeholder (1e30); only a plausible length is a limit.
    modelMaxLength: typeof maxLen === 'number' && maxLen > 0 && maxLen < 1e6 ? maxLen : null,
  };
}

export class WordPieceTokenizer {
  readonly vocab: Map<string, number>;
  readonly doLowerCase: boolean;
  readonly stripAccentsOption: boolean | null;
  readonly tokenizeChineseChars: boolean;
  readonly maxInputCharsPerWord: number;
  readonly unkToken: string;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  /** The longest vocabulary entry in code points (bounds the longest-match search). */
  private readonly longest: number;

  constructor(vocab: Map<string, number>, options: WordPieceOptions = {}, source = 'vocabulary') {
    this.vocab = vocab;
    this.doLowerCase = options.doLowerCase ?? true;
    this.stripAccentsOption = options.stripAccents ?? null;
    this.tokenizeChineseChars = options.tokenizeChineseChars ?? true;
    this.maxInputCharsPerWord = options.maxInputCharsPerWord ?? 100;
    this.unkToken = options.unkToken ?? '[UNK]';
    const need = (token: string, role: string) => {
      const id = vocab.get(token);
      if (id === undefined) throw new UserError(`${source}: the ${role} token "${token}" is not in the vocabulary. Fix: use the vocab.txt and tokenizer_config.json that came with the model`);
      return id;
    };
    this.unkId = need(this.unkToken, 'unknown');
    this.clsId = need(options.clsToken ?? '[CLS]', 'classification');
    this.sepId = need(options.sepToken ?? '[SEP]', 'separator');
    this.padId = need(options.padToken ?? '[PAD]', 'padding');
    let longest = 0;
    for (const token of vocab.keys()) longest = Math.max(longest, [...token].length);
    this.longest = longest;
  }

  /** The tokenizer of a Hugging Face BERT directory (vocab.txt and tokenizer_config.json, both required). */
  static fromDir(dir: string): WordPieceTokenizer {
    const vocabFile = path.join(dir, VOCAB_FILE);
    const configFile = path.join(dir, TOKENIZER_CONFIG_FILE);
    if (!fs.existsSync(vocabFile)) {
      throw new UserError(`${dir}: no ${VOCAB_FILE} (the WordPiece vocabulary). Fix: copy vocab.txt from the model's source (e.g. huggingface.co/google-bert/bert-base-uncased) into ${dir}`);
    }
    if (!fs.existsSync(configFile)) {
      throw new UserError(`${dir}: no ${TOKENIZER_CONFIG_FILE} (it says whether to lower-case). Fix: copy it from the model's source, or write {"do_lower_case": true} for an uncased model ({"do_lower_case": false} for a cased one) into ${configFile}`);
    }
    const options = readTokenizerConfig(configFile);
    return new WordPieceTokenizer(readVocab(vocabFile), options, vocabFile);
  }

  /** Steps 1-5 of the header: the words and punctuation marks of `text`, before WordPiece. */
  basicTokenize(text: string): string[] {
    let cleaned = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
      if (isWhitespace(ch)) cleaned += ' ';
      else if (this.tokenizeChineseChars && isCjk(cp)) cleaned += ` ${ch} `;
      else cleaned += ch;
    }
    const out: string[] = [];
    for (let word of cleaned.normalize('NFC').split(/[ \u2028\u2029]/)) {
      if (word === '') continue;
      if (this.doLowerCase) {
        word = word.toLowerCase();
        if (this.stripAccentsOption !== false) word = stripAccents(word);
      } else if (this.stripAccentsOption === true) {
        word = stripAccents(word);
      }
      let current = '';
      for (const ch of word) {
        if (isPunctuation(ch)) {
          if (current) out.push(current);
          out.push(ch);
          current = '';
        } else {
          current += ch;
        }
      }
      if (current) out.push(current);
    }
    return out;
  }

  /** WordPiece of one basic token: greedy longest match first, continuation pieces with "##". */
  wordPiece(word: string): string[] {
    const chars = [...word];
    if (chars.length > this.maxInputCharsPerWord) return [this.unkToken];
    const pieces: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = Math.min(chars.length, start + this.longest);
      let found: string | null = null;
      while (end > start) {
        const sub = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        if (this.vocab.has(sub)) {
          found = sub;
          break;
        }
        end--;
      }
      if (found === null) return [this.unkToken];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }

  /** All pieces of a text (no [CLS]/[SEP]). */
  tokenize(text: string): string[] {
    return this.basicTokenize(text).flatMap((w) => this.wordPiece(w));
  }

  /** The id of a piece ([UNK]'s for a piece not in the vocabulary). */
  pieceId(piece: string): number {
    return this.vocab.get(piece) ?? this.unkId;
  }

  /**
   * `[CLS] pieces [SEP]` as ids, the pieces cut at the end so the whole fits in `maxTokens` (at least 3):
   * BERT's single-sequence input as the published tokenizer gives it with truncation to `maxTokens`.
   */
  encode(text: string, maxTokens: number): Encoded {
    if (!Number.isInteger(maxTokens) || maxTokens < 3) throw new RangeError(`WordPieceTokenizer.encode: maxTokens must be an integer >= 3, got ${maxTokens}`);
    const pieces = this.tokenize(text);
    const keep = Math.min(pieces.length, maxTokens - 2);
    const ids = [this.clsId];
    for (let i = 0; i < keep; i++) ids.push(this.pieceId(pieces[i]));
    ids.push(this.sepId);
    return { ids, pieceCount: pieces.length, truncated: keep < pieces.length };
  }
}
