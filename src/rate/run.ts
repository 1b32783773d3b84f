/**
 * `cefrlab rate` as a library call: read the essays, pick the calibration examples from a separate training
 * table, rate every essay (rater.ts) and write RATINGS.csv (the input's columns plus `rating` and `raw`) with
 * a manifest beside it (`RATINGS.csv.manifest.json`: options, input hashes, versions, the calibration
 * examples' rows, the totals, per-essay tokens, and every unparsed or failed essay with its raw reply).
 * Neither file ever holds the API key: only the endpoint's address (without user info) is recorded.
 * When no essay got a rating (every request failed, or no reply held one) neither file is written: the run
 * stops with the causes, so no table of empty ratings can reach `agreement`.
 */
import * as path from 'node:path';
import { sha256File } from '../runtime/hash';
import { writeJsonAtomic } from '../runtime/atomic';
import { versions } from '../runtime/versions';
import { UserError } from '../runtime/errors';
import { loadRubric, type Rubric } from './rubric';
import { readTable, requireColumns, writeTable, type Table } from '../runtime/csv-table';
import { selectCalibration, type CalibrationChoice } from './calibration';
import { rateEssays, type RateResult } from './rater';
import { DEFAULT_RETRY, resolveEndpoint, type RetryPolicy } from './client';

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
  resolveEndpoint(o.baseURL, o.apiKey); // before any work: no address and no key stops here
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

  if (result.summary.parsed === 0 && rows.length > 0) {
    const s = result.summary;
    const why = s.errors > 0 ? failureCauses(result).join('; ') : `no reply held a rating, e.g. ${JSON.stringify(result.ratings[0].raw.slice(0, 160))}`;
    const fix = s.errors > 0
      ? 'fix the cause above and rerun: replies already received are cached and not sent again'
      : `check --model and --rubric (the replies are kept in ${o.cacheDir ?? 'no cache: pass --cache DIR to keep them'})`;
    throw new UserError(`no essay was rated (${s.essays} essays: ${s.errors} failed, ${s.unparsed} replies without a rating): ${why}. Nothing was written to ${o.output}. Fix: ${fix}`, 3);
  }

  const columns = [...table.columns.filter((c) => c !== 'rating' && c !== 'raw'), 'rating', 'raw'];
  writeTable(o.output, columns, rows.map((r, i) => ({ ...r, rating: result.ratings[i].rating, raw: result.ratings[i].raw })));
  const manifestFile = `${o.output}.manifest.json`;
  writeJsonAtomic(manifestFile, {
    command: 'rate',
    options: {
      model: o.model, baseURL: result.endpoint, rubric: rubric.file, rubricName: rubric.name, calibration: k, calibrationFrom: o.calibrationFrom ?? null,
      calibrationLabel: o.calibrationLabel ?? 'cefr_level', rationale: !!o.rationale, temperature: o.temperature ?? 0, maxTokens: o.maxTokens ?? null,
      concurrency: o.concurrency ?? 4, cache: o.cacheDir ?? null, textColumn, promptColumn, limit: o.limit ?? null, seed: o.seed ?? 0, retry: { ...DEFAULT_RETRY, ...(o.retry ?? {}) },
    },
    inputs: {
      csv: { file: o.csv, sha256: await sha256File(o.csv) },
      rubric: { file: rubric.file, sha256: await sha256File(rubric.file) },
      ...(o.calibrationFrom && k > 0 ? { calibrationFrom: { file: o.calibrationFrom, sha256: await sha256File(o.calibrationFrom) } } : {}),
    },
    calibration: calibration ? { perCategory: calibration.perCategory, short: calibration.short } : null,
    summary: result.summary,
    connectionCheck: result.check,
    essays: result.ratings.map((r) => ({ row: r.index + 1, status: r.status, rating: r.rating, promptTokens: r.promptTokens, completionTokens: r.completionTokens, cached: r.cached, attempts: r.attempts, ...(r.error ? { error: r.error } : {}) })),
    unparsed: result.ratings.filter((r) => r.status === 'none' || r.status === 'conflict').map((r) => ({ row: r.index + 1, status: r.status, raw: r.raw })),
    versions: versions(),
  });
  return { ...result, rubric, calibration, table, manifestFile, rationale: !!o.rationale };
}

/** The distinct causes of the failed essays, most frequent first, with their counts (for the terminal). */
export function failureCauses(r: RateResult, max = 3): string[] {
  const counts = new Map<string, number>();
  for (const e of r.ratings) if (e.status === 'error') counts.set(e.error ?? 'unknown error', (counts.get(e.error ?? 'unknown error') ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const lines = sorted.slice(0, max).map(([cause, n]) => `${n} × ${cause}`);
  if (sorted.length > max) lines.push(`${sorted.length - max} other causes (see the manifest)`);
  return lines;
}

/** Lines for the terminal after a run. */
export function rateSummaryLines(r: RateTableResult): string[] {
  const s = r.summary;
  const check = r.check == null
    ? 'connection check: not needed (every essay from the cache)'
    : `connection check: ${r.endpoint} reachable, ${r.check.modelListed ? 'model listed' : 'no model list (the model was checked by the first request)'}`;
  const lines = [
    check,
    `${s.essays} essays: ${s.parsed} rated, ${s.unparsed} unparsed (${s.unparsedNoRating} without a rating, ${s.unparsedConflicting} with conflicting ratings), ${s.errors} failed`,
    `${s.fromCache} from the cache, ${s.requestsSent} requests sent; tokens: ${s.promptTokens} prompt + ${s.completionTokens} completion in total, ${s.promptTokensThisRun} + ${s.completionTokensThisRun} this run`,
  ];
  const bare = r.rationale && r.calibration ? r.calibration.examples.filter((e) => !e.rationale).length : 0;
  if (bare) lines.push(`${bare} calibration examples have no rationale (see --calibration-rationale): their assistant turns give the rating alone`);
  if (r.calibration?.short.length) lines.push(`calibration: fewer than asked for ${r.calibration.short.join(', ')} (${r.calibration.perCategory.map((c) => `${c.label} ${c.taken}`).join(', ')})`);
  return lines;
}
