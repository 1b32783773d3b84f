import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFakeServer, essayOf, type Action } from './rate-fake-server';
import { ChatEndpoint, RequestFailed, retryAfterMs } from '../src/rate/client';
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
  const s = await startFakeServer((r): Action => ({ content: replies[essayOf(r.body)] ?? '[A1]', delayMs: 30 }));
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
    assert.ok(s.maxInFlight <= 2 && s.maxInFlight >= 1);
    assert.equal(first.summary.completionTokens, 15);
    assert.equal(first.summary.promptTokens, first.ratings.reduce((a, r) => a + r.promptTokens, 0));
    // the exact request: model, the built conversation, temperature 0, nothing else
    const sent = s.requests.find((r) => essayOf(r.body) === 'essay one')!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.url, '/v1/chat/completions');
    assert.deepEqual(sent.body, { model: 'test-model', messages: buildRequest(opts, essays[0]).messages, temperature: 0 });
    assert.equal(sent.body.messages.length, 4);
    // a repeated run sends nothing and gives the same ratings
    const second = await rateEssays(essays, opts);
    assert.equal(s.requests.length, 5);
    assert.equal(second.summary.requestsSent, 0);
    assert.equal(second.summary.fromCache, 5);
    assert.deepEqual(second.ratings.map((r) => [r.rating, r.raw, r.promptTokens]), first.ratings.map((r) => [r.rating, r.raw, r.promptTokens]));
    // a changed parameter is a different request
    await rateEssays(essays.slice(0, 1), { ...opts, temperature: 0.5 });
    assert.equal(s.requests.length, 6);
    const cacheText = fs.readFileSync(path.join(cacheDir, 'responses.jsonl'), 'utf8');
    assert.equal(cacheText.trim().split('\n').length, 6);
    assert.ok(!cacheText.includes(KEY));
  } finally {
    await s.close();
  }
});

test('the cache keeps the replies of two endpoints apart, even for the same model name', async () => {
  const a = await startFakeServer((): Action => ({ content: '[A2]' }));
  const b = await startFakeServer((): Action => ({ content: '[C1]' }));
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
    assert.equal(a.requests.length + b.requests.length, 2);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a failed essay is reported, not cached, and retried by the next run; a torn cache line is skipped', async () => {
  let fail = true;
  const s = await startFakeServer(() => (fail ? { status: 400, error: 'context too long' } : { content: '[B2]' }));
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
    assert.equal(s.requests.length, 2);
  } finally {
    await s.close();
  }
});
