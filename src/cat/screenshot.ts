/**
 * Screenshots of the web test for the notebook: a server on a free port with a fresh journal, headless
 * Chromium, a scripted simulee (src/cat/browser.ts) that takes a whole session; PNGs of one task and of the
 * result page.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Bank } from './bank';
import type { CatConfig } from './engine';
import { startServer } from './server';
import { launchBrowser, driveSession, type DrivenSession } from './browser';

export interface ScreenshotOptions {
  bank: Bank;
  /** Directory for the PNGs (item.png, result.png). */
  outDir: string;
  thetaPoints?: number;
  seed?: number;
  config?: Partial<CatConfig>;
  /** Screenshot of the task with this index (0-based; default 4, after the calibration phase). */
  itemIndex?: number;
}

export async function screenshotWebTest(options: ScreenshotOptions): Promise<{ itemPng: string; resultPng: string; session: DrivenSession }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-cat-shot-'));
  const server = await startServer({ bank: options.bank, dataDir, port: 0, config: options.config });
  const browser = await launchBrowser({ width: 860, height: 760 });
  fs.mkdirSync(options.outDir, { recursive: true });
  const itemPng = path.join(options.outDir, 'item.png');
  const resultPng = path.join(options.outDir, 'result.png');
  try {
    const page = await browser.context.newPage();
    const at = options.itemIndex ?? 4;
    const session = await driveSession(page, server.url, options.bank, options.thetaPoints ?? 62, options.seed ?? 1, {
      onItem: async (n) => {
        if (n === at) await page.screenshot({ path: itemPng, fullPage: true });
      },
    });
    await page.waitForSelector('#plot .main-svg');
    await page.screenshot({ path: resultPng, fullPage: true });
    return { itemPng, resultPng, session };
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
