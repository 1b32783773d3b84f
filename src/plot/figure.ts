/** A plotly.js figure as plain data: what `Plotly.newPlot(div, data, layout, config)` takes. */
export interface Figure {
  data: Array<Record<string, unknown>>;
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

export const DEFAULT_WIDTH = 760;
export const DEFAULT_HEIGHT = 420;

/** Figure size in pixels, from its layout or the defaults. */
export function figureSize(fig: Figure): { width: number; height: number } {
  const w = fig.layout?.width;
  const h = fig.layout?.height;
  return { width: typeof w === 'number' ? w : DEFAULT_WIDTH, height: typeof h === 'number' ? h : DEFAULT_HEIGHT };
}
