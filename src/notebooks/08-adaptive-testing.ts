/**
 * Tables and figures of the adaptive test for notebook 08 (and anyone else): a session step by step, the
 * simulation against the paper's figures (Settles et al. 2020, Tables 8 and 9), and the comparison of
 * selection rules (accuracy against exposure). Everything here is computed from library results.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Figure } from '../plot/figure';
import { logitSeToScale, logitToScale } from '../irt/scale';
import type { Bank } from '../cat/bank';
import { loadBank, makeBank, bankSummary } from '../cat/bank';
import { syntheticBank } from '../cat/synthetic-bank';
import type { CatResult, SelectRule } from '../cat/engine';
import { simulateCat, type SimulateOptions, type SimulationReport } from '../cat/simulate';
import { calibrateSympsonHetter } from '../cat/exposure';
import { projectRoot } from '../runtime/paths';
import { NOTEBOOK_BANK_FILE } from '../items/bank';
import { tableHtml } from '../plot/table';
import { escapeHtml } from '../plot/html';

/**
 * The bank for the notebook: a bank file if one is given (or `CEFRLAB_BANK` is set, or
 * experiments/items/BANK.jsonl exists), else the synthetic bank with `perBin` items per format and bin.
 */
export function notebookBank(perBin: number, file = process.env.CEFRLAB_BANK ?? NOTEBOOK_BANK_FILE): { bank: Bank; source: string } {
  if (file && fs.existsSync(file)) return { bank: loadBank(file), source: file };
  return { bank: makeBank(syntheticBank({ perBin })), source: `synthetic bank (src/cat/synthetic-bank.ts), ${perBin} items per format and bin` };
}

export function bankTableHtml(bank: Bank): string {
  const s = bankSummary(bank);
  return tableHtml(['format', ...Array.from({ length: 11 }, (_, b) => `bin ${b}`), 'total'], Object.entries(s).map(([f, bins]) => [f, ...bins, bins.reduce((a, b) => a + b, 0)]));
}

export function sessionTableHtml(r: CatResult): string {
  return tableHtml(
    ['#', 'item', 'format', 'δ (points)', 'response', 'θ̂ (points)', 'SE (points)', 'note'],
    r.steps.map((s) => [s.index + 1, s.itemId, s.format, s.difficulty.toFixed(1), s.response.toFixed(3), logitToScale(s.theta).toFixed(1), logitSeToScale(s.se).toFixed(1), s.boundary ?? '']),
  );
}

export function sessionFigure(r: CatResult, trueTheta?: number): Figure {
  const x = r.steps.map((s) => s.index + 1);
  const y = r.steps.map((s) => logitToScale(s.theta));
  const se = r.steps.map((s) => logitSeToScale(s.se));
  const data: Array<Record<string, unknown>> = [
    { x: [...x, ...x.slice().reverse()], y: [...y.map((v, i) => v + se[i]), ...y.map((v, i) => v - se[i]).reverse()], fill: 'toself', fillcolor: 'rgba(31,119,180,0.15)', line: { width: 0 }, name: '± 1 SE', hoverinfo: 'skip' },
    { x, y, mode: 'lines+markers', name: 'θ̂ (MLE)', line: { color: '#1f77b4' } },
    { x, y: r.steps.map((s) => s.difficulty), mode: 'markers', name: 'item δ', marker: { symbol: 'x', color: '#d62728' } },
  ];
  if (trueTheta != null) data.push({ x: [1, x.length], y: [trueTheta, trueTheta], mode: 'lines', name: 'true θ', line: { dash: 'dot', color: '#333' } });
  return { data, layout: { title: { text: 'One simulated session: θ̂ and its SE after each item' }, xaxis: { title: { text: 'item' } }, yaxis: { title: { text: 'points (100-point scale)' }, range: [-15, 115] } } };
}

