/**
 * Examples of one document (spec section 2, "Examples per document"): up to `examplesPerDoc` slots, each
 * with up to `maxRetries` attempts at a mask that passes every check. The random stream of a document is
 * Rng.derive(seed, 'ilm-examples', index), so the result depends only on the document, its index, the options
 * and the seed: not on how documents are spread over worker threads.
 */
import { Rng } from '../runtime/rng';
import { limitSpans, maskKey, sampleMask, validSpans, FAILURE_REASONS, type FailureReason, type MaskKind } from './masks';
import { planSequence, sequenceLength, spansToRuns } from './sequence';
import type { BlockEncoder, StoredSpan, Task } from './store';
import { tokenizeWithOffsets } from '../tokenize/gpt2-bpe';
import { documentUnits } from './units';

export interface GenerateOptions {
  task: Task;
  mask: MaskKind;
  p: number;
  /** Probability of the word walk inside sentences (null: p). */
  pWord: number | null;
  /** `random-words`: probability of a function word (null: p). */
  pFunction: number | null;
  examplesPerDoc: number;
  maxRetries: number;
  minSpans: number | null;
  maxSpans: number | null;
  allowDuplicates: boolean;
  seqLen: number;
  skipIncomplete: boolean;
  seed: number;
}

/** Counters that add up across documents and workers. */
export interface GenerateStats {
  documents: number;
  examples: number;
  /** Documents with k examples, k = 0..examplesPerDoc. */
  examplesPerDocHistogram: number[];
  failures: Record<FailureReason, number>;
  maskedChars: number;
  /** Sum over documents of length x accepted examples (the spec's mask-rate denominator). */
  exampleChars: number;
  maskedTokens: number;
  exampleTokens: number;
  /** Spans per type code (document .. word). */
  spansByType: number[];
  emptyMasks: number;
  /** Examples longer than seqLen (kept and shortened around their blanks unless skipIncomplete). */
  truncated: number;
  /** Shortened examples that lost at least one answer (a blank that did not fit stays context). */
  lostAnswers: number;
  /** Examples that keep no answer token at seqLen (empty masks included). */
  noAnswer: number;
  /** Answers (spans) dropped by shortening. */
  droppedSpans: number;
  documentTokens: number;
}

export function emptyStats(examplesPerDoc: number): GenerateStats {
  return {
    documents: 0,
    examples: 0,
    examplesPerDocHistogram: new Array(examplesPerDoc + 1).fill(0),
    failures: Object.fromEntries(FAILURE_REASONS.map((r) => [r, 0])) as Record<FailureReason, number>,
    maskedChars: 0,
    exampleChars: 0,
    maskedTokens: 0,
    exampleTokens: 0,
    spansByType: [0, 0, 0, 0, 0],
    emptyMasks: 0,
    truncated: 0,
    lostAnswers: 0,
    noAnswer: 0,
    droppedSpans: 0,
    documentTokens: 0,
  };
}

export function addStats(into: GenerateStats, from: GenerateStats): GenerateStats {
  into.documents += from.documents;
  into.examples += from.examples;
  from.examplesPerDocHistogram.forEach((v, i) => (into.examplesPerDocHistogram[i] = (into.examplesPerDocHistogram[i] ?? 0) + v));
  for (const r of FAILURE_REASONS) into.failures[r] += from.failures[r];
  into.maskedChars += from.maskedChars;
  into.exampleChars += from.exampleChars;
  into.maskedTokens += from.maskedTokens;
  into.exampleTokens += from.exampleTokens;
  from.spansByType.forEach((v, i) => (into.spansByType[i] += v));
  into.emptyMasks += from.emptyMasks;
  into.truncated += from.truncated;
  into.lostAnswers += from.lostAnswers ?? 0;
  into.noAnswer += from.noAnswer ?? 0;
  into.droppedSpans += from.droppedSpans ?? 0;
  into.documentTokens += from.documentTokens;
  return into;
}

