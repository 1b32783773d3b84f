import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFakeServer, essayOf, chatRequests, type Action } from './rate-fake-server';
import { ChatEndpoint, RequestFailed, retryAfterMs, resolveEndpoint, PUBLIC_OPENAI_URL } from '../src/rate/client';
import { rateEssays, buildRequest } from '../src/rate/rater';
import { loadRubric } from '../src/rate/rubric';
import { UserError } from '../src/runtime/errors';

const KEY = 'sk-test-SENTINEL-7f3a9c1e5d';
const rubric = loadRubric('minimal');
const msg = [{ role: 'user' as const, content: 'hi' }];

test('429 with Retry-After is honoured, then the reply comes through', async () => {
  const s = await startFakeServer((r) => (r.n === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { content: '[B1]' }));
  const waits: number[] = [];
  try {
    const ep = new ChatEndpoint({ baseURL: s.url, apiKey: KEY, sleep: async (ms) => void waits.push(ms) });
    const r = await ep.complete({ model: 'm', messages: msg, temperature: 0 });
    assert.equal(r.content, '[B1]');
    assert.equal(r.attempts, 2);
    assert.deepEqual(waits, [2000]);
    assert.equal(s.requests.length, 2);
  } finally {
    await s.close();
  }
});

test('5xx: exponential backoff with jitter, bounded, then give up with RequestFailed', async () => {
  const s = await startFakeServer(() => ({ status: 500 }));
  const waits: number[] = [];
  try {
    const ep = new ChatEndpoint({ baseURL: s.url, apiKey: KEY, retry: { maxRetries: 4, baseDelayMs: 100 }, sleep: async (ms) => void waits.push(ms) });
    await assert.rejects(ep.complete({ model: 'm', messages: msg, temperature: 0 }), (e: unknown) => e instanceof RequestFailed && /HTTP 500/.test((e as Error).message) && (e as RequestFailed).attempts === 5);
    assert.equal(s.requests.length, 5);
    assert.equal(waits.length, 4);
    waits.forEach((w, i) => assert.ok(w >= 0 && w <= 100 * 2 ** i, `wait ${i} = ${w}`));
    // seeded jitter: the same seed gives the same waits
    const again: number[] = [];
    const ep2 = new ChatEndpoint({ baseURL: s.url, apiKey: KEY, retry: { maxRetries: 4, baseDelayMs: 100 }, sleep: async (ms) => void again.push(ms) });
    await assert.rejects(ep2.complete({ model: 'm', messages: msg, temperature: 0 }));
    assert.deepEqual(again, waits);
  } finally {
    await s.close();
  }
});

test('a reply slower than the timeout is abandoned and retried', async () => {
  const s = await startFakeServer((r) => (r.n === 0 ? { content: '[C1]', delayMs: 1500 } : { content: '[B2]' }));
  try {
    const ep = new ChatEndpoint({ baseURL: s.url, apiKey: KEY, retry: { timeoutMs: 300 }, sleep: async () => {} });
    const t0 = Date.now();
    const r = await ep.complete({ model: 'm', messages: msg, temperature: 0 });
    assert.equal(r.content, '[B2]');
    assert.equal(r.attempts, 2);
    assert.ok(Date.now() - t0 < 1400, 'did not wait for the slow reply');
    const s2 = await startFakeServer(() => ({ content: '[C1]', delayMs: 1500 }));
    try {
      await assert.rejects(new ChatEndpoint({ baseURL: s2.url, apiKey: KEY, retry: { timeoutMs: 300, maxRetries: 0 } }).complete({ model: 'm', messages: msg, temperature: 0 }), /timed out after 300 ms/);
    } finally {
      await s2.close();
    }
  } finally {
    await s.close();
  }
});

test('401 stops the run with a UserError that never contains the key, even when the server echoes it', async () => {
  const s = await startFakeServer((r) => ({ status: 401, error: `bad key ${String(r.headers.authorization)}` }));
  try {
    const ep = new ChatEndpoint({ baseURL: s.url, apiKey: KEY });
    await assert.rejects(ep.complete({ model: 'm', messages: msg, temperature: 0 }), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.ok(/HTTP 401/.test((e as Error).message));
      assert.ok(!(e as Error).message.includes(KEY), (e as Error).message);
      assert.ok(!String((e as Error).stack).includes(KEY));
      return true;
    });
    assert.equal(s.requests[0].headers.authorization, `Bearer ${KEY}`);
  } finally {
    await s.close();
  }
});

test('Retry-After as seconds, as an HTTP date, and retry-after-ms', () => {
  const h = (o: Record<string, string>) => new Headers(o);
  assert.equal(retryAfterMs(h({ 'retry-after': '3' })), 3000);
  assert.equal(retryAfterMs(h({ 'retry-after-ms': '250' })), 250);
  assert.equal(retryAfterMs(h({ 'retry-after': new Date(10_000).toUTCString() }), 4_000), 6000);
  assert.equal(retryAfterMs(h({})), null);
});

