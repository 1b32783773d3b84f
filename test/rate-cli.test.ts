/** The `rate` command end to end against the fake endpoint: output files, resume after a kill, the key never written. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { startFakeServer, essayOf, chatRequests } from './rate-fake-server';
import { readTable, writeTable } from '../src/runtime/csv-table';

const KEY = 'sk-test-SENTINEL-cli-42b7e0';
const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'bin', 'cefrlab.js');

function run(args: string[], env: Record<string, string>, onStart?: (kill: () => void) => (() => void) | void): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, CEFRLAB_QUIET: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const stop = onStart?.(() => child.kill('SIGKILL'));
    child.on('close', (code, signal) => {
      if (stop) stop();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function fixture(dir: string, n: number): string {
  const file = path.join(dir, 'essays.csv');
  const rows = Array.from({ length: n }, (_, i) => ({ id: `e${i}`, question: 'Describe your family.', text: `essay ${i}: my family, "big", ${'word '.repeat(i)}`, sex: i % 2 ? 'F' : 'M' }));
  writeTable(file, ['id', 'question', 'text', 'sex'], rows);
  return file;
}

const label = (essay: string) => ['A2', 'B1', 'B2', 'C1'][Number(/essay (\d+)/.exec(essay)![1]) % 4];

function allText(dir: string): string {
  let s = '';
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) s += fs.readFileSync(p, 'utf8');
  }
  return s;
}

test('rate: RATINGS.csv and manifest; a rerun sends nothing; the key is nowhere in the outputs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rate-cli-'));
  const s = await startFakeServer((r) => ({ content: essayOf(r.body).includes('essay 3') ? 'no idea' : `Rating: [${label(essayOf(r.body))}]` }), { models: ['fake-model'] });
  try {
    const csv = fixture(dir, 6);
    const out = path.join(dir, 'out', 'ratings.csv');
    const args = ['rate', '--csv', csv, '--model', 'fake-model', '--base-url', s.url, '--cache', path.join(dir, 'cache'), '-o', out];
    const a = await run(args, { OPENAI_API_KEY: KEY });
    assert.equal(a.code, 0, a.stderr);
    assert.equal(chatRequests(s).length, 6);
    assert.equal(s.requests.length, 7, 'one connection check, then the essays');
    assert.ok(s.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`));
    const t = readTable(out);
    assert.deepEqual(t.columns, ['id', 'question', 'text', 'sex', 'rating', 'raw']);
    assert.deepEqual(t.rows.map((r) => r.rating), ['A2', 'B1', 'B2', '', 'A2', 'B1']);
    assert.equal(t.rows[3].raw, 'no idea');
    assert.equal(t.rows[1].text, 'essay 1: my family, "big", word ');
    const manifest = JSON.parse(fs.readFileSync(`${out}.manifest.json`, 'utf8'));
    assert.equal(manifest.summary.unparsed, 1);
    assert.deepEqual(manifest.unparsed, [{ row: 4, status: 'none', raw: 'no idea' }]);
    assert.equal(manifest.essays.length, 6);
    assert.match(a.stdout, /6 essays: 5 rated, 1 unparsed/);
    const b = await run(args, { OPENAI_API_KEY: KEY });
    assert.equal(b.code, 0, b.stderr);
    assert.equal(s.requests.length, 7, 'the repeated run sent nothing');
    assert.match(b.stdout, /6 from the cache, 0 requests sent/);
    assert.deepEqual(readTable(out).rows, t.rows);
    // the agreement command on the output
    const g = await run(['agreement', '--csv', out, '--human', 'rating', '--machine', 'rating', '--allow-missing', '--json'], {});
    assert.equal(g.code, 0, g.stderr);
    assert.equal(JSON.parse(g.stdout).qwk.rating.estimate, 1);
    for (const text of [a.stdout, a.stderr, b.stdout, b.stderr, allText(dir)]) assert.ok(!text.includes(KEY));
  } finally {
    await s.close();
  }
});

test('rate: killed mid-run, the rerun sends only what is missing and ends with the same ratings', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rate-kill-'));
  const s = await startFakeServer((r) => ({ content: `[${label(essayOf(r.body))}]`, delayMs: 150 }), { models: ['fake-model'] });
  try {
    const n = 16;
    const csv = fixture(dir, n);
    const cache = path.join(dir, 'cache');
    const out = path.join(dir, 'ratings.csv');
    const args = ['rate', '--csv', csv, '--model', 'fake-model', '--base-url', s.url, '--cache', cache, '--concurrency', '1', '-o', out];
    const cacheFile = path.join(cache, 'responses.jsonl');
    const killed = await run(args, { OPENAI_API_KEY: KEY }, (kill) => {
      const timer = setInterval(() => {
        if (fs.existsSync(cacheFile) && fs.readFileSync(cacheFile, 'utf8').split('\n').filter(Boolean).length >= 4) {
          clearInterval(timer);
          kill();
        }
      }, 20);
      return () => clearInterval(timer);
    });
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(!fs.existsSync(out), 'no half-written ratings file');
    const done = fs.readFileSync(cacheFile, 'utf8').split('\n').filter(Boolean).length;
    assert.ok(done >= 4 && done < n, `cached before the kill: ${done}`);
    const before = chatRequests(s).length;
    const resumed = await run(args, { OPENAI_API_KEY: KEY });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(chatRequests(s).length - before, n - done, 'only the missing essays were sent');
    const rows = readTable(out).rows;
    assert.deepEqual(rows.map((r) => r.rating), rows.map((r) => label(r.text)));
    assert.ok(!allText(dir).includes(KEY));
    assert.ok(!(killed.stderr + resumed.stdout + resumed.stderr).includes(KEY));
  } finally {
    await s.close();
  }
});

test('rate: calibration must come from another file; a 401 ends the run with a clear message without the key', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rate-err-'));
  const s = await startFakeServer((r) => ({ status: 401, error: `invalid key: ${r.headers.authorization}` }));
  try {
    const csv = fixture(dir, 2);
    const out = path.join(dir, 'r.csv');
    const a = await run(['rate', '--csv', csv, '--model', 'm', '--base-url', s.url, '--calibration', '1', '-o', out], { OPENAI_API_KEY: KEY });
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--calibration needs --calibration-from/);
    const b = await run(['rate', '--csv', csv, '--model', 'm', '--base-url', s.url, '--cache', path.join(dir, 'c'), '-o', out], { OPENAI_API_KEY: KEY });
    assert.equal(b.code, 2);
    assert.match(b.stderr, /HTTP 401/);
    assert.ok(!b.stderr.includes(KEY) && !b.stdout.includes(KEY), b.stderr);
    assert.ok(!allText(dir).includes(KEY));
  } finally {
    await s.close();
  }
});

/** The environment without any OpenAI settings of the machine running the tests. */
function bareEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { OPENAI_BASE_URL: '', OPENAI_API_KEY: '', ...extra };
}

