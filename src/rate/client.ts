/**
 * One chat completion against any OpenAI-compatible endpoint (a cloud API, vLLM, llama.cpp's server, Ollama),
 * through the `openai` client with its own retries switched off, so that the policy is ours and testable:
 *  - retried: HTTP 429, every 5xx, a timeout, a dropped connection;
 *  - the wait before retry n (0-based) is the server's `Retry-After` (seconds or an HTTP date; also
 *    `retry-after-ms`) when it sends one, otherwise exponential backoff with "full jitter" (a uniform draw in
 *    [0, base * 2^n], capped; Brooks, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015), from a
 *    seeded `Rng`;
 *  - every attempt has its own timeout;
 *  - other 4xx are not retried: 401/403/404 stop the whole run (wrong key, model or URL), the rest fail that
 *    one essay.
 * Before any essay is sent, `check` asks the endpoint for its model list (GET /models) once: an unreachable
 * server, a refused key or a model the server does not serve stops the run there, with the cause and the fix,
 * instead of failing every essay after its retries.
 * The endpoint is what the caller passes (the command line and the notebooks read OPENAI_BASE_URL and
 * OPENAI_API_KEY); the public OpenAI host is used only when no address is given and a key is (`resolveEndpoint`).
 * The API key is only handed to the client. Every error message leaving this file passes `redact`, which
 * removes the key wherever an endpoint might echo it.
 */
import OpenAI from 'openai';
import { Rng } from '../runtime/rng';
import { UserError } from '../runtime/errors';
import type { ChatMessage } from './prompt';
import type { CachedReply } from './cache';

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature: number;
  max_tokens?: number;
  seed?: number;
}

export interface RetryPolicy {
  /** Retries after the first attempt (default 5). */
  maxRetries: number;
  /** Backoff base in ms (default 1000). */
  baseDelayMs: number;
  /** Cap of one backoff wait, and of a Retry-After we honour, in ms (default 60000 and 300000). */
  maxDelayMs: number;
  maxRetryAfterMs: number;
  /** Timeout of one attempt in ms (default 120000). */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 5, baseDelayMs: 1000, maxDelayMs: 60_000, maxRetryAfterMs: 300_000, timeoutMs: 120_000 };

export interface EndpointOptions {
  /** The endpoint's address; without one, the public OpenAI host, and only when `apiKey` is set. */
  baseURL?: string;
  apiKey?: string;
  retry?: Partial<RetryPolicy>;
  /** Seed of the jitter draws. */
  seed?: number;
  /** Replaceable for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry wait. */
  onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
}

/** An essay's request failed for good (after retries, or a non-retryable 4xx). */
export class RequestFailed extends Error {
  constructor(message: string, readonly attempts: number) {
    super(message);
    this.name = 'RequestFailed';
  }
}

/** The public OpenAI API: used only when no address is given and a key is. */
export const PUBLIC_OPENAI_URL = 'https://api.openai.com/v1';

/**
 * The address to send to, from what the caller was given. Never the public host without a key: a run with
 * neither an address nor a key would only collect 401s, so it stops here with the two ways to configure one.
 */
