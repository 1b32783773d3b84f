/** Figures as HTML: a fragment for a notebook output and a standalone page that opens offline. */
import { writeFileAtomic } from '../runtime/atomic';
import { Figure, figureSize } from './figure';
import { plotlyScriptTag } from './bundle';

let counter = 0;

/** JSON safe to inline in a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value ?? {}).replace(/</g, '\\u003c');
}

/** A <div> and the script that draws the figure into it; `Plotly` must already be on the page. */
export function figureFragment(fig: Figure, id = `cefrlab-plot-${process.pid}-${++counter}`): string {
  const { width, height } = figureSize(fig);
  const layout = { width, height, ...fig.layout };
  const config = { responsive: false, displaylogo: false, ...fig.config };
  return (
    `<div id="${id}" style="width:${width}px;height:${height}px;"></div>\n` +
    `<script type="text/javascript">window.Plotly.newPlot(${scriptJson(id)}, ${scriptJson(fig.data)}, ${scriptJson(layout)}, ${scriptJson(config)});</script>`
  );
}

/** A complete HTML page with the plotly bundle inlined: no network needed to view it. */
export function figurePage(fig: Figure, title = figureTitle(fig)): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>${plotlyScriptTag()}</head>\n<body style="margin:0">${figureFragment(fig, 'figure')}</body></html>\n`;
}

/** The figure's title text (plotly accepts a string or `{text}`), or "figure". */
export function figureTitle(fig: Figure): string {
  const t = fig.layout?.title;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string') return (t as { text: string }).text;
  return 'figure';
}

export function writeFigureHtml(fig: Figure, file: string): string {
  writeFileAtomic(file, figurePage(fig));
  return file;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