test('rate without a reachable endpoint: no endpoint, an unreachable port, a 401, and every essay failing all stop with the cause, and write no ratings file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rate-noend-'));
  const csv = fixture(dir, 3);
  const out = path.join(dir, 'r.csv');
  // nothing configured: no silent default to the public host
  const none = await run(['rate', '--csv', csv, '--model', 'm', '--cache', path.join(dir, 'c0'), '-o', out], bareEnv());
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /no endpoint configured/);
  assert.match(none.stderr, /Fix: .*--base-url/);
  assert.ok(!fs.existsSync(out));
  // an unreachable port: one check, then the cause on the console
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  const t0 = Date.now();
  const down = await run(['rate', '--csv', csv, '--model', 'm', '--cache', path.join(dir, 'c1'), '-o', out], bareEnv({ OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` }));
  assert.equal(down.code, 2, down.stderr);
  assert.match(down.stderr, /unreachable .*ECONNREFUSED.*nothing was sent/);
  assert.ok(Date.now() - t0 < 15_000, 'no retries per essay');
  assert.ok(!fs.existsSync(out));
  assert.ok(!fs.existsSync(path.join(dir, 'c1')), 'no cache directory left behind');
  // 401 at the check: no essay sent
  const refused = await startFakeServer(() => ({ status: 401, error: 'bad key' }));
  try {
    const r = await run(['rate', '--csv', csv, '--model', 'm', '--base-url', refused.url, '--cache', path.join(dir, 'c2'), '-o', out], bareEnv({ OPENAI_API_KEY: KEY }));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /key was refused \(HTTP 401/);
    assert.equal(chatRequests(refused).length, 0);
    assert.ok(!fs.existsSync(out));
  } finally {
    await refused.close();
  }
  // reachable, but every essay fails: the cause on the console, no ratings file, no manifest
  const failing = await startFakeServer(() => ({ status: 400, error: 'context length exceeded' }), { models: ['m'] });
  try {
    const r = await run(['rate', '--csv', csv, '--model', 'm', '--base-url', failing.url, '--cache', path.join(dir, 'c3'), '-o', out], bareEnv());
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /no essay was rated \(3 essays: 3 failed/);
    assert.match(r.stderr, /3 × HTTP 400 \(.*context length exceeded/);
    assert.ok(!fs.existsSync(out) && !fs.existsSync(`${out}.manifest.json`));
  } finally {
    await failing.close();
  }
});

test('agreement refuses a ratings file whose ratings are all empty, and partly empty ones without --allow-missing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agree-empty-'));
  const empty = path.join(dir, 'empty.csv');
  writeTable(empty, ['id', 'examiner1', 'rating'], Array.from({ length: 5 }, (_, i) => ({ id: `e${i}`, examiner1: 'B1', rating: '' })));
  const a = await run(['agreement', '--csv', empty, '--human', 'examiner1'], {});
  assert.equal(a.code, 2, a.stdout);
  assert.match(a.stderr, /all 5 ratings in column "rating" are empty/);
  const b = await run(['agreement', '--csv', empty, '--human', 'examiner1', '--allow-missing'], {});
  assert.equal(b.code, 2, 'never on nothing');
  const partial = path.join(dir, 'partial.csv');
  writeTable(partial, ['id', 'examiner1', 'rating'], ['B1', 'B2', 'A2', 'C1'].map((l, i) => ({ id: `e${i}`, examiner1: l, rating: i === 2 ? '' : l })));
  const c = await run(['agreement', '--csv', partial, '--human', 'examiner1'], {});
  assert.equal(c.code, 2);
  assert.match(c.stderr, /1 of 4 ratings in column "rating" are empty \(data rows 3\)/);
  assert.match(c.stderr, /--allow-missing/);
  const d = await run(['agreement', '--csv', partial, '--human', 'examiner1', '--allow-missing', '--resamples', '10'], {});
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /1 empty: left out/);
});
