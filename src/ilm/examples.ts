/**
 * `examples`: turn a split file into an example store (src/ilm/store.ts) with a manifest and statistics.
 *
 * Documents are streamed from the split and grouped into blocks of `blockDocs` documents; blocks go to a
 * pool of worker threads (both cores by default) and are written back in block order. Each document draws
 * from its own Rng.derive(seed, 'ilm-examples', index), and block boundaries depend only on document
 * counts, so the store is byte-identical whatever the number of workers.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildDirAtomic, writeJsonAtomic } from '../runtime/atomic';
import { UserError } from '../runtime/errors';
import { projectRoot } from '../runtime/paths';
import { progress } from '../runtime/progress';
import { versions, packageVersion } from '../runtime/versions';
import { streamDocuments } from './documents';
import { addStats, emptyStats, encodeDocuments, type GenerateOptions, type GenerateStats } from './generate';
import { MASK_KINDS, type MaskKind } from './masks';
import { BlockEncoder, STORE_FILE, StoreWriter, type StoreHeader, type Task } from './store';
import { ILM_VOCAB, MASK_TYPES } from '../tokenize/gpt2-bpe';
import { EXAMPLE_DEFAULTS, SPLITS } from './examples-options';

export { EXAMPLE_DEFAULTS, SPLITS } from './examples-options';


export interface ExamplesOptions {
  task?: Task;
  mask?: MaskKind;
  p?: number;
  /** Probability of the word walk inside sentences (default null: p); e.g. 0.15 for dense word and n-gram blanks. */
  pWord?: number | null;
  /** random-words masks: probability of a function word (default null: p), e.g. 0.25 with p 0.05. */
  pFunction?: number | null;
  examplesPerDoc?: number;
  maxRetries?: number;
  minSpans?: number | null;
  maxSpans?: number | null;
  allowDuplicates?: boolean;
  seqLen?: number;
  skipIncomplete?: boolean;
  seed?: number;
  /** Worker threads; 0 runs in this thread. Default: one per core (at most 8), none for splits under 2 MB. */
  workers?: number;
  /** Documents per store block (part of the format's determinism: keep the default). */
  blockDocs?: number;
  /** Name of the output directory inside outDir (default: the split). */
  name?: string;
}

const BLOCK_DOCS = 256;
const SMALL_SPLIT_BYTES = 2_000_000;

/** What `examples` reports and writes into manifest.json. */
export interface ExamplesSummary {
  split: string;
  task: Task;
  mask: MaskKind;
  documents: number;
  emptyDocumentsDropped: number;
  examples: number;
  meanExamplesPerDoc: number;
  expectedExamplesPerDoc: number;
  failures: GenerateStats['failures'];
  charMaskRate: number;
  tokenMaskRate: number;
  spansByType: Record<string, number>;
  emptyMasks: number;
  /** Examples longer than seq-len, shortened around their blanks. */
  truncatedExamples: number;
  /** Of those, examples that lost at least one answer, and the answers lost. */
  examplesLosingAnswers: number;
  answersLost: number;
  /** Examples that keep no answer token (empty masks included). */
  examplesWithoutAnswer: number;
  examplesPerDocHistogram: number[];
  storeBytes: number;
  seconds: number;
  documentsPerSecond: number;
}

export interface ExamplesResult {
  dir: string;
  file: string;
  header: StoreHeader;
  summary: ExamplesSummary;
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new UserError(`--${name} must be an integer >= ${min}, got ${v}. Fix: pass a valid --${name}`);
}

