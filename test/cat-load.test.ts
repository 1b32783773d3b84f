/**
 * The web test under load and through a crash (bench/cat/load.ts, smaller): 30 simulated test-takers at once
 * against the built `cefrlab cat serve`, the server killed with SIGKILL halfway and restarted on the same port
 * and journal, with a torn event left at the journal's end. Every accepted answer is journalled, every session
 * in progress resumes and finishes, every final score is the library's estimate, the torn line is reported.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testBank } from './cat-helpers';
import { runLoad } from '../bench/cat/load';
import { ensureBuilt, writeBankFile } from '../bench/cat/serve-process';

test('cat serve under load: 30 takers, SIGKILL mid-run and restart; nothing accepted is lost, scores are the library\'s', { timeout: 180_000 }, async () => {
  ensureBuilt();
  const bank = testBank(10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-load-'));
  try {
    const bankFile = writeBankFile(bank.items, path.join(dir, 'bank.jsonl'));
    const r = await runLoad(bank, { takers: 30, bankFile, dataDir: path.join(dir, 'data'), maxItems: 12, killAfter: 0.5, tear: true, seed: 7, timeoutMs: 150_000 });
    assert.deepEqual(r.failures, []);
    assert.equal(r.killed, true);
    assert.equal(r.finished, 30);
    assert.equal(r.answers, 30 * 12);
    assert.ok(r.resumed > 0, 'sessions were in progress at the kill and resumed');
    assert.equal(r.tornLineInjected, true);
    assert.match(r.tornLineReported ?? '', /dropped a torn last line \(line \d+, \d+ bytes/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
