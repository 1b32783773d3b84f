/**
 * The web test in a real browser: Debian's chromium, headless, through playwright-core. A scripted simulee
 * takes a whole session (reloading the page midway, which must resume it); the score the page shows must be
 * the library's estimate for the same responses. The page is served once by the library (src/, through tsx)
 * and once by the built command line (`node bin/cefrlab.js cat serve` on dist/, what `npx cefrlab` runs).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testBank } from './cat-helpers';
import { startServer, gradeAnswers } from '../src/cat/server';
import type { Bank } from '../src/cat/bank';
import { ensureBuilt, startServeProcess, writeBankFile } from '../bench/cat/serve-process';
import { launchBrowser, driveSession } from '../src/cat/browser';
import { estimateMle } from '../src/irt/estimate';
import { logitToScale } from '../src/irt/scale';
import { scaleToLevel } from '../src/scale/cefr-scale';

async function takeTest(url: string, bank: Bank): Promise<void> {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const part1 = await driveSession(page, url, bank, 58, 3, { stopAfter: 4 });
    assert.equal(part1.shown, null);
    await page.reload({ waitUntil: 'domcontentloaded' });
    assert.match(page.url(), /#s=[0-9a-f]{32}$/);
    const part2 = await driveSession(page, url, bank, 58, 4, { resume: true });
    const responses = [...part1.responses, ...part2.responses];
    assert.equal(responses.length, 10);
    assert.ok(part2.shown);
    const graded = responses.map((r) => gradeAnswers(bank.items[bank.index.get(r.item)!], r.answers));
    const est = estimateMle(responses.map((r) => bank.logits[bank.index.get(r.item)!]), graded);
    const score = Math.min(100, Math.max(0, logitToScale(est.theta)));
    assert.ok(Math.abs(part2.shown!.score - score) < 1e-9, `page ${part2.shown!.score}, library ${score}`);
    assert.equal(part2.shown!.level, scaleToLevel(score));
    assert.equal(part2.shown!.se, `± ${(10 * est.se).toFixed(1)}`);
    assert.equal(part2.shown!.items, 10);
    await page.waitForSelector('#plot .main-svg');
  } finally {
    await browser.close();
  }
}

test('cat browser: a scripted simulee takes a whole session in chromium; the page shows the library\'s score', { timeout: 300_000 }, async () => {
  const bank = testBank(5);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-browser-'));
  const server = await startServer({ bank, dataDir, port: 0, config: { maxItems: 10 } });
  try {
    await takeTest(server.url, bank);
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('cat browser: the same session on the page served by the built CLI (node bin/cefrlab.js cat serve)', { timeout: 300_000 }, async () => {
  ensureBuilt();
  const bank = testBank(5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-browser-cli-'));
  const bankFile = writeBankFile(bank.items, path.join(dir, 'bank.jsonl'));
  const server = await startServeProcess(bankFile, path.join(dir, 'data'), 0, ['--max-items', '10']);
  try {
    await takeTest(server.url, bank);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
