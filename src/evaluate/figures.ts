/**
 * Figures of the cross-model comparison: the perplexity heatmap and the specialisation gains. Each returns a
 * plotly figure for `show` (src/plot/inline).
 */
import type { Figure } from '../plot/figure';
import { heatmapChart, barChart, CEFR_COLORS } from '../plot/charts';
import type { Comparison } from './compare';

/** The comparison matrix as a heatmap: rows are models, columns test sets, cells the perplexity. */
export function comparisonHeatmap(c: Comparison, opts: { title?: string } = {}): Figure {
  return heatmapChart(c.models, c.tests, c.matrix, {
    title: opts.title ?? 'Infill-text-only perplexity: model (row) on test set (column)',
    x: 'test set', y: 'model', digits: 1, colorscale: 'Viridis',
  });
}

/** Specialisation gain per level, in percent. */
export function gainsChart(c: Comparison, opts: { title?: string } = {}): Figure {
  return barChart(c.gains.map((g) => [g.level, Math.round(1000 * g.gain) / 10] as [string, number]), {
    title: opts.title ?? 'Specialisation gain: general / specialised perplexity - 1',
    x: 'CEFR level', y: 'gain (%)', colors: CEFR_COLORS,
  });
}
