/**
 * The web test in a real browser: Debian's chromium, headless, through playwright-core. A scripted simulee
 * takes a whole session (reloading the page midway, which must resume it); the score the page shows must be
 * the library's estimate for the same responses.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testBank } from './cat-helpers';
import { startServer, gradeAnswers } from '../src/cat/server';
import { launchBrowser, driveSession } from '../src/cat/browser';
import { estimateMle } from '../src/irt/estimate';
import { logitToScale } from '../src/irt/scale';
import { scaleToLevel } from '../src/scale/cefr-scale';

test('cat browser: a scripted simulee takes a whole session in chromium; the page shows the library\'s score', { timeout: 300_000 }, async () => {
  const bank = testBank(5);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-browser-'));
  const server = await startServer({ bank, dataDir, port: 0, config: { maxItems: 10 } });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const part1 = await driveSession(page, server.url, bank, 58, 3, { stopAfter: 4 });
    assert.equal(part1.shown, null);
    await page.reload({ waitUntil: 'domcontentloaded' });
    assert.match(page.url(), /#s=[0-9a-f]{32}$/);
    const part2 = await driveSession(page, server.url, bank, 58, 4, { resume: true });
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
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
