/**
 * Small building blocks for showing infilling to people (notebook 05): learner sentences with one word
 * blanked, the fills of several models side by side, and the harness results as figures.
 */
import type { GPT2 } from '../model/gpt2';
import type { Figure } from '../plot/figure';
import { CEFR_COLORS } from '../plot/charts';
import { CEFR_LEVELS } from '../corpus/cefr';
import { paragraphSpans, sentenceSpans } from '../ilm/units';
import { Rng } from '../runtime/rng';
import { maskWords } from '../infill/evalmask';
import type { HarnessReport, HarnessText } from '../infill/harness';
import { infill, type InfillOptions } from '../infill/infill';

export interface BlankedSentence {
  id: string;
  level: string | null;
  /** The sentence with one word written as [MASK]. */
  blanked: string;
  /** The word that was there (with the space before it). */
  original: string;
}

/**
 * Up to `perLevel` sentences of each CEFR level, each with one word blanked: from each text in order, its
 * first sentence with at least `minWords` words (sentences as the ILM masking finds them). Seeded.
 */
export function blankedSentences(texts: HarnessText[], perLevel: number, seed = 0, minWords = 6): BlankedSentence[] {
  const out: BlankedSentence[] = [];
  const taken = new Map<string | null, number>();
  texts.forEach((t, i) => {
    if ((taken.get(t.level) ?? 0) >= perLevel) return;
    for (const [ps, pe] of paragraphSpans(t.text)) {
      const sentence = sentenceSpans(t.text, ps, pe)
        .map(([s, e]) => t.text.slice(s, e))
        .find((s) => s.split(/\s+/).length >= minWords);
      if (!sentence) continue;
      const masked = maskWords(sentence, 1, Rng.derive(seed, 'showcase', i));
      if (!masked) continue;
      const { start, end, original } = masked.spans[0];
      const lead = original.startsWith(' ') ? ' ' : '';
      out.push({ id: t.id, level: t.level, blanked: `${sentence.slice(0, start)}${lead}[MASK]${sentence.slice(end)}`, original });
      taken.set(t.level, (taken.get(t.level) ?? 0) + 1);
      return;
    }
  });
  const order = (l: string | null) => (l === null ? 99 : CEFR_LEVELS.indexOf(l as (typeof CEFR_LEVELS)[number]));
  return out.sort((a, b) => order(a.level) - order(b.level));
}

/** One row per model: its fills of `text` (the same seed for every model). */
export async function fillSideBySide(models: Array<{ name: string; model: GPT2 }>, text: string, options: InfillOptions = {}): Promise<Array<{ model: string; fills: string[]; marked: string[] }>> {
  const rows: Array<{ model: string; fills: string[]; marked: string[] }> = [];
  for (const { name, model } of models) {
    const results = await infill(model, text, { ...options, rng: undefined });
    rows.push({ model: name, fills: results.map((r) => r.fills.join(' | ')), marked: results.map((r) => r.marked) });
  }
  return rows;
}

export type HarnessMetric = 'perplexity' | 'meanLogProb' | 'exactMatch' | 'meanRank';

/** Each metric's figure: title, axis and the factor its values are drawn at (a rate as a percentage, so that the
 * labels of neighbouring bars stay short). */
const METRIC_FIGURES: Record<HarnessMetric, { title: string; axis: string; scale: number }> = {
  perplexity: { title: 'perplexity of the original span (lower is better)', axis: 'perplexity', scale: 1 },
  meanLogProb: { title: 'mean log-probability per token (higher is better)', axis: 'mean log-probability', scale: 1 },
  exactMatch: { title: 'sampled fills that are the original word (%)', axis: '% exact', scale: 100 },
  meanRank: { title: 'rank of the original among the samples (1 is best)', axis: 'mean rank', scale: 1 },
};

/** Three significant digits without trailing zeros (3.7, not 3.70; 261, not 260.75). */
const barLabel = (v: number) => String(Number(v.toPrecision(3)));

/** Grouped bars: one group per CEFR level (and "all"), one bar per model. */
export function harnessFigure(report: HarnessReport, metric: HarnessMetric = 'perplexity'): Figure {
  const labels = Object.keys(report.summary);
  const levels = [...new Set(labels.flatMap((l) => Object.keys(report.summary[l].byLevel)))].sort();
  const groups = [...levels, 'all'];
  return {
    data: labels.map((label) => {
      const s = report.summary[label];
      const y = groups.map((g) => {
        const v = (g === 'all' ? s.overall : s.byLevel[g])?.[metric];
        return v === undefined || v === null ? null : v * METRIC_FIGURES[metric].scale;
      });
      return { type: 'bar', name: label, x: groups, y, text: y.map((v) => (v === null ? '' : barLabel(v))), textposition: 'auto' };
    }),
    layout: {
      barmode: 'group',
      title: { text: METRIC_FIGURES[metric].title },
      xaxis: { title: { text: 'CEFR level' } },
      yaxis: { title: { text: METRIC_FIGURES[metric].axis }, ...(metric === 'perplexity' ? { type: 'log' } : {}) },
      // below the axis title, which plotly's default horizontal legend covers
      legend: { orientation: 'h', yanchor: 'top', y: -0.25 },
      margin: { b: 120 },
      colorway: Object.values(CEFR_COLORS),
    },
  };
}