/** Resolve and validate options (clear errors for the command line and the library alike). */
export function resolveOptions(o: ExamplesOptions): GenerateOptions {
  const g: GenerateOptions = { ...EXAMPLE_DEFAULTS };
  for (const [k, v] of Object.entries(o)) if (v !== undefined && k in g) (g as unknown as Record<string, unknown>)[k] = v;
  if (g.task !== 'ilm' && g.task !== 'lm') throw new UserError(`--task must be ilm or lm, got ${g.task}. Fix: pass --task ilm or --task lm`);
  if (!MASK_KINDS.includes(g.mask)) throw new UserError(`--mask must be one of ${MASK_KINDS.join(', ')}, got ${g.mask}. Fix: pass one of them`);
  if (!(g.p > 0 && g.p <= 1)) throw new UserError(`--p must be a probability in (0, 1], got ${g.p}. Fix: pass e.g. --p 0.03`);
  if (g.pWord != null && !(g.pWord > 0 && g.pWord <= 1)) throw new UserError(`--p-word must be a probability in (0, 1], got ${g.pWord}. Fix: pass e.g. --p-word 0.15, or leave it out to use --p`);
  if (g.pFunction != null && !(g.pFunction > 0 && g.pFunction <= 1)) throw new UserError(`--p-function must be a probability in (0, 1], got ${g.pFunction}. Fix: pass e.g. --p-function 0.25, or leave it out to use --p`);
  if (g.pFunction != null && g.mask !== 'random-words') throw new UserError(`--p-function applies to --mask random-words, not ${g.mask}. Fix: drop --p-function, or pass --mask random-words`);
  checkInt('examples-per-doc', g.examplesPerDoc, 1);
  checkInt('max-retries', g.maxRetries, 1);
  checkInt('seq-len', g.seqLen, 2);
  checkInt('seed', g.seed, 0);
  if (g.minSpans != null) checkInt('min-spans', g.minSpans, 0);
  if (g.maxSpans != null) checkInt('max-spans', g.maxSpans, 1);
  if (g.minSpans != null && g.maxSpans != null && g.minSpans > g.maxSpans) {
    throw new UserError(`--min-spans ${g.minSpans} is above --max-spans ${g.maxSpans}. Fix: make min-spans <= max-spans`);
  }
  return g;
}

/** The command that writes a store again; folders are placeholders so that the store is the same bytes anywhere. */
function regenerateCommand(split: string, g: GenerateOptions, name?: string): string {
  const parts = ['cefrlab examples', split, 'DATA_DIR', 'OUT_DIR', `--task ${g.task}`, `--seed ${g.seed}`, `--mask ${g.mask}`, `--p ${g.p}`];
  if (g.pWord != null) parts.push(`--p-word ${g.pWord}`);
  if (g.pFunction != null) parts.push(`--p-function ${g.pFunction}`);
  parts.push(`--examples-per-doc ${g.examplesPerDoc}`, `--max-retries ${g.maxRetries}`, `--seq-len ${g.seqLen}`);
  if (g.minSpans != null) parts.push(`--min-spans ${g.minSpans}`);
  if (g.maxSpans != null) parts.push(`--max-spans ${g.maxSpans}`);
  if (g.allowDuplicates) parts.push('--allow-duplicates');
  if (g.skipIncomplete) parts.push('--skip-incomplete');
  if (name && name !== split) parts.push(`--name ${name}`);
  return parts.join(' ');
}

/** `{ level }` from the prepare manifest in DATA_DIR (null: all levels), or nothing when there is none. */
function preparedLevel(dataDir: string): { level?: string | null } {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dataDir, 'manifest.json'), 'utf8')) as { options?: { cefrLevel?: string | null } };
    return m.options ? { level: m.options.cefrLevel ?? null } : {};
  } catch {
    return {};
  }
}

interface BlockResult {
  block: number;
  payload: Uint8Array;
  docs: number;
  examples: number;
  spans: number;
  tokens: number;
  stats: GenerateStats;
  error?: string;
}

/** A fixed pool of worker threads running blocks; results come back as promises. */
class BlockPool {
  private idle: Worker[] = [];
  private queue: Array<{ job: { block: number; docs: Array<{ index: number; text: string }> }; resolve: (r: BlockResult) => void; reject: (e: Error) => void }> = [];
  private running = new Map<Worker, { resolve: (r: BlockResult) => void; reject: (e: Error) => void }>();
  private workers: Worker[] = [];

