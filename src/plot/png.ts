/**
 * Figures to PNG through headless Chromium (Debian's `chromium`): the standalone page is opened with a
 * window the size of the figure and screenshotted. Flags keep Chromium off the network.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Figure, figureSize } from './figure';
import { figurePage } from './html';

// The Chromium lookup lives in runtime (cefrlab doctor reports it without loading the plotting code).
import { findChromium } from '../runtime/chromium';
export { findChromium };

/** Render an HTML file to a PNG of the given size. Throws with the fix when Chromium is missing or fails. */
export function htmlToPng(htmlFile: string, pngFile: string, width: number, height: number): string {
  const chromium = findChromium();
  if (!chromium) throw new Error('PNG export needs Chromium: `apt-get install chromium` (or set CEFRLAB_CHROMIUM to its path)');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-chromium-'));
  const tmpPng = path.join(profile, 'shot.png');
  try {
    const args = [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars',
      `--user-data-dir=${profile}`, `--window-size=${width},${height}`, '--virtual-time-budget=10000',
      `--screenshot=${tmpPng}`, `file://${path.resolve(htmlFile)}`,
    ];
    const run = spawnSync(chromium, args, { encoding: 'utf8', timeout: 120_000 });
    if (run.error || !fs.existsSync(tmpPng)) {
      throw new Error(`Chromium did not write a screenshot of ${htmlFile}: ${run.error?.message ?? run.stderr.split('\n').slice(-3).join(' ')}`);
    }
    fs.mkdirSync(path.dirname(path.resolve(pngFile)), { recursive: true });
    fs.copyFileSync(tmpPng, pngFile + '.tmp');
    fs.renameSync(pngFile + '.tmp', pngFile);
    return pngFile;
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** Write a figure as PNG (via a temporary standalone page). */
export function writeFigurePng(fig: Figure, pngFile: string): string {
  const { width, height } = figureSize(fig);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-fig-'));
  try {
    const page = path.join(dir, 'figure.html');
    fs.writeFileSync(page, figurePage({ ...fig, config: { ...fig.config, staticPlot: true } }));
    return htmlToPng(page, pngFile, width, height);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