export function resolveEndpoint(baseURL: string | undefined, apiKey: string | undefined): { baseURL: string; apiKey: string | undefined } {
  const key = apiKey?.trim() ? apiKey : undefined;
  const url = baseURL?.trim();
  if (!url) {
    if (key) return { baseURL: PUBLIC_OPENAI_URL, apiKey: key };
    throw new UserError(
      'no endpoint configured: neither --base-url nor OPENAI_BASE_URL is set, and there is no OPENAI_API_KEY for the public OpenAI API; nothing was sent. ' +
        'Fix: for a local server (vLLM, llama.cpp, Ollama) pass --base-url http://127.0.0.1:8000/v1 or export OPENAI_BASE_URL; for OpenAI export OPENAI_API_KEY',
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`the endpoint address "${redact(url, key)}" is not a URL. Fix: e.g. --base-url http://127.0.0.1:8000/v1`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UserError(`the endpoint address must start with http:// or https://, got ${parsed.protocol}. Fix: e.g. --base-url http://127.0.0.1:8000/v1`);
  if (!key && parsed.hostname === new URL(PUBLIC_OPENAI_URL).hostname) {
    throw new UserError(`${parsed.protocol}//${parsed.host}${parsed.pathname} needs a key and OPENAI_API_KEY is not set; nothing was sent. Fix: export OPENAI_API_KEY, or point --base-url at a local server`);
  }
  return { baseURL: url, apiKey: key };
}

/** What the connection check found. */
export interface EndpointCheck {
  /** The models the endpoint lists, or null when it does not list them (HTTP 404/405 on GET /models). */
  models: string[] | null;
  /** The model asked for is among them (null when there is no list). */
  modelListed: boolean | null;
}

/** Replace every occurrence of the secret (and of its bearer header form) in a text. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('[redacted]');
}

/** Milliseconds from `Retry-After` / `retry-after-ms`, or null. */
export function retryAfterMs(headers: Headers | undefined | null, now = Date.now()): number | null {
  if (!headers) return null;
  const ms = headers.get('retry-after-ms');
  if (ms != null && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms);
  const v = headers.get('retry-after');
  if (v == null) return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export function backoffMs(attempt: number, policy: RetryPolicy, rng: Rng): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(rng.float() * cap);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ChatEndpoint {
  readonly baseURL: string;
  readonly policy: RetryPolicy;
  private client: OpenAI;
  private secret: string | undefined;
  private rng: Rng;
  private sleep: (ms: number) => Promise<void>;
  private onRetry?: EndpointOptions['onRetry'];
  /** Completion requests actually sent (attempts included); the connection check is not counted. */
  sent = 0;
  /** Requests of the connection check (attempts included). */
  checks = 0;

  constructor(opts: EndpointOptions = {}) {
    const resolved = resolveEndpoint(opts.baseURL, opts.apiKey);
    this.baseURL = resolved.baseURL;
    this.secret = resolved.apiKey;
    this.policy = { ...DEFAULT_RETRY, ...(opts.retry ?? {}) };
    // A local server needs no key; the client insists on one, so send a placeholder.
    this.client = new OpenAI({ baseURL: this.baseURL, apiKey: this.secret || 'no-key', maxRetries: 0, timeout: this.policy.timeoutMs, logLevel: 'off' });
    this.rng = new Rng(opts.seed ?? 0);
    this.sleep = opts.sleep ?? defaultSleep;
    this.onRetry = opts.onRetry;
  }

  /** The endpoint's address without user info or query (safe to log). */
  safeBaseURL(): string {
    try {
      const u = new URL(this.baseURL);
      return redact(`${u.protocol}//${u.host}${u.pathname}`, this.secret);
    } catch {
      return '(invalid URL)';
    }
  }

  /**
   * One GET /models before any essay: stops with a UserError (cause and fix) when the server cannot be
   * reached, refuses the key, or lists its models without `model`. 429 and 5xx are retried as for an essay.
   * A server without the route (404/405) passes: the first essay's request then tells.
   */
  async check(model: string): Promise<EndpointCheck> {
    const where = this.safeBaseURL();
    let attempt = 0;
    for (;;) {
      this.checks++;
      try {
        const page = await this.client.models.list({ timeout: this.policy.timeoutMs, maxRetries: 0 });
        const data = (page as unknown as { data?: unknown }).data;
        if (!Array.isArray(data)) return { models: null, modelListed: null };
        const models = data.map((m) => String((m as { id?: unknown })?.id ?? '')).filter(Boolean);
        // Ollama lists "name:latest" and serves it as "name" too.
        const listed = models.some((id) => id === model || id === `${model}:latest`);
        if (!listed) {
          const shown = models.slice(0, 12).join(', ') + (models.length > 12 ? `, ... (${models.length} in all)` : '');
          throw new UserError(`${where}: model "${model}" not found: the endpoint serves ${models.length ? shown : 'no models'}; nothing was sent. Fix: --model with one of the names it serves`);
        }
        return { models, modelListed: true };
      } catch (err) {
        if (err instanceof UserError) throw err;
        const e = err as { status?: number; headers?: Headers; message?: string };
        const msg = redact(String(e?.message ?? err), this.secret).slice(0, 300);
        if (err instanceof OpenAI.APIConnectionTimeoutError) {
          throw new UserError(`${where}: no answer within ${this.policy.timeoutMs} ms to the connection check; nothing was sent. Fix: check that the server is up and not overloaded, or raise --timeout`);
        }
        if (err instanceof OpenAI.APIConnectionError) {
          throw new UserError(`${where}: unreachable (${msg}${causeOf(err)}); nothing was sent. Fix: start the server, or correct the address (--base-url / OPENAI_BASE_URL)`);
        }
        const s = e?.status;
        if (s === 401 || s === 403) {
          const fix = this.secret ? 'set OPENAI_API_KEY to a key this endpoint accepts' : 'no key was sent: export OPENAI_API_KEY';
          throw new UserError(`${where}: the key was refused (HTTP ${s}: ${msg}); nothing was sent. Fix: ${fix}`);
        }
        if (s === 404 || s === 405) return { models: null, modelListed: null };
        if (typeof s === 'number' && (s === 429 || s >= 500) && attempt < this.policy.maxRetries) {
          const after = retryAfterMs(e.headers);
          const waitMs = after == null ? backoffMs(attempt, this.policy, this.rng) : Math.min(after, this.policy.maxRetryAfterMs);
          this.onRetry?.({ attempt: attempt + 1, waitMs, reason: `connection check: HTTP ${s}` });
          await this.sleep(waitMs);
          attempt++;
          continue;
        }
        throw new UserError(`${where}: the connection check failed (${typeof s === 'number' ? `HTTP ${s}: ` : ''}${msg}); nothing was sent. Fix: check the address (--base-url / OPENAI_BASE_URL) and that the server is an OpenAI-compatible one`);
      }
    }
  }

  async complete(req: ChatRequest): Promise<CachedReply & { attempts: number }> {
    let attempt = 0;
    for (;;) {
      this.sent++;
      try {
        const res = await this.client.chat.completions.create(
          { model: req.model, messages: req.messages, temperature: req.temperature, ...(req.max_tokens != null ? { max_tokens: req.max_tokens } : {}), ...(req.seed != null ? { seed: req.seed } : {}) },
          { timeout: this.policy.timeoutMs, maxRetries: 0 },
        );
        const choice = res.choices?.[0];
        return {
          content: choice?.message?.content ?? '',
          promptTokens: res.usage?.prompt_tokens ?? 0,
          completionTokens: res.usage?.completion_tokens ?? 0,
          finishReason: choice?.finish_reason ?? null,
          model: res.model ?? null,
          attempts: attempt + 1,
        };
      } catch (err) {
        const { retryable, fatal, reason, wait } = this.classify(err);
        if (fatal) throw new UserError(`${this.safeBaseURL()}: ${reason}. Fix: check the model name, the base URL (--base-url / OPENAI_BASE_URL) and the key (OPENAI_API_KEY)`);
        if (!retryable || attempt >= this.policy.maxRetries) throw new RequestFailed(`${reason}${retryable ? ` (gave up after ${attempt + 1} attempts)` : ''}`, attempt + 1);
        const waitMs = wait ?? backoffMs(attempt, this.policy, this.rng);
        this.onRetry?.({ attempt: attempt + 1, waitMs, reason });
        await this.sleep(waitMs);
        attempt++;
      }
    }
  }

  private classify(err: unknown): { retryable: boolean; fatal: boolean; reason: string; wait: number | null } {
    const e = err as { status?: number; headers?: Headers; message?: string; name?: string };
    const msg = redact(String(e?.message ?? err), this.secret).slice(0, 300);
    if (err instanceof OpenAI.APIConnectionTimeoutError) return { retryable: true, fatal: false, reason: `timed out after ${this.policy.timeoutMs} ms`, wait: null };
    if (err instanceof OpenAI.APIConnectionError) return { retryable: true, fatal: false, reason: `connection failed (${msg})`, wait: null };
    if (typeof e?.status === 'number') {
      const s = e.status;
      const after = retryAfterMs(e.headers);
      const wait = after == null ? null : Math.min(after, this.policy.maxRetryAfterMs);
      if (s === 429 || s >= 500) return { retryable: true, fatal: false, reason: `HTTP ${s} (${msg})`, wait };
      return { retryable: false, fatal: s === 401 || s === 403 || s === 404, reason: `HTTP ${s} (${msg})`, wait: null };
    }
    return { retryable: false, fatal: false, reason: msg, wait: null };
  }
}

/**
 * The system error behind a failed connection: its code (e.g. "ECONNREFUSED"), else the innermost message
 * (fetch refuses some ports outright: "bad port").
 */
function causeOf(err: unknown): string {
  let c = (err as { cause?: unknown })?.cause;
  let last = '';
  for (let depth = 0; c && depth < 4; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') return `: ${code}`;
    const m = (c as { message?: unknown }).message;
    if (typeof m === 'string' && m) last = m;
    c = (c as { cause?: unknown }).cause;
  }
  return last ? `: ${last}` : '';
}
