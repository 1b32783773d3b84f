/**
 * What notebook 06 (CEFR classification) computes, as library functions: its plan (sizes under the fast test
 * setting CEFRLAB_FAST=1 and by default), the two corpora, which model encoders are available, result rows,
 * figures and the computed readings the notebook prints. Nothing here is specific to a cell's layout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../runtime/rng';
import { isFast } from './fast';
import { projectRoot } from '../runtime/paths';
import { CEFR_LEVELS, type CefrLevel } from '../corpus/cefr';
import { findDuplicates } from '../corpus/duplicates';
import { listExperiments } from '../experiment/list';
import { heatmapChart } from '../plot/charts';
import type { Figure } from '../plot/figure';
import type { ClassificationReport } from '../metrics/report';
import type { LabelledText } from '../classify/data';
import type { CurveResult } from '../classify/classifier';
import { stratifiedHoldout } from '../model-selection/folds';

export interface ClassifyNotebookPlan {
  fast: boolean;
  folds: number;
  /** Rows of CEFR-ASAG used in the encoder comparison (all 708 by default). */
  compareRows: number;
  /**
   * Rows for the perplexity encoders (a forward pass with the full vocabulary projection per text and level
   * model, about 0.25 s of CPU per text and model for the tiny models): at most this many of the texts held
   * out from the level models (stratified; 240 by default, 30 in fast mode), with a `features` row on the
   * same texts for comparison.
   */
  pplRows: number;
  /** CEFR-SP sentences used (train part, test part). */
  spTrainRows: number;
  spTestRows: number;
  /** The paper's MLP head: epochs and learning rate used here. */
  mlpEpochs: number;
  mlpLr: number;
  curveSizes: number[];
  curveSeeds: number;
  resamples: number;
}

export function classifyNotebookPlan(env: NodeJS.ProcessEnv = process.env): ClassifyNotebookPlan {
  const fast = isFast(env);
  return fast
    ? { fast, folds: 3, compareRows: 150, pplRows: 30, spTrainRows: 1200, spTestRows: 400, mlpEpochs: 5, mlpLr: 1e-3, curveSizes: [100, 300, 1200], curveSeeds: 2, resamples: 200 }
    : { fast, folds: 5, compareRows: 708, pplRows: 240, spTrainRows: Infinity, spTestRows: Infinity, mlpEpochs: 100, mlpLr: 1e-3, curveSizes: [100, 300, 1000, 3000, 7000], curveSeeds: 3, resamples: 1000 };
}

export function levelCounts(rows: readonly LabelledText[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of CEFR_LEVELS) {
    const n = rows.filter((r) => r.level === l).length;
    if (n) out[l] = n;
  }
  return out;
}

/** Accuracy of always predicting the most frequent level of `train` on `test`. */
export function majorityBaseline(train: readonly LabelledText[], test: readonly LabelledText[]): { level: CefrLevel; accuracy: number } {
  const counts = levelCounts(train);
  const level = (Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0]) as CefrLevel;
  return { level, accuracy: test.filter((r) => r.level === level).length / test.length };
}

/** The shipped base GPT-2 (data/models/base) when it is there. */
export function baseModelDir(): string | null {
  const dir = path.join(projectRoot, 'data', 'models', 'base');
  return fs.existsSync(path.join(dir, 'model.safetensors')) || fs.existsSync(path.join(dir, 'checkpoints')) ? path.relative(process.cwd(), dir) || dir : null;
}

