/**
 * Figures of training: loss and perplexity curves from metrics.jsonl. Each returns a plotly figure for `show`
 * (src/plot/inline).
 */
import type { Figure } from '../plot/figure';
import { lineChart } from '../plot/charts';
import type { MetricRecord } from './metrics';

type Runs = Array<{ name: string; records: MetricRecord[] }>;

function series(records: MetricRecord[], kind: 'train' | 'eval', key: string): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (const r of records) {
    const v = r[key];
    if (r.kind === kind && typeof v === 'number') {
      x.push(r.step);
      y.push(v);
    }
  }
  return { x, y };
}

/** Training loss (context + infill) and evaluation losses over steps, one colour group per run. */
export function lossCurves(runs: Runs, opts: { title?: string } = {}): Figure {
  const lines: Array<{ name: string; x: number[]; y: number[]; dash?: string }> = [];
  for (const run of runs) {
    const prefix = runs.length > 1 ? `${run.name}: ` : '';
    lines.push({ name: `${prefix}train loss (context + infill)`, ...series(run.records, 'train', 'loss') });
    lines.push({ name: `${prefix}eval infill loss`, ...series(run.records, 'eval', 'infill_loss'), dash: 'dash' });
    lines.push({ name: `${prefix}eval context loss`, ...series(run.records, 'eval', 'context_loss'), dash: 'dot' });
  }
  return lineChart(lines, { title: opts.title ?? 'Loss', x: 'optimizer step', y: 'loss (nats per token)' });
}

/** Evaluation perplexities over steps (log scale). */
export function perplexityCurves(runs: Runs, opts: { title?: string; key?: 'infill_text_ppl' | 'infill_ppl' | 'context_ppl' } = {}): Figure {
  const key = opts.key ?? 'infill_text_ppl';
  const label = { infill_text_ppl: 'infill-text-only perplexity', infill_ppl: 'infill perplexity', context_ppl: 'context perplexity' }[key];
  const lines = runs.map((run) => ({ name: run.name, ...series(run.records, 'eval', key) }));
  return lineChart(lines, { title: opts.title ?? `Evaluation ${label}`, x: 'optimizer step', y: label, logY: true });
}