/** The accepted examples of one document (each a sorted list of spans). */
export function documentExamples(text: string, index: number, opts: GenerateOptions, stats?: GenerateStats): { tokens: number[]; examples: StoredSpan[][] } {
  const tok = tokenizeWithOffsets(text);
  const n = tok.ids.length;
  const examples: StoredSpan[][] = [];
  if (opts.task === 'lm') {
    if (!(opts.skipIncomplete && n > opts.seqLen)) examples.push([]);
    else if (stats) stats.failures['too-long']++;
  } else {
    const rng = Rng.derive(opts.seed, 'ilm-examples', index);
    const units = documentUnits(text);
    const seen = new Set<string>();
    for (let slot = 0; slot < opts.examplesPerDoc; slot++) {
      for (let attempt = 0; attempt < opts.maxRetries; attempt++) {
        let spans = sampleMask(units, rng, opts.mask, opts.p, opts.pWord ?? opts.p, opts.pFunction != null ? { text, p: opts.pFunction } : undefined);
        if (opts.minSpans != null && spans.length < opts.minSpans) {
          if (stats) stats.failures['too-few-spans']++;
          continue;
        }
        if (opts.maxSpans != null && spans.length > opts.maxSpans) spans = limitSpans(spans, opts.maxSpans, rng);
        if (!validSpans(spans, text.length)) {
          if (stats) stats.failures['invalid-span']++;
          continue;
        }
        const key = opts.allowDuplicates ? '' : maskKey(spans);
        if (!opts.allowDuplicates && seen.has(key)) {
          if (stats) stats.failures.duplicate++;
          continue;
        }
        const runs = spansToRuns(tok, spans);
        if (!runs) {
          if (stats) stats.failures['token-overlap']++;
          continue;
        }
        if (opts.skipIncomplete && sequenceLength(n, runs.length) > opts.seqLen) {
          if (stats) stats.failures['too-long']++;
          continue;
        }
        if (!opts.allowDuplicates) seen.add(key);
        examples.push(spans.map((s, i) => ({ start: s.start, end: s.end, type: s.type, tokStart: runs[i].tokStart, tokEnd: runs[i].tokEnd })));
        break;
      }
    }
  }
  if (stats) {
    stats.documents++;
    stats.documentTokens += n;
    stats.examples += examples.length;
    const h = Math.min(examples.length, stats.examplesPerDocHistogram.length - 1);
    stats.examplesPerDocHistogram[h]++;
    for (const ex of examples) {
      stats.exampleChars += text.length;
      stats.exampleTokens += n;
      if (ex.length === 0) stats.emptyMasks++;
      let runTokens = 0;
      for (const s of ex) {
        stats.maskedChars += s.end - s.start;
        stats.maskedTokens += s.tokEnd - s.tokStart;
        stats.spansByType[s.type]++;
        runTokens++;
      }
      if (opts.task === 'lm') {
        if (n > opts.seqLen) stats.truncated++;
        continue;
      }
      const plan = planSequence(n, ex, opts.seqLen);
      if (plan.shortened) stats.truncated++;
      if (plan.kept < runTokens) {
        stats.lostAnswers++;
        stats.droppedSpans += runTokens - plan.kept;
      }
      let answerTokens = 0;
      for (let r = plan.first; r < plan.first + plan.kept; r++) answerTokens += ex[r].tokEnd - ex[r].tokStart;
      if (answerTokens === 0) stats.noAnswer++;
    }
  }
  return { tokens: tok.ids, examples };
}

/** Generate and encode a batch of documents into one block. */
export function encodeDocuments(docs: Array<{ index: number; text: string }>, opts: GenerateOptions, enc: BlockEncoder, stats: GenerateStats): void {
  for (const d of docs) {
    const { tokens, examples } = documentExamples(d.text, d.index, opts, stats);
    enc.document(d.index, d.text.length, tokens, examples.length);
    for (const ex of examples) enc.example(ex);
  }
}
