/** The `rate` command end to end against the fake endpoint: output files, resume after a kill, the key never written. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { startFakeServer, essayOf } from './rate-fake-server';
import { readTable, writeTable } from '../src/rate/table';

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
  const s = await startFakeServer((r) => ({ content: essayOf(r.body).includes('essay 3') ? 'no idea' : `Rating: [${label(essayOf(r.body))}]` }));
  try {
    const csv = fixture(dir, 6);
    const out = path.join(dir, 'out', 'ratings.csv');
    const args = ['rate', '--csv', csv, '--model', 'fake-model', '--base-url', s.url, '--cache', path.join(dir, 'cache'), '-o', out];
    const a = await run(args, { OPENAI_API_KEY: KEY });
    assert.equal(a.code, 0, a.stderr);
    assert.equal(s.requests.length, 6);
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
    assert.equal(s.requests.length, 6, 'the repeated run sent nothing');
    assert.match(b.stdout, /6 from the cache, 0 requests sent/);
    assert.deepEqual(readTable(out).rows, t.rows);
    // the agreement command on the output
    const g = await run(['agreement', '--csv', out, '--human', 'rating', '--machine', 'rating', '--json'], {});
    assert.equal(g.code, 0, g.stderr);
    assert.equal(JSON.parse(g.stdout).qwk.rating.estimate, 1);
    for (const text of [a.stdout, a.stderr, b.stdout, b.stderr, allText(dir)]) assert.ok(!text.includes(KEY));
  } finally {
    await s.close();
  }
});

test('rate: killed mid-run, the rerun sends only what is missing and ends with the same ratings', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rate-kill-'));
  const s = await startFakeServer((r) => ({ content: `[${label(essayOf(r.body))}]`, delayMs: 150 }));
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
    const before = s.requests.length;
    const resumed = await run(args, { OPENAI_API_KEY: KEY });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(s.requests.length - before, n - done, 'only the missing essays were sent');
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