test('rateEssays: exact requests, parsing, unparsed kept raw, concurrency limit, token totals, cache replay', async () => {
  const replies: Record<string, string> = {
    'essay one': '[B1]',
    'essay two': 'Rationale: fluent, varied.\nRating: [C1]',
    'essay three': 'I would say B2.',
    'essay four': '[A2] or maybe [B1]',
    'essay five': 'Rating: [No-Response]',
  };
  const s = await startFakeServer((r): Action => ({ content: replies[essayOf(r.body)] ?? '[A1]', delayMs: 30 }), { models: ['test-model'] });
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rate-cache-'));
  try {
    const essays = Object.keys(replies).map((response) => ({ prompt: 'Describe your day.', response }));
    const cal = [{ prompt: 'Q', response: 'example', label: 'B2' }];
    const opts = { rubric, model: 'test-model', baseURL: s.url, apiKey: KEY, calibration: cal, concurrency: 2, cacheDir, progressLabel: false as const };
    const first = await rateEssays(essays, opts);
    assert.deepEqual(first.ratings.map((r) => r.rating), ['B1', 'C1', '', '', '0']);
    assert.deepEqual(first.ratings.map((r) => r.status), ['ok', 'ok', 'none', 'conflict', 'ok']);
    assert.equal(first.ratings[2].raw, 'I would say B2.');
    assert.equal(first.summary.unparsed, 2);
    assert.equal(first.summary.requestsSent, 5);
    assert.equal(first.summary.checkRequests, 1);
    assert.deepEqual([s.requests[0].method, s.requests[0].url], ['GET', '/v1/models'], 'the connection check comes first');
    assert.ok(s.maxInFlight <= 2 && s.maxInFlight >= 1);
    assert.equal(first.summary.completionTokens, 15);
    assert.equal(first.summary.promptTokens, first.ratings.reduce((a, r) => a + r.promptTokens, 0));
    // the exact request: model, the built conversation, temperature 0, nothing else
    const sent = chatRequests(s).find((r) => essayOf(r.body) === 'essay one')!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/v1/chat/completions');
    assert.deepEqual(sent.body, { model: 'test-model', messages: buildRequest(opts, essays[0]).messages, temperature: 0 });
    assert.equal(sent.body.messages.length, 4);
    // a repeated run sends nothing and gives the same ratings
    const second = await rateEssays(essays, opts);
    assert.equal(s.requests.length, 6, 'nothing sent, not even the connection check');
    assert.equal(second.summary.requestsSent, 0);
    assert.equal(second.summary.fromCache, 5);
    assert.deepEqual(second.ratings.map((r) => [r.rating, r.raw, r.promptTokens]), first.ratings.map((r) => [r.rating, r.raw, r.promptTokens]));
    // a changed parameter is a different request
    await rateEssays(essays.slice(0, 1), { ...opts, temperature: 0.5 });
    assert.equal(chatRequests(s).length, 6);
    const cacheText = fs.readFileSync(path.join(cacheDir, 'responses.jsonl'), 'utf8');
    assert.equal(cacheText.trim().split('\n').length, 6);
    assert.ok(!cacheText.includes(KEY));
  } finally {
    await s.close();
  }
});

