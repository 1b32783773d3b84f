/**
 * `cefrlab cat serve` from the built command line (dist/, what `npx cefrlab` runs): the page and its assets are
 * served (the build copies src/cat/static), a changed asset makes dist/ stale, a server fault shows the page
 * no path, and a port in use is a clear message with exit 2.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { testBank } from './cat-helpers';
import { startServer } from '../src/cat/server';
import { CLI, ROOT, ensureBuilt, startServeProcess, writeBankFile } from '../bench/cat/serve-process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sources = require(path.join(ROOT, 'bin', 'sources.js')) as { sourceFingerprint(): { files: string[]; assets: string[]; stamp: string }; distIsFresh(): boolean };

test('cat serve (built CLI): /, /app.js and /style.css are served from dist/', { timeout: 120_000 }, async () => {
  ensureBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-cli-'));
  const bankFile = writeBankFile(testBank(3).items, path.join(dir, 'bank.jsonl'));
  const server = await startServeProcess(bankFile, path.join(dir, 'data'), 0);
  try {
    for (const [p, type, marker] of [['/', 'text/html', '<html lang="en">'], ['/app.js', 'text/javascript', 'api/sessions'], ['/style.css', 'text/css', '{']] as const) {
      const res = await fetch(server.url + p);
      const body = await res.text();
      assert.equal(res.status, 200, `${p}: ${body.slice(0, 200)}`);
      assert.ok(res.headers.get('content-type')!.startsWith(type), `${p}: ${res.headers.get('content-type')}`);
      assert.ok(body.includes(marker), `${p} holds ${marker}`);
    }
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('build fingerprint: the assets are part of it, and a changed asset makes dist/ stale', () => {
  ensureBuilt();
  const fp = sources.sourceFingerprint();
  assert.ok(fp.assets.includes('cat/static/app.js') && fp.assets.includes('cat/static/index.html') && fp.assets.includes('cat/static/style.css'), fp.assets.join(' '));
  for (const a of fp.assets) assert.deepEqual(fs.readFileSync(path.join(ROOT, 'dist', 'src', a)), fs.readFileSync(path.join(ROOT, 'src', a)), `dist/src/${a} is a copy`);
  const file = path.join(ROOT, 'src', 'cat', 'static', 'style.css');
  const st = fs.statSync(file);
  try {
    fs.utimesSync(file, st.atime, new Date(st.mtimeMs + 5000));
    assert.equal(sources.distIsFresh(), false, 'an edited asset makes dist/ stale');
  } finally {
    fs.utimesSync(file, st.atime, st.mtime);
  }
  // The restored mtime may differ below the millisecond: build again, as a user would after an edit.
  ensureBuilt();
  assert.equal(sources.distIsFresh(), true);
});

test('cat server: a fault (500) is logged on the server; the page gets no path and no stack', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-500-'));
  const logged: string[] = [];
  const server = await startServer({ bank: testBank(3), dataDir: dir, port: 0, staticDir: path.join(dir, 'missing-static'), logError: (l) => logged.push(l) });
  try {
    const res = await fetch(server.url + '/app.js');
    assert.equal(res.status, 500);
    const body = await res.text();
    assert.ok(!body.includes(dir), body);
    assert.ok(!/ENOENT|missing-static|\/tmp|at .*\(/.test(body), `no internals in ${body}`);
    assert.match(JSON.parse(body).message, /server failed/);
    assert.equal(logged.length, 1);
    assert.match(logged[0], /GET \/app\.js.*ENOENT.*missing-static/s);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('cat serve (built CLI): a port in use names the port and the fix, exit 2, no stack trace', { timeout: 120_000 }, async () => {
  ensureBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-port-'));
  const bankFile = writeBankFile(testBank(3).items, path.join(dir, 'bank.jsonl'));
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const r = spawnSync(process.execPath, [CLI, 'cat', 'serve', '--bank', bankFile, '--data', path.join(dir, 'data'), '--port', String(port)], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.match(r.stderr, /Fix: .*--port \d+.*--port 0/);
    assert.ok(!/\n\s+at /.test(r.stderr), `no stack trace: ${r.stderr}`);
  } finally {
    blocker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
