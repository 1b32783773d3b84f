/**
 * Infilling with an ILM model (spec section 6): the context with a type token per blank, then the separator;
 * sample answers token by token until each row has produced one end-of-answer token per blank or reached the
 * length limit; cut the generated tail at the end tokens (a missing answer is empty); put the answers back.
 *
 * Unlike the reference, which re-runs the whole sequence for every new token, the n samples are decoded as one
 * batch with the model's key/value cache, so each step costs one position per row. Rows stop independently:
 * a finished row keeps being fed an end token (the batch shape stays fixed) but its output is ignored.
 */
import type { GPT2 } from '../model/gpt2';
import { Rng } from '../runtime/rng';
import { UserError } from '../runtime/errors';
import { encodeBlankedText, fillBlanks, markFills, type ParsedText } from './blanks';
import { branchCache, decodeStep, disposeCache, prefill } from './forward';
import { logProbOf, resolveSampling, sampleToken, type SamplingOptions } from './sample';
import { END_ID, SEP_ID, allowedInAnswer, decodeTokens, type BlankType } from './vocab';
import { defaultMaxNewTokens } from './defaults';

export interface GenerateOptions extends SamplingOptions {
  /** Number of samples (rows of the batch). Default 1. */
  n?: number;
  /** Most tokens to generate after the separator; default: the blanks' budgets (defaults.ts); cap: what fits in the model's positions. */
  maxNewTokens?: number;
  /** The blanks' types, which give the default of `maxNewTokens` (without them: what fits). */
  blankTypes?: readonly BlankType[];
  /** Record the logits row each sampled token came from (tests compare them with a plain forward pass). */
  traceLogits?: boolean;
}

/** One sampled row, in token ids. */
export interface GeneratedRow {
  /** Tokens generated after the separator, end tokens included, up to the stop. */
  generated: number[];
  /** Answer token ids per blank (end tokens removed); missing answers are empty. */
  answers: number[][];
  /** True when every blank got its end token before the length limit. */
  complete: boolean;
  /** Sum of the model's log-probabilities (temperature 1, no cut) of the generated tokens. */
  logProb: number;
  /** When traced: the logits each generated token was sampled from. */
  trace?: Float32Array[];
}

/**
 * Sample `n` continuations of `prompt` (context + separator) for `blanks` blanks. Randomness comes from `rng`
 * in a fixed order (step by step, row by row), so a seed fixes every row.
 */
export async function generateAnswers(model: GPT2, prompt: number[], blanks: number, rng: Rng, options: GenerateOptions = {}): Promise<GeneratedRow[]> {
  const sampling = resolveSampling(options);
  const n = options.n ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new UserError(`the number of samples must be a whole number >= 1, got ${options.n}. Fix: use e.g. --n 5`);
  const P = model.config.n_positions;
  if (prompt.length >= P) {
    throw new UserError(`the text is ${prompt.length} tokens with its blanks and separator, but the model reads at most ${P} (and needs room for the answers). Fix: shorten the text`);
  }
  const room = P - prompt.length;
  const limit = Math.min(room, options.maxNewTokens ?? (options.blankTypes ? defaultMaxNewTokens(options.blankTypes) : room));
  if (!(limit >= 1)) throw new UserError(`the length limit must be at least 1 token, got ${options.maxNewTokens}. Fix: raise --max-new-tokens`);
  const V = model.config.vocab_size;
  const rows: GeneratedRow[] = Array.from({ length: n }, () => ({ generated: [], answers: [], complete: false, logProb: 0, trace: options.traceLogits ? [] : undefined }));
  const ends = new Array<number>(n).fill(0);
  // The prompt is the same for every row: feed it once, then branch the cache into n rows.
  const single = model.newCache(1);
  let cache = single;
  try {
    let logits = await prefill(model, single, [prompt]);
    let stride = 0; // the first distribution is shared by all rows; later ones are per row
    cache = branchCache(model, single, n);
    disposeCache(single);
    for (let t = 0; t < limit; t++) {
      const next: number[] = [];
      for (let b = 0; b < n; b++) {
        const row = rows[b];
        if (row.complete) {
          next.push(END_ID);
          continue;
        }
        const at = b * stride;
        const id = sampleToken(logits, at, V, sampling, rng, allowedInAnswer);
        row.logProb += logProbOf(logits, at, V, id);
        row.trace?.push(logits.slice(at, at + V));
        row.generated.push(id);
        if (id === END_ID && ++ends[b] === blanks) row.complete = true;
        next.push(id);
      }
      if (rows.every((r) => r.complete) || t === limit - 1) break;
      logits = await decodeStep(model, cache, next);
      stride = V;
    }
  } finally {
    disposeCache(cache);
    if (cache !== single) disposeCache(single);
  }
  for (const row of rows) row.answers = splitAnswers(row.generated, blanks);
  return rows;
}

/** Cut generated tokens into `blanks` answers at the end tokens; answers that never started are empty. */
export function splitAnswers(generated: number[], blanks: number): number[][] {
  const answers: number[][] = [];
  let current: number[] = [];
  for (const id of generated) {
    if (answers.length === blanks) break;
    if (id === END_ID) {
      answers.push(current);
      current = [];
    } else current.push(id);
  }
  // An unterminated last answer is kept as far as it got (the length limit cut it).
  if (answers.length < blanks && current.length > 0) answers.push(current);
  while (answers.length < blanks) answers.push([]);
  return answers;
}

export interface InfillOptions extends GenerateOptions {
  /** Seed of the sampler (default 0). */
  seed?: number;
  /** A generator to draw from instead of a fresh one seeded with `seed` (the REPL keeps one going). */
  rng?: Rng;
}

/** One filled version of the text. */
export interface InfillResult {
  /** The text with the fills in place. */
  text: string;
  /** The filled text with each fill between [[ ]] markers. */
  marked: string;
  /** The fills alone, in blank order. */
  fills: string[];
  /** [start, end) of each fill in `text`. */
  spans: Array<[number, number]>;
  /** True when every blank got an answer before the length limit. */
  complete: boolean;
  /** Log-probability of the generated tokens (answers and end tokens) under the model. */
  logProb: number;
  /** Generated tokens, end tokens included. */
  tokens: number[];
}

/** Prompt ids for a blanked text: context (type tokens in place of blanks) then the separator. */
export function infillPrompt(text: string): { parsed: ParsedText; prompt: number[] } {
  const { parsed, context } = encodeBlankedText(text);
  return { parsed, prompt: [...context.tokens, SEP_ID] };
}

/** Fill the blanks of `text` `n` times (spec section 6, with a key/value cache and per-row stopping). */
export async function infill(model: GPT2, text: string, options: InfillOptions = {}): Promise<InfillResult[]> {
  const { parsed, prompt } = infillPrompt(text);
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const rows = await generateAnswers(model, prompt, parsed.blanks.length, rng, { blankTypes: parsed.blanks.map((b) => b.type), ...options });
  return rows.map((row) => {
    const fills = row.answers.map(decodeTokens);
    const filled = fillBlanks(parsed, fills);
    return { text: filled.text, marked: markFills(filled), fills, spans: filled.spans, complete: row.complete, logProb: row.logProb, tokens: row.generated };
  });
}