test('the cache keeps the replies of two endpoints apart, even for the same model name', async () => {
  const a = await startFakeServer((): Action => ({ content: '[A2]' }), { models: ['same-name'] });
  const b = await startFakeServer((): Action => ({ content: '[C1]' }), { models: ['same-name'] });
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rate-cache-'));
  try {
    const essays = [{ prompt: 'p', response: 'the same essay' }];
    const opts = { rubric, model: 'same-name', apiKey: KEY, cacheDir, progressLabel: false as const };
    const fromA = await rateEssays(essays, { ...opts, baseURL: a.url });
    const fromB = await rateEssays(essays, { ...opts, baseURL: b.url });
    assert.deepEqual([fromA.ratings[0].rating, fromB.ratings[0].rating], ['A2', 'C1']);
    assert.equal(fromB.summary.requestsSent, 1);
    // each endpoint's reply is then served from the cache
    const again = await rateEssays(essays, { ...opts, baseURL: a.url });
    assert.equal(again.ratings[0].rating, 'A2');
    assert.equal(again.summary.fromCache, 1);
    assert.equal(chatRequests(a).length + chatRequests(b).length, 2);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a failed essay is reported, not cached, and retried by the next run; a torn cache line is skipped', async () => {
  let fail = true;
  const s = await startFakeServer(() => (fail ? { status: 400, error: 'context too long' } : { content: '[B2]' }), { models: ['m'] });
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rate-cache-'));
  try {
    const opts = { rubric, model: 'm', baseURL: s.url, apiKey: KEY, cacheDir, progressLabel: false as const };
    const a = await rateEssays([{ prompt: 'p', response: 'r' }], opts);
    assert.equal(a.ratings[0].status, 'error');
    assert.match(a.ratings[0].error!, /HTTP 400/);
    assert.equal(a.summary.errors, 1);
    fs.appendFileSync(path.join(cacheDir, 'responses.jsonl'), '{"key":"abc","cont');
    fail = false;
    const b = await rateEssays([{ prompt: 'p', response: 'r' }], opts);
    assert.equal(b.ratings[0].rating, 'B2');
    const c = await rateEssays([{ prompt: 'p', response: 'r' }], opts);
    assert.equal(c.summary.fromCache, 1);
    assert.equal(chatRequests(s).length, 2);
  } finally {
    await s.close();
  }
});

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

test('resolveEndpoint: no address and no key stops; the public host only with a key; never the public host without one', () => {
  assert.throws(() => resolveEndpoint(undefined, undefined), (e: unknown) => e instanceof UserError && /no endpoint configured/.test(e.message) && /--base-url/.test(e.message) && /OPENAI_API_KEY/.test(e.message));
  assert.throws(() => resolveEndpoint('', ''), /no endpoint configured/);
  assert.deepEqual(resolveEndpoint(undefined, KEY), { baseURL: PUBLIC_OPENAI_URL, apiKey: KEY });
  assert.throws(() => resolveEndpoint('https://api.openai.com/v1', undefined), /needs a key and OPENAI_API_KEY is not set/);
  assert.deepEqual(resolveEndpoint('http://127.0.0.1:8000/v1', undefined), { baseURL: 'http://127.0.0.1:8000/v1', apiKey: undefined });
  assert.throws(() => resolveEndpoint('localhost:8000', undefined), /must start with http/);
  assert.throws(() => resolveEndpoint('not a url', undefined), /is not a URL/);
  assert.throws(() => new ChatEndpoint({}), /no endpoint configured/);
});

test('connection check: an unreachable port stops rateEssays at once, with no retries and nothing sent', async () => {
  const port = await closedPort();
  const waits: number[] = [];
  const t0 = Date.now();
  await assert.rejects(
    rateEssays([{ prompt: 'p', response: 'r1' }, { prompt: 'p', response: 'r2' }], { rubric, model: 'm', baseURL: `http://127.0.0.1:${port}/v1`, progressLabel: false, sleep: async (ms) => void waits.push(ms) }),
    (e: unknown) => e instanceof UserError && /unreachable/.test(e.message) && /ECONNREFUSED/.test(e.message) && /nothing was sent/.test(e.message) && /--base-url/.test(e.message),
  );
  assert.deepEqual(waits, [], 'no retry waits');
  assert.ok(Date.now() - t0 < 5000);
});

test('connection check: 401 and an unknown model stop before any essay; success lists the model and the essays follow', async () => {
  const refused = await startFakeServer(() => ({ status: 401, error: 'invalid api key' }));
  try {
    await assert.rejects(rateEssays([{ prompt: 'p', response: 'r' }], { rubric, model: 'm', baseURL: refused.url, apiKey: KEY, progressLabel: false }), (e: unknown) => e instanceof UserError && /key was refused \(HTTP 401/.test(e.message) && /OPENAI_API_KEY/.test(e.message) && !e.message.includes(KEY));
    assert.deepEqual(refused.requests.map((r) => [r.method, r.url]), [['GET', '/v1/models']]);
    await assert.rejects(rateEssays([{ prompt: 'p', response: 'r' }], { rubric, model: 'm', baseURL: refused.url, progressLabel: false }), /no key was sent: export OPENAI_API_KEY/);
  } finally {
    await refused.close();
  }
  const s = await startFakeServer((): Action => ({ content: '[B1]' }), { models: ['served-a', 'served-b'] });
  try {
    await assert.rejects(rateEssays([{ prompt: 'p', response: 'r' }], { rubric, model: 'gpt-x', baseURL: s.url, progressLabel: false }), (e: unknown) => e instanceof UserError && /model "gpt-x" not found/.test(e.message) && /served-a, served-b/.test(e.message));
    assert.equal(chatRequests(s).length, 0);
    const ok = await rateEssays([{ prompt: 'p', response: 'r' }], { rubric, model: 'served-b', baseURL: s.url, progressLabel: false });
    assert.deepEqual(ok.check, { models: ['served-a', 'served-b'], modelListed: true });
    assert.equal(ok.ratings[0].rating, 'B1');
    assert.deepEqual(s.requests.map((r) => [r.method, r.url]), [['GET', '/v1/models'], ['GET', '/v1/models'], ['POST', '/v1/chat/completions']]);
  } finally {
    await s.close();
  }
});
