/**
 * Show figures inline in a tslab notebook. The plotly bundle goes into the notebook once per kernel
 * session (with the first figure), so executed notebooks and their HTML exports open offline.
 * Outside a notebook, `show` says where it would draw and returns the HTML fragment instead.
 */
import { Figure } from './figure';
import { figureFragment } from './html';
import { plotlyScriptTag } from './bundle';

export interface HtmlDisplay {
  html(s: string): void;
}

/** tslab's display when running inside its kernel, else null. */
export function notebookDisplay(): HtmlDisplay | null {
  try {
    // Loaded lazily: tslab is only meaningful inside its kernel.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const jupyter = require('tslab/dist/jupyter');
    if (jupyter.lastWriteDisplayData == null) return null;
    return require('tslab').display as HtmlDisplay;
  } catch {
    return null;
  }
}

let bundleShown = false;

/**
 * Display a figure (or several) in the notebook. Returns nothing on purpose: tslab would print a returned
 * string under the plot. `inlineHtml` builds the same HTML without displaying it.
 */
export function show(fig: Figure | Figure[], display: HtmlDisplay | null = notebookDisplay()): void {
  const figures = Array.isArray(fig) ? fig : [fig];
  const html = inlineHtml(figures, !bundleShown);
  if (display) {
    display.html(html);
    bundleShown = true;
  } else {
    process.stdout.write(`[${figures.length} figure(s): open this in a notebook, or use writeFigureHtml/writeFigurePng]\n`);
  }
}

/** The HTML `show` displays: the figures' fragments, preceded by the plotly bundle when `withBundle`. */
export function inlineHtml(figures: Figure[], withBundle: boolean): string {
  const html = figures.map((f) => figureFragment(f)).join('\n');
  return withBundle ? plotlyScriptTag() + '\n' + html : html;
}

/** Show raw HTML (tables, highlighted text) in the notebook; prints a note elsewhere. */
export function showHtml(html: string, display: HtmlDisplay | null = notebookDisplay()): void {
  if (display) display.html(html);
  else process.stdout.write(html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() + '\n');
}

/** Forget that the bundle was shown (a new notebook session in the same process). */
export function resetInlineSession(): void {
  bundleShown = false;
}
