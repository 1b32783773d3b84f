/**
 * Rating essays with a chat model: one fresh conversation per essay (prompt.ts), replies through the
 * response cache (cache.ts) and the endpoint with its retry policy (client.ts), a fixed number of requests in
 * flight at once, progress with an ETA, and per-essay and total token counts. The result keeps every essay in
 * input order; an essay whose reply has no parsable rating is "unparsed" (raw reply kept), one whose request
 * failed for good is an "error" (message kept, nothing cached, so a rerun tries it again).
 * When any essay has to be sent, the endpoint's connection check (client.ts) runs once first; a run served
 * entirely from the cache sends nothing at all.
 */
import { progress as makeProgress } from '../runtime/progress';
import type { Rubric } from './rubric';
import type { CalibrationExample } from './prompt';
import { buildMessages } from './prompt';
import { parseRating, ratingCell, type ParseStatus } from './parse';
import { ResponseCache, requestKey } from './cache';
import { ChatEndpoint, RequestFailed, type ChatRequest, type EndpointCheck, type EndpointOptions } from './client';

export interface Essay {
  prompt: string;
  response: string;
}

export interface RateOptions extends EndpointOptions {
  rubric: Rubric;
  model: string;
  calibration?: readonly CalibrationExample[];
  rationale?: boolean;
  /** Default 0. */
  temperature?: number;
  maxTokens?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Directory of the response cache; without it nothing is cached. */
  cacheDir?: string;
  /** Progress label; `false` for none. */
  progressLabel?: string | false;
}

export interface EssayRating {
  index: number;
  status: ParseStatus | 'error';
  /** RATINGS.csv's cell: level label, "0" for unscorable, "" when unparsed or failed. */
  rating: string;
  label: string | null;
  score: number | null;
  raw: string;
  promptTokens: number;
  completionTokens: number;
  /** The reply came from the cache (no request sent). */
  cached: boolean;
  attempts: number;
  error?: string;
}

export interface RateSummary {
  essays: number;
  parsed: number;
  unparsed: number;
  unparsedNoRating: number;
  unparsedConflicting: number;
  errors: number;
  fromCache: number;
  /** HTTP requests sent in this run for the essays (retries included). */
  requestsSent: number;
  /** Requests of the connection check (0 when every essay came from the cache). */
  checkRequests: number;
  promptTokens: number;
  completionTokens: number;
  /** Tokens of the replies obtained in this run (not from the cache). */
  promptTokensThisRun: number;
  completionTokensThisRun: number;
  seconds: number;
}

export interface RateResult {
  ratings: EssayRating[];
  summary: RateSummary;
  /** The endpoint's address without user info. */
  endpoint: string;
  /** The connection check's finding; null when nothing had to be sent. */
  check: EndpointCheck | null;
}

export function buildRequest(opts: RateOptions, essay: Essay): ChatRequest {
  return {
    model: opts.model,
    messages: buildMessages(opts.rubric, opts.calibration ?? [], essay.prompt, essay.response, { rationale: opts.rationale }),
    temperature: opts.temperature ?? 0,
    ...(opts.maxTokens != null ? { max_tokens: opts.maxTokens } : {}),
  };
}

export async function rateEssays(essays: readonly Essay[], opts: RateOptions): Promise<RateResult> {
  const start = Date.now();
  const endpoint = new ChatEndpoint(opts);
  const cache = opts.cacheDir ? new ResponseCache(opts.cacheDir) : null;
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
  const ratings: EssayRating[] = new Array(essays.length);
  let done = 0;
  let tokensIn = 0;
  let tokensOut = 0;
  let next = 0;
  let fatal: unknown = null;
  const requests = essays.map((e) => buildRequest(opts, e));
  const keys = requests.map((req) => requestKey(endpoint.safeBaseURL(), req));

  let check: EndpointCheck | null = null;
  if (keys.some((k) => !cache?.get(k))) {
    try {
      check = await endpoint.check(opts.model);
    } catch (err) {
      cache?.close();
      throw err;
    }
  }
  const bar = opts.progressLabel === false ? null : makeProgress(opts.progressLabel ?? 'rate', essays.length);

  const rateOne = async (index: number): Promise<EssayRating> => {
    const req = requests[index];
    const key = keys[index];
    const hit = cache?.get(key);
    if (hit) {
      const p = parseRating(hit.content, opts.rubric);
      return { index, status: p.status, rating: ratingCell(p), label: p.label, score: p.score, raw: hit.content, promptTokens: hit.promptTokens, completionTokens: hit.completionTokens, cached: true, attempts: 0 };
    }
    try {
      const reply = await endpoint.complete(req);
      cache?.put(key, { content: reply.content, promptTokens: reply.promptTokens, completionTokens: reply.completionTokens, finishReason: reply.finishReason, model: reply.model });
      const p = parseRating(reply.content, opts.rubric);
      return { index, status: p.status, rating: ratingCell(p), label: p.label, score: p.score, raw: reply.content, promptTokens: reply.promptTokens, completionTokens: reply.completionTokens, cached: false, attempts: reply.attempts };
    } catch (err) {
      if (!(err instanceof RequestFailed)) throw err;
      return { index, status: 'error', rating: '', label: null, score: null, raw: '', promptTokens: 0, completionTokens: 0, cached: false, attempts: err.attempts, error: err.message };
    }
  };

  const worker = async () => {
    while (fatal == null && next < essays.length) {
      const i = next++;
      try {
        const r = await rateOne(i);
        ratings[i] = r;
        tokensIn += r.promptTokens;
        tokensOut += r.completionTokens;
      } catch (err) {
        fatal = err;
        return;
      }
      done++;
      bar?.update(done, { tokens: tokensIn + tokensOut });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, essays.length) }, worker));
  } finally {
    bar?.stop();
    cache?.close();
  }
  if (fatal != null) throw fatal;

  const count = (f: (r: EssayRating) => boolean) => ratings.filter(f).length;
  const fresh = ratings.filter((r) => !r.cached);
  return {
    ratings,
    summary: {
      essays: essays.length,
      parsed: count((r) => r.status === 'ok'),
      unparsed: count((r) => r.status === 'none' || r.status === 'conflict'),
      unparsedNoRating: count((r) => r.status === 'none'),
      unparsedConflicting: count((r) => r.status === 'conflict'),
      errors: count((r) => r.status === 'error'),
      fromCache: count((r) => r.cached),
      requestsSent: endpoint.sent,
      checkRequests: endpoint.checks,
      promptTokens: tokensIn,
      completionTokens: tokensOut,
      promptTokensThisRun: fresh.reduce((a, r) => a + r.promptTokens, 0),
      completionTokensThisRun: fresh.reduce((a, r) => a + r.completionTokens, 0),
      seconds: (Date.now() - start) / 1000,
    },
    endpoint: endpoint.safeBaseURL(),
    check,
  };
}
