/**
 * Drive the web test in a real browser (Debian's chromium through playwright-core): a scripted simulee takes a
 * whole session. Used by the browser test and by the notebook's screenshot (src/cat/screenshot.ts).
 *
 * The simulee at θ (100-point scale) answers each stimulus of a yes/no item, and fills each C-test gap,
 * correctly with probability p = p_i(θ) of the item (Rasch), otherwise wrongly; its answers are recorded so
 * that a caller can grade them with the library and compare the score the page shows.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Bank } from './bank';
import { Rng } from '../runtime/rng';
import { irf } from '../irt/rasch';
import { scaleToLogit } from '../irt/scale';

type Page = import('playwright-core').Page;
type BrowserContext = import('playwright-core').BrowserContext;

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

export function chromiumPath(): string {
  const p = process.env.CEFRLAB_CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(p)) throw new Error(`the browser test needs Chromium at ${p}: \`apt-get install chromium\` (or set CEFRLAB_CHROMIUM)`);
  return p;
}

/** A headless Chromium with a fresh profile directory (removed on close). */
export async function launchBrowser(viewport = { width: 900, height: 900 }): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-cat-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, viewport,
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface DrivenResponse {
  item: string;
  answers: Array<boolean | string>;
}

export interface DrivenSession {
  responses: DrivenResponse[];
  /** What the page shows at the end (null if stopped early). */
  shown: { score: number; se: string; level: string; items: number } | null;
}

/**
 * Take the test at `url` as a simulee at `thetaPoints`. `stopAfter` answers only that many items (the page
 * then shows the next item). The page must be fresh (no session) unless `resume`.
 */
export async function driveSession(page: Page, url: string, bank: Bank, thetaPoints: number, seed = 0, options: { stopAfter?: number; resume?: boolean; onItem?: (n: number) => Promise<void> } = {}): Promise<DrivenSession> {
  const rng = new Rng(seed);
  const theta = scaleToLogit(thetaPoints);
  page.setDefaultTimeout(120_000);
  if (!options.resume) {
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.click('#start');
  }
  const responses: DrivenResponse[] = [];
  for (let n = 0; ; n++) {
    await page.waitForFunction(() => {
      const d = (globalThis as unknown as { document: { getElementById(id: string): { hidden: boolean } } }).document;
      return !d.getElementById('item').hidden || !d.getElementById('result').hidden;
    });
    if (await page.isVisible('#result')) break;
    if (options.stopAfter != null && n >= options.stopAfter) return { responses, shown: null };
    if (options.onItem) await options.onItem(n);
    const id = (await page.getAttribute('#item', 'data-item'))!;
    const item = bank.items[bank.index.get(id)!];
    if (!item) throw new Error(`the page shows item ${id}, which is not in the bank`);
    const p = irf(theta, bank.logits[bank.index.get(id)!]);
    let answers: Array<boolean | string>;
    if (item.format === 'yesno') {
      answers = item.stimuli.map((s) => (rng.float() < p ? s.real : !s.real));
      for (let i = 0; i < answers.length; i++) if (answers[i]) await page.click(`label:has(input[data-index="${i}"])`);
    } else {
      answers = item.gaps.map((g) => (rng.float() < p ? g.answer : 'x'));
      for (let i = 0; i < answers.length; i++) await page.fill(`input[data-gap="${i}"]`, answers[i] as string);
    }
    responses.push({ item: id, answers });
    await page.click('#submit');
    // The next item (or the result) replaces this one.
    await page.waitForFunction((prev) => {
      const d = (globalThis as unknown as { document: { getElementById(id: string): { hidden: boolean; getAttribute(n: string): string | null } } }).document;
      return d.getElementById('item').getAttribute('data-item') !== prev || !d.getElementById('result').hidden;
    }, id);
  }
  const score = Number(await page.getAttribute('#result', 'data-score'));
  return {
    responses,
    shown: { score, se: (await page.textContent('#se'))!.trim(), level: (await page.textContent('#level'))!.trim(), items: Number(await page.textContent('#count')) },
  };
}