  constructor(n: number, opts: GenerateOptions) {
    const script = path.join(projectRoot, 'src', 'ilm', 'examples-worker.ts');
    const code = `require('tsx/cjs'); require(${JSON.stringify(script)});`;
    for (let i = 0; i < n; i++) {
      const w = new Worker(code, { eval: true, workerData: opts });
      w.on('message', (msg: BlockResult) => {
        const r = this.running.get(w);
        this.running.delete(w);
        if (r) {
          if (msg.error) r.reject(new Error(`example worker failed on block ${msg.block}: ${msg.error}`));
          else r.resolve(msg);
        }
        this.idle.push(w);
        this.pump();
      });
      w.on('error', (err) => {
        const r = this.running.get(w);
        this.running.delete(w);
        if (r) r.reject(err);
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  run(job: { block: number; docs: Array<{ index: number; text: string }> }): Promise<BlockResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop()!;
      const { job, resolve, reject } = this.queue.shift()!;
      this.running.set(w, { resolve, reject });
      w.postMessage(job);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function runInProcess(job: { block: number; docs: Array<{ index: number; text: string }> }, opts: GenerateOptions): BlockResult {
  const enc = new BlockEncoder();
  const stats = emptyStats(opts.examplesPerDoc);
  encodeDocuments(job.docs, opts, enc, stats);
  return { block: job.block, payload: enc.bytes(), docs: enc.docs, examples: enc.examples, spans: enc.spans, tokens: enc.tokens, stats };
}

/** Build `outDir/<split>/examples.bin` and its manifest.json from `dataDir/<split>.txt`. */
export async function buildExamples(split: string, dataDir: string, outDir: string, options: ExamplesOptions = {}): Promise<ExamplesResult> {
  const g = resolveOptions(options);
  if (!dataDir || !fs.existsSync(dataDir) || !fs.statSync(dataDir).isDirectory()) {
    throw new UserError(`${dataDir || '(no DATA_DIR)'}: data directory not found. Fix: pass the folder written by \`cefrlab prepare\` (it holds train.txt, valid.txt, test.txt)`);
  }
  const source = path.join(dataDir, `${split}.txt`);
  if (!fs.existsSync(source)) {
    throw new UserError(`${source}: split file not found. Fix: run \`cefrlab prepare\` into ${dataDir}, or pick a split that exists (${SPLITS.join(', ')})`);
  }
  const totalBytes = fs.statSync(source).size;
  // starting a worker costs about a second (module loading), so small splits run in this thread
  const workers = options.workers ?? (totalBytes < SMALL_SPLIT_BYTES ? 0 : Math.min(8, Math.max(1, os.availableParallelism?.() ?? os.cpus().length)));
  const blockDocs = options.blockDocs ?? BLOCK_DOCS;
  const name = options.name ?? split;
  const target = path.join(outDir, name);
  const started = Date.now();

  return buildDirAtomic(target, async (tmp) => {
    const file = path.join(tmp, STORE_FILE);
    const header: StoreHeader = {
      format: 'cefrlab-ilm-examples',
      formatVersion: 1,
      task: g.task,
      split,
      tokenizer: { name: 'gpt2-r50k_base+ilm', package: `gpt-tokenizer@${packageVersion('gpt-tokenizer')}`, vocabSize: ILM_VOCAB },
      seqLen: g.seqLen,
      masking: {
        mask: g.mask,
        p: g.p,
        // only when set, so that stores built without it keep their bytes
        ...(g.pWord != null ? { pWord: g.pWord } : {}),
        ...(g.pFunction != null ? { pFunction: g.pFunction } : {}),
        examplesPerDoc: g.examplesPerDoc,
        maxRetries: g.maxRetries,
        minSpans: g.minSpans,
        maxSpans: g.maxSpans,
        allowDuplicates: g.allowDuplicates,
        skipIncomplete: g.skipIncomplete,
      },
      seed: g.seed,
      // the split file's name only: a path would make the bytes depend on where the data lives
      source: { file: path.basename(source), sha256: '', bytes: totalBytes },
      ...preparedLevel(dataDir),
      counts: { documents: 0, emptyDropped: 0, examples: 0, spans: 0, tokens: 0, blocks: 0 },
      regenerate: regenerateCommand(split, g, name),
    };
    const writer = new StoreWriter(file, header);
    const stats = emptyStats(g.examplesPerDoc);
    const counts = { spans: 0, tokens: 0 };
    const pool = workers > 0 ? new BlockPool(workers, g) : null;
    const bar = progress(`examples ${split}`, totalBytes);
    const write = (r: BlockResult) => {
      writer.writeBlock(r.payload, r.docs, r.examples);
      addStats(stats, r.stats);
      counts.spans += r.spans;
      counts.tokens += r.tokens;
    };
    try {
      const stream = streamDocuments(source);
      const inFlight: Array<Promise<BlockResult>> = [];
      const maxInFlight = 2 * Math.max(1, workers) + 1;
      let batch: Array<{ index: number; text: string }> = [];
      let block = 0;
      const submit = async () => {
        const job = { block: block++, docs: batch };
        batch = [];
        if (pool) inFlight.push(pool.run(job));
        else write(runInProcess(job, g));
        while (inFlight.length >= maxInFlight) write(await inFlight.shift()!);
        bar.update(stream.stats.bytes, { docs: stats.documents });
      };
      for await (const doc of stream.documents) {
        batch.push(doc);
        if (batch.length === blockDocs) await submit();
      }
      if (batch.length) await submit();
      while (inFlight.length) write(await inFlight.shift()!);
      bar.update(totalBytes, { docs: stats.documents });
      const final = writer.finish({
        documents: stats.documents,
        emptyDropped: stream.stats.empty,
        examples: stats.examples,
        spans: counts.spans,
        tokens: counts.tokens,
        blocks: block,
      }, { ...header.source, sha256: stream.stats.sha256 });
      const seconds = (Date.now() - started) / 1000;
      const summary = summarize(split, g, stats, stream.stats.empty, fs.statSync(file).size, seconds);
      writeJsonAtomic(path.join(tmp, 'manifest.json'), {
        command: 'examples',
        split,
        options: g,
        seed: g.seed,
        inputs: { [source]: stream.stats.sha256 },
        store: { file: STORE_FILE, formatVersion: 1, bytes: summary.storeBytes },
        regenerate: final.regenerate.replace('DATA_DIR', dataDir).replace('OUT_DIR', outDir),
        summary,
        versions: versions(),
      });
      return { dir: target, file: path.join(target, STORE_FILE), header: final, summary };
    } catch (err) {
      writer.abort();
      throw err;
    } finally {
      bar.stop();
      if (pool) await pool.close();
    }
  });
}

function summarize(split: string, g: GenerateOptions, s: GenerateStats, empty: number, storeBytes: number, seconds: number): ExamplesSummary {
  const spansByType: Record<string, number> = {};
  MASK_TYPES.forEach((t, i) => (spansByType[t] = s.spansByType[i]));
  return {
    split,
    task: g.task,
    mask: g.mask,
    documents: s.documents,
    emptyDocumentsDropped: empty,
    examples: s.examples,
    meanExamplesPerDoc: s.documents ? s.examples / s.documents : 0,
    expectedExamplesPerDoc: g.task === 'lm' ? 1 : g.examplesPerDoc,
    failures: s.failures,
    charMaskRate: s.exampleChars ? s.maskedChars / s.exampleChars : 0,
    tokenMaskRate: s.exampleTokens ? s.maskedTokens / s.exampleTokens : 0,
    spansByType,
    emptyMasks: s.emptyMasks,
    truncatedExamples: s.truncated,
    examplesLosingAnswers: s.lostAnswers,
    answersLost: s.droppedSpans,
    examplesWithoutAnswer: s.noAnswer,
    examplesPerDocHistogram: s.examplesPerDocHistogram,
    storeBytes,
    seconds,
    documentsPerSecond: seconds > 0 ? s.documents / seconds : 0,
  };
}

/** The printed report of a run. */
export function formatSummary(s: ExamplesSummary): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  if (s.task === 'lm') {
    return [
      `split ${s.split} (task lm: each document alone, every token context)`,
      `documents            ${s.documents} (${s.emptyDocumentsDropped} empty dropped)`,
      `examples             ${s.examples}${s.failures['too-long'] ? ` (${s.failures['too-long']} too long, skipped)` : ''}`,
      `longer than seq-len  ${s.truncatedExamples}`,
      `store                ${(s.storeBytes / 1e6).toFixed(1)} MB`,
      `time                 ${s.seconds.toFixed(1)} s (${Math.round(s.documentsPerSecond)} documents/s)`,
    ].join('\n');
  }
  const lines = [
    `split ${s.split} (task ${s.task}, mask ${s.mask})`,
    `documents            ${s.documents} (${s.emptyDocumentsDropped} empty dropped)`,
    `examples             ${s.examples}`,
    `examples / document  ${s.meanExamplesPerDoc.toFixed(3)} (of ${s.expectedExamplesPerDoc} slots)`,
    `failed attempts      ${Object.entries(s.failures).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `char mask rate       ${pct(s.charMaskRate)}`,
    `token mask rate      ${pct(s.tokenMaskRate)}`,
    `spans by type        ${Object.entries(s.spansByType).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `empty masks          ${s.emptyMasks}`,
    `longer than seq-len  ${s.truncatedExamples} (context shortened around the blanks; ${s.examplesLosingAnswers} lost answers that did not fit, ${s.answersLost} answers in all)`,
    `without an answer    ${s.examplesWithoutAnswer} (empty masks included)`,
    `store                ${(s.storeBytes / 1e6).toFixed(1)} MB`,
    `time                 ${s.seconds.toFixed(1)} s (${Math.round(s.documentsPerSecond)} documents/s)`,
  ];
  return lines.join('\n');
}
