/**
 * `cefrlab rate` as a library call: read the essays, pick the calibration examples from a separate training
 * table, rate every essay (rater.ts) and write RATINGS.csv (the input's columns plus `rating` and `raw`) with
 * a manifest beside it (`RATINGS.csv.manifest.json`: options, input hashes, versions, the calibration
 * examples' rows, the totals, per-essay tokens, and every unparsed or failed essay with its raw reply).
 * Neither file ever holds the API key: only the endpoint's address (without user info) is recorded.
 */
import * as path from 'node:path';
import { sha256File } from '../runtime/hash';
import { writeJsonAtomic } from '../runtime/atomic';
import { versions } from '../runtime/versions';
import { UserError } from '../runtime/errors';
import { loadRubric, type Rubric } from './rubric';
import { readTable, requireColumns, writeTable, type Table } from './table';
import { selectCalibration, type CalibrationChoice } from './calibration';
import { rateEssays, type RateResult } from './rater';
import { ChatEndpoint, type RetryPolicy } from './client';

export interface RateTableOptions {
  csv: string;
  output: string;
  model: string;
  baseURL?: string;
  apiKey?: string;
  rubric?: string;
  calibration?: number;
  calibrationFrom?: string;
  /** Label column of the calibration table (default cefr_level). */
  calibrationLabel?: string;
  /** Optional rationale column of the calibration table (used with --rationale). */
  calibrationRationale?: string;
  rationale?: boolean;
  concurrency?: number;
  cacheDir?: string;
  textColumn?: string;
  promptColumn?: string;
  temperature?: number;
  maxTokens?: number;
  retry?: Partial<RetryPolicy>;
  limit?: number;
  seed?: number;
  progressLabel?: string | false;
}

export interface RateTableResult extends RateResult {
  rubric: Rubric;
  calibration: CalibrationChoice | null;
  table: Table;
  manifestFile: string;
  rationale: boolean;
}

export async function rateTable(o: RateTableOptions): Promise<RateTableResult> {
  const textColumn = o.textColumn ?? 'text';
  const promptColumn = o.promptColumn ?? 'question';
  const rubric = loadRubric(o.rubric ?? 'minimal');
  const table = readTable(o.csv);
  requireColumns(table, [textColumn], '--text-column');
  requireColumns(table, [promptColumn], '--prompt-column');
  const rows = o.limit != null ? table.rows.slice(0, o.limit) : table.rows;
  const essays = rows.map((r) => ({ prompt: r[promptColumn], response: r[textColumn] }));

  let calibration: CalibrationChoice | null = null;
  const k = o.calibration ?? 0;
  if (k > 0) {
    if (!o.calibrationFrom) throw new UserError('--calibration needs --calibration-from TRAIN.csv: calibration examples come from a training split, never from the essays being rated');
    if (path.resolve(o.calibrationFrom) === path.resolve(o.csv)) throw new UserError('--calibration-from is the file being rated. Fix: split the data and give the training part');
    const train = readTable(o.calibrationFrom);
    const labelCol = o.calibrationLabel ?? 'cefr_level';
    requireColumns(train, [textColumn, promptColumn], '--text-column / --prompt-column');
    requireColumns(train, [labelCol], '--calibration-label');
    if (o.calibrationRationale) requireColumns(train, [o.calibrationRationale], '--calibration-rationale');
    calibration = selectCalibration(
      train.rows.map((r) => ({ prompt: r[promptColumn], response: r[textColumn], label: r[labelCol], ...(o.calibrationRationale && r[o.calibrationRationale] ? { rationale: r[o.calibrationRationale] } : {}) })),
      rubric, k, { seed: o.seed ?? 0, exclude: essays.map((e) => e.response) },
    );
  }

  const result = await rateEssays(essays, {
    rubric, model: o.model, baseURL: o.baseURL, apiKey: o.apiKey, calibration: calibration?.examples ?? [], rationale: o.rationale,
    temperature: o.temperature, maxTokens: o.maxTokens, concurrency: o.concurrency, cacheDir: o.cacheDir, retry: o.retry, seed: o.seed, progressLabel: o.progressLabel,
  });

  const columns = [...table.columns.filter((c) => c !== 'rating' && c !== 'raw'), 'rating', 'raw'];
  writeTable(o.output, columns, rows.map((r, i) => ({ ...r, rating: result.ratings[i].rating, raw: result.ratings[i].raw })));
  const manifestFile = `${o.output}.manifest.json`;
  const endpoint = new ChatEndpoint({ baseURL: o.baseURL, apiKey: o.apiKey });
  writeJsonAtomic(manifestFile, {
    command: 'rate',
    options: {
      model: o.model, baseURL: endpoint.safeBaseURL(), rubric: rubric.file, rubricName: rubric.name, calibration: k, calibrationFrom: o.calibrationFrom ?? null,
      calibrationLabel: o.calibrationLabel ?? 'cefr_level', rationale: !!o.rationale, temperature: o.temperature ?? 0, maxTokens: o.maxTokens ?? null,
      concurrency: o.concurrency ?? 4, cache: o.cacheDir ?? null, textColumn, promptColumn, limit: o.limit ?? null, seed: o.seed ?? 0, retry: endpoint.policy,
    },
    inputs: {
      csv: { file: o.csv, sha256: await sha256File(o.csv) },
      rubric: { file: rubric.file, sha256: await sha256File(rubric.file) },
      ...(o.calibrationFrom && k > 0 ? { calibrationFrom: { file: o.calibrationFrom, sha256: await sha256File(o.calibrationFrom) } } : {}),
    },
    calibration: calibration ? { perCategory: calibration.perCategory, short: calibration.short } : null,
    summary: result.summary,
    essays: result.ratings.map((r) => ({ row: r.index + 1, status: r.status, rating: r.rating, promptTokens: r.promptTokens, completionTokens: r.completionTokens, cached: r.cached, attempts: r.attempts, ...(r.error ? { error: r.error } : {}) })),
    unparsed: result.ratings.filter((r) => r.status === 'none' || r.status === 'conflict').map((r) => ({ row: r.index + 1, status: r.status, raw: r.raw })),
    versions: versions(),
  });
  return { ...result, rubric, calibration, table, manifestFile, rationale: !!o.rationale };
}

/** Lines for the terminal after a run. */
export function rateSummaryLines(r: RateTableResult): string[] {
  const s = r.summary;
  const lines = [
    `${s.essays} essays: ${s.parsed} rated, ${s.unparsed} unparsed (${s.unparsedNoRating} without a rating, ${s.unparsedConflicting} with conflicting ratings), ${s.errors} failed`,
    `${s.fromCache} from the cache, ${s.requestsSent} requests sent; tokens: ${s.promptTokens} prompt + ${s.completionTokens} completion in total, ${s.promptTokensThisRun} + ${s.completionTokensThisRun} this run`,
  ];
  const bare = r.rationale && r.calibration ? r.calibration.examples.filter((e) => !e.rationale).length : 0;
  if (bare) lines.push(`${bare} calibration examples have no rationale (see --calibration-rationale): their assistant turns give the rating alone`);
  if (r.calibration?.short.length) lines.push(`calibration: fewer than asked for ${r.calibration.short.join(', ')} (${r.calibration.perCategory.map((c) => `${c.label} ${c.taken}`).join(', ')})`);
  return lines;
}