/** The paper's figures (Tables 8 and 9) beside a simulation's. */
export function paperComparisonHtml(r: SimulationReport): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  return tableHtml(['measure', 'paper (operational test)', 'this simulation'], [
    ['split-half reliability (Spearman-Brown)', '.96 (n = 9,309)', r.splitHalf.toFixed(3)],
    ['test-retest', '.80 (n = 526)', r.testRetest == null ? '-' : r.testRetest.toFixed(3)],
    ['item exposure, mean', '.10 %', pct(r.exposure.mean)],
    ['item exposure, median', '.08 %', pct(r.exposure.median)],
    ['item exposure, max', '-', pct(r.exposure.max)],
    ['test overlap, mean', '.43 % (11-14 % for other operational CATs)', pct(r.overlap.mean)],
    ['test overlap, median', '< .01 %', pct(r.overlap.median)],
    ['bank usage', '-', pct(r.bankUsage)],
    ['bank size', '> 25,000 items (5 formats)', String(r.bankSize)],
    ['correlation of θ̂ with θ', '-', r.correlation.toFixed(3)],
    ['RMSE / bias (points)', '-', `${r.rmse.toFixed(2)} / ${r.bias.toFixed(2)}`],
    ['mean SE: response model / sandwich (points)', '-', `${r.meanSe.toFixed(2)} / ${r.meanSeSandwich.toFixed(2)} (φ = ${+r.dispersion.toFixed(4)})`],
  ]);
}

export function recoveryFigure(r: SimulationReport): Figure {
  const s = r.sessions ?? [];
  return {
    data: [
      { x: s.map((x) => x.theta), y: s.map((x) => x.score), mode: 'markers', type: 'scattergl', name: 'simulees', marker: { size: 3, opacity: 0.4 } },
      { x: [-20, 120], y: [-20, 120], mode: 'lines', name: 'θ̂ = θ', line: { dash: 'dot', color: '#333' } },
    ],
    layout: { title: { text: `Recovery of θ (${r.select}, ${r.n} simulees): r = ${r.correlation.toFixed(3)}, RMSE ${r.rmse.toFixed(1)} points` }, xaxis: { title: { text: 'true θ (points)' } }, yaxis: { title: { text: 'θ̂ (points)' } } },
  };
}

export interface RuleComparison {
  rule: string;
  report: SimulationReport;
}

/** The same simulees under each rule; Sympson-Hetter calibrated first to `target`. */
export function compareSelectionRules(bank: Bank, options: SimulateOptions & { target: number; calibrationN: number; calibrationRounds: number }): RuleComparison[] {
  const rules: SelectRule[] = ['bin', 'maxinfo', 'randomesque'];
  const out: RuleComparison[] = rules.map((select) => ({ rule: select, report: simulateCat(bank, { ...options, config: { ...options.config, select } }) }));
  const cal = calibrateSympsonHetter(bank, { target: options.target, n: options.calibrationN, rounds: options.calibrationRounds, seed: (options.seed ?? 0) + 1, distribution: options.distribution, noise: options.noise, config: options.config });
  out.push({ rule: `sympson-hetter (r = ${options.target})`, report: simulateCat(bank, { ...options, config: { ...options.config, select: 'sympson-hetter', exposure: cal.k } }) });
  return out;
}

export function ruleTableHtml(c: RuleComparison[]): string {
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  return tableHtml(['rule', 'RMSE', 'bias', 'r(θ̂, θ)', 'split-half', 'retest', 'exposure max', 'exposure median', 'overlap mean', 'bank usage'],
    c.map(({ rule, report: r }) => [rule, r.rmse.toFixed(2), r.bias.toFixed(2), r.correlation.toFixed(3), r.splitHalf.toFixed(3), r.testRetest == null ? '-' : r.testRetest.toFixed(3), pct(r.exposure.max), pct(r.exposure.median), pct(r.overlap.mean), pct(r.bankUsage)]));
}

export function accuracyExposureFigure(c: RuleComparison[]): Figure {
  return {
    data: [
      { x: c.map((x) => 100 * x.report.exposure.max), y: c.map((x) => x.report.rmse), text: c.map((x) => x.rule), mode: 'markers+text', textposition: 'top center', name: 'largest exposure', marker: { size: 11 } },
      { x: c.map((x) => 100 * x.report.overlap.mean), y: c.map((x) => x.report.rmse), text: c.map((x) => x.rule), mode: 'markers', name: 'mean overlap', marker: { size: 9, symbol: 'diamond' } },
    ],
    layout: { title: { text: 'Accuracy against exposure: selection rules' }, xaxis: { title: { text: 'largest item exposure / mean test overlap (%)' } }, yaxis: { title: { text: 'RMSE of θ̂ (points)' } } },
  };
}

/** An <img> of a PNG file, inlined (the notebook shows screenshots this way). */
export function pngHtml(file: string, alt: string, width = 640): string {
  return `<img alt="${escapeHtml(alt)}" width="${width}" src="data:image/png;base64,${fs.readFileSync(file).toString('base64')}">`;
}