/** Notebook 03's per-level models (experiments/03-training/<LEVEL>), in CEFR order. */
export function levelModelDirs(root = path.join(projectRoot, 'experiments', '03-training')): Array<{ level: string; dir: string }> {
  return listExperiments(root)
    .filter((e) => e.level != null && e.level !== 'all' && (CEFR_LEVELS as readonly string[]).includes(e.level))
    .sort((a, b) => CEFR_LEVELS.indexOf(a.level as CefrLevel) - CEFR_LEVELS.indexOf(b.level as CefrLevel))
    .map((e) => ({ level: e.level!, dir: e.dir }));
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const ci = (m: { value: number; ci90: [number, number] }) => `${f3(m.value)} [${f3(m.ci90[0])}, ${f3(m.ci90[1])}]`;

/** One table row: the headline metrics with their 90 % intervals. */
export function resultRow(name: string, r: ClassificationReport, extra: Record<string, string | number> = {}): Record<string, string | number> {
  return { setting: name, n: r.n, ...extra, 'accuracy [90% CI]': ci(r.accuracy), 'balanced acc.': f3(r.balancedAccuracy.value), 'macro-F1': f3(r.macroF1.value), 'QWK [90% CI]': ci(r.qwk), adjacent: f3(r.adjacentAccuracy.value) };
}

/** Row-normalised confusion matrix (share of each true level predicted as each level), as a heatmap. */
export function confusionFigure(r: ClassificationReport, title: string): Figure {
  const rows = r.confusion.map((row) => {
    const n = row.reduce((a, b) => a + b, 0);
    return row.map((x) => (n ? x / n : null));
  });
  const fig = heatmapChart(r.labels.map((l) => `${l} (n=${r.confusion[r.labels.indexOf(l)].reduce((a, b) => a + b, 0)})`), r.labels, rows, { title, x: 'predicted level', y: 'true level', digits: 2, colorscale: 'Blues' });
  darkIsHigh(fig);
  return fig;
}

/** Plotly's "Blues" runs dark to light; reversed, the larger shares are the darker cells. */
function darkIsHigh(fig: Figure): void {
  for (const trace of fig.data as Array<Record<string, unknown>>) trace.reversescale = true;
}

/** Accuracy of every (encoder, training corpus) against every test corpus, as a heatmap. */
export function crossCorpusFigure(cellsBySpec: Record<string, CrossCorpusCell[]>, title: string): Figure {
  const specs = Object.keys(cellsBySpec);
  const names = [...new Set(Object.values(cellsBySpec).flatMap((cells) => cells.map((c) => c.train)))];
  const fig = heatmapChart(
    specs.flatMap((sp) => names.map((n) => `${sp}, trained on ${n}`)),
    names.map((n) => `tested on ${n}`),
    specs.flatMap((sp) => names.map((tr) => names.map((te) => cellsBySpec[sp].find((c) => c.train === tr && c.test === te)?.report.accuracy.value ?? null))),
    { title, digits: 3, colorscale: 'Blues' },
  );
  darkIsHigh(fig);
  (fig.layout as Record<string, unknown>).margin = { l: 260 };
  return fig;
}

/** Learning curves: mean accuracy and QWK per training size, error bars one standard deviation over samples. */
export function curveFigure(curves: Array<{ name: string; curve: CurveResult }>, title: string): Figure {
  const data: Array<Record<string, unknown>> = [];
  for (const { name, curve } of curves) {
    const x = curve.points.map((p) => p.size);
    for (const m of ['accuracy', 'qwk'] as const) {
      data.push({
        type: 'scatter', mode: 'lines+markers', name: `${name}: ${m}`, x, y: curve.points.map((p) => p.metrics[m].mean),
        error_y: { type: 'data', array: curve.points.map((p) => p.metrics[m].sd), visible: true },
        ...(m === 'qwk' ? { line: { dash: 'dash' } } : {}),
      });
    }
  }
  return {
    data,
    layout: { title: { text: title }, xaxis: { title: { text: 'training texts (log scale)' }, type: 'log' }, yaxis: { title: { text: 'score on the test set (mean ± sd)' } } },
  };
}

export interface CrossCorpusCell {
  train: string;
  test: string;
  report: ClassificationReport;
  majority: number;
}

/** A few sentences on the in-corpus vs cross-corpus gap, every number computed from the results. */
export function crossCorpusReading(cells: CrossCorpusCell[]): string {
  const get = (train: string, test: string) => cells.find((c) => c.train === train && c.test === test);
  const names = [...new Set(cells.map((c) => c.train))];
  const lines: string[] = [];
  for (const test of names) {
    const inCorpus = get(test, test);
    const other = names.find((n) => n !== test);
    const cross = other ? get(other, test) : undefined;
    if (!inCorpus || !cross) continue;
    const dAcc = inCorpus.report.accuracy.value - cross.report.accuracy.value;
    const dQwk = inCorpus.report.qwk.value - cross.report.qwk.value;
    const overlap = !(cross.report.accuracy.ci90[1] < inCorpus.report.accuracy.ci90[0]);
    lines.push(
      `On ${test}, a model trained on ${test} reaches accuracy ${f3(inCorpus.report.accuracy.value)} (QWK ${f3(inCorpus.report.qwk.value)}); ` +
        `trained on ${other} it reaches ${f3(cross.report.accuracy.value)} (QWK ${f3(cross.report.qwk.value)}): ` +
        `${dAcc >= 0 ? 'a drop' : 'a gain'} of ${f3(Math.abs(dAcc))} in accuracy and ${f3(Math.abs(dQwk))} in QWK` +
        `${overlap ? ' (the 90 % intervals overlap)' : ' (the 90 % intervals do not overlap)'}. ` +
        `Always answering the majority level of the training corpus would score ${f3(cross.majority)} there` +
        `${cross.report.accuracy.value <= cross.majority ? ', so across corpora the classifier does no better than that baseline.' : '.'}`,
    );
    const adj = cross.report.adjacentAccuracy.value;
    lines.push(`  Across corpora, ${(100 * adj).toFixed(0)} % of the ${test} predictions are still within one level (in-corpus: ${(100 * inCorpus.report.adjacentAccuracy.value).toFixed(0)} %).`);
  }
  return lines.join('\n');
}

/** Share of texts changed and of words replaced by automatic corrections. */
export function correctionStats(texts: readonly string[], corrected: readonly string[]): { textsChanged: number; wordsReplaced: number; words: number } {
  let textsChanged = 0;
  let wordsReplaced = 0;
  let words = 0;
  texts.forEach((t, i) => {
    if (t !== corrected[i]) textsChanged++;
    const a = t.split(/\s+/);
    const b = corrected[i].split(/\s+/);
    words += a.length;
    for (let j = 0; j < Math.min(a.length, b.length); j++) if (a[j] !== b[j]) wordsReplaced++;
  });
  return { textsChanged, wordsReplaced, words };
}

/**
 * A stratified hold-out of rows: `share` of each level to `test` (seeded). Copies of a text (src/corpus/duplicates.ts)
 * follow their first copy, so no text is on both sides.
 */
export function holdoutRows(rows: readonly LabelledText[], share: number, seed = 0): { train: LabelledText[]; test: LabelledText[] } {
  const { groupOf } = findDuplicates(rows.map((r) => r.text));
  const firsts = rows.map((_, i) => i).filter((i) => groupOf[i] === i);
  const y = firsts.map((i) => CEFR_LEVELS.indexOf(rows[i].level!));
  const { dev } = stratifiedHoldout(y, share, Rng.derive(seed, 'notebook-holdout'));
  const inTest = new Set(dev.map((k) => firsts[k]));
  const idx = rows.map((_, i) => i);
  return { train: idx.filter((i) => !inTest.has(groupOf[i])).map((i) => rows[i]), test: idx.filter((i) => inTest.has(groupOf[i])).map((i) => rows[i]) };
}

/** Which setting scored best and worst on accuracy, and whether their 90 % intervals separate them. */
export function comparisonReading(results: Array<{ name: string; report: ClassificationReport }>, what: string): string {
  if (results.length === 0) return `No ${what} could be compared.`;
  if (results.length === 1) return `Only one ${what} ran: ${results[0].name}, accuracy ${f3(results[0].report.accuracy.value)}.`;
  const sorted = results.slice().sort((a, b) => b.report.accuracy.value - a.report.accuracy.value);
  const best = sorted[0];
  const worst = sorted[sorted.length - 1];
  const separated = best.report.accuracy.ci90[0] > worst.report.accuracy.value && worst.report.accuracy.ci90[1] < best.report.accuracy.value;
  const byQwk = results.slice().sort((a, b) => b.report.qwk.value - a.report.qwk.value)[0];
  return (
    `Best ${what} by accuracy: ${best.name} (${f3(best.report.accuracy.value)}); lowest: ${worst.name} (${f3(worst.report.accuracy.value)}), ` +
    `a difference of ${f3(best.report.accuracy.value - worst.report.accuracy.value)}. ` +
    (separated ? 'Each lies outside the other\'s 90 % interval, so the difference is unlikely to be resampling noise. ' : 'Their 90 % intervals overlap, so on this many texts the ranking is not firm. ') +
    `Best by QWK: ${byQwk.name} (${f3(byQwk.report.qwk.value)}).`
  );
}
