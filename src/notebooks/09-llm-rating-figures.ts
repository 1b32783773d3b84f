/** Figures of notebook 09: confusion heatmaps normalised by the human rating, and per-group QWK bars. */
import type { Figure } from '../plot/figure';
import { heatmapChart } from '../plot/charts';
import type { AgreementReport } from '../rate/agreement';

export function confusionHeatmap(report: AgreementReport, reference: string, title: string): Figure {
  const c = report.confusion[reference];
  const fig = heatmapChart(c.labels, c.labels, c.normalized.map((r) => r.map((v) => (v == null ? null : +v.toFixed(2)))), {
    title, x: `machine (${report.machine})`, y: `human (${reference})`, digits: 2, colorscale: 'Blues',
  });
  // plotly's Blues runs dark to light; reversed, the larger shares are the darker cells
  return { ...fig, data: [{ ...fig.data[0], reversescale: true, zmin: 0, zmax: 1 }], layout: { ...(fig.layout ?? {}), width: 520, height: 460 } };
}

/** Per-group QWK, raw and importance-sampled, with the 90% intervals as error bars. */
export function groupQwkChart(report: AgreementReport, column: string, title: string): Figure {
  const groups = report.byGroup[column] ?? [];
  const bar = (name: string, y: number[], lo: number[], hi: number[]) => ({
    type: 'bar', name, x: groups.map((g) => `${g.group} (n=${g.n})`), y,
    error_y: { type: 'data', symmetric: false, array: hi.map((h, i) => h - y[i]), arrayminus: lo.map((l, i) => y[i] - l) },
  });
  return {
    data: [
      bar('QWK', groups.map((g) => g.qwk), groups.map((g) => g.qwkCi90[0]), groups.map((g) => g.qwkCi90[1])),
      bar('QWK, importance-sampled', groups.map((g) => g.qwkImportanceSampled), groups.map((g) => g.qwkImportanceSampledCi90[0]), groups.map((g) => g.qwkImportanceSampledCi90[1])),
    ],
    layout: { title: { text: title }, barmode: 'group', yaxis: { title: { text: 'QWK' }, range: [0, 1] }, xaxis: { title: { text: column } } },
  };
}
