/** Small builders for the figures the guide shows; each returns a plain plotly `Figure`. */
import { Figure } from './figure';

export const CEFR_COLORS: Record<string, string> = {
  A1: '#1b9e77', A2: '#66a61e', B1: '#e6ab02', B2: '#d95f02', C1: '#e7298a', C2: '#7570b3',
};

const axisTitle = (text?: string) => (text ? { title: { text } } : {});

/** Bars for category counts, in the order given (e.g. A1..C2). */
export function barChart(counts: Array<[string, number]>, opts: { title?: string; x?: string; y?: string; colors?: Record<string, string> } = {}): Figure {
  const colors = opts.colors;
  return {
    data: [{
      type: 'bar',
      x: counts.map(([k]) => k),
      y: counts.map(([, v]) => v),
      text: counts.map(([, v]) => String(v)),
      textposition: 'auto',
      ...(colors ? { marker: { color: counts.map(([k]) => colors[k] ?? '#888') } } : {}),
    }],
    layout: { title: { text: opts.title ?? '' }, xaxis: axisTitle(opts.x), yaxis: axisTitle(opts.y) },
  };
}

/** Grouped bars: one group per category (in the order given), one bar per series; null leaves a gap. */
export function groupedBarChart(categories: string[], series: Array<{ name: string; values: Array<number | null> }>, opts: { title?: string; x?: string; y?: string } = {}): Figure {
  return {
    data: series.map((s) => ({
      type: 'bar', name: s.name, x: categories, y: s.values, text: s.values.map((v) => (v === null ? '' : String(v))), textposition: 'auto',
    })),
    layout: {
      barmode: 'group', title: { text: opts.title ?? '' }, xaxis: axisTitle(opts.x), yaxis: axisTitle(opts.y),
      legend: { orientation: 'h', yanchor: 'top', y: -0.25 }, margin: { b: 120 },
    },
  };
}

/** One box per group (e.g. text length per CEFR level). */
export function boxChart(groups: Array<[string, number[]]>, opts: { title?: string; x?: string; y?: string; colors?: Record<string, string> } = {}): Figure {
  return {
    data: groups.map(([name, values]) => ({
      type: 'box', name, y: values, boxpoints: false,
      ...(opts.colors?.[name] ? { marker: { color: opts.colors[name] } } : {}),
    })),
    layout: { title: { text: opts.title ?? '' }, xaxis: axisTitle(opts.x), yaxis: axisTitle(opts.y), showlegend: false },
  };
}

/** Overlaid histograms, one per series. */
export function histogramChart(series: Array<[string, number[]]>, opts: { title?: string; x?: string; y?: string; bins?: number } = {}): Figure {
  return {
    data: series.map(([name, values]) => ({ type: 'histogram', name, x: values, opacity: series.length > 1 ? 0.6 : 1, ...(opts.bins ? { nbinsx: opts.bins } : {}) })),
    layout: { title: { text: opts.title ?? '' }, barmode: 'overlay', xaxis: axisTitle(opts.x), yaxis: axisTitle(opts.y ?? 'count') },
  };
}

/** Lines, one per series of (x, y) points (loss curves, perplexity over steps). */
export function lineChart(series: Array<{ name: string; x: number[]; y: number[]; dash?: string }>, opts: { title?: string; x?: string; y?: string; logY?: boolean } = {}): Figure {
  return {
    data: series.map((s) => ({ type: 'scatter', mode: 'lines', name: s.name, x: s.x, y: s.y, ...(s.dash ? { line: { dash: s.dash } } : {}) })),
    layout: { title: { text: opts.title ?? '' }, xaxis: axisTitle(opts.x), yaxis: { ...axisTitle(opts.y), ...(opts.logY ? { type: 'log' } : {}) } },
  };
}

/** A matrix with its values written in the cells (the cross-model comparison). */
export function heatmapChart(rows: string[], cols: string[], values: Array<Array<number | null>>, opts: { title?: string; x?: string; y?: string; digits?: number; colorscale?: string } = {}): Figure {
  const digits = opts.digits ?? 1;
  return {
    data: [{
      type: 'heatmap', x: cols, y: rows, z: values, colorscale: opts.colorscale ?? 'Viridis',
      text: values.map((r) => r.map((v) => (v == null ? '' : v.toFixed(digits)))), texttemplate: '%{text}', hoverongaps: false,
    }],
    layout: { title: { text: opts.title ?? '' }, xaxis: axisTitle(opts.x), yaxis: { ...axisTitle(opts.y), autorange: 'reversed' } },
  };
}
