/**
 * Agreement between a machine rating and one or more human ratings, as Yancey et al. (2023) report it:
 * QWK against each human rater and against the human consensus with 90 % percentile-bootstrap intervals
 * (seeded), human-human QWK for every pair of raters, exact and adjacent agreement, confusion matrices
 * normalised by the human rating (each row sums to 1), and per-group agreement with the importance-sampling
 * correction (src/metrics/fairness.ts).
 *
 * Ratings are cells of a table: CEFR levels (A1..C2, with "0" for unscorable) or numbers (ELLIPSE's 1-5 in half
 * points). Both become class indices on an evenly spaced scale, so QWK's quadratic weights are those of the
 * values. Empty cells (an unparsed reply, a missing rater) leave the item out of the comparisons that need
 * them, and are counted (so are NA, N/A, NaN, null, None and -). The consensus is the median of the available human ratings (for an even number, the
 * lower of the two middle ones).
 */
import { parseCefr, CEFR_LEVELS } from '../corpus/cefr';
import { confusionMatrix, quadraticWeightedKappa } from '../metrics/classification';
import { bootstrapCI } from '../metrics/bootstrap';
import { lowerMedian } from '../metrics/descriptive';
import { agreementByGroup, type GroupAgreement } from '../metrics/fairness';
import { textTable } from '../runtime/text-table';

export interface RatingScale {
  kind: 'cefr' | 'numeric';
  /** Label of each class index. */
  labels: string[];
  /** Numeric value of each class index. */
  values: number[];
  /** Index distance that counts as "adjacent" (one level, or one score point). */
  adjacent: number;
}

/** Cells that mean "no rating" (as well as an empty cell). */
const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '-']);
export const isMissing = (cell: string | undefined | null) => cell == null || MISSING.has(cell.trim().toLowerCase());

export function cefrScale(): RatingScale {
  return { kind: 'cefr', labels: ['0', ...CEFR_LEVELS], values: [0, 1, 2, 3, 4, 5, 6], adjacent: 1 };
}

/** An evenly spaced numeric scale from 0 to max in steps of `step`. */
export function numericScale(max: number, step: number): RatingScale {
  const n = Math.round(max / step) + 1;
  const values = Array.from({ length: n }, (_, i) => +(i * step).toFixed(6));
  return { kind: 'numeric', labels: values.map((v) => String(v)), values, adjacent: Math.max(1, Math.round(1 / step)) };
}

/** Scale for these cells: CEFR if any cell is a CEFR level, else numeric (step 0.5 if any half points). */
export function inferScale(cells: Iterable<string>): RatingScale {
  let cefr = false;
  let half = false;
  let max = 0;
  const bad: string[] = [];
  for (const raw of cells) {
    const c = raw.trim();
    if (isMissing(c)) continue;
    if (parseCefr(c)) {
      cefr = true;
      continue;
    }
    const v = Number(c);
    if (!Number.isFinite(v) || v < 0) {
      if (bad.length < 3) bad.push(c);
      continue;
    }
    if (Math.abs(v * 2 - Math.round(v * 2)) > 1e-9) bad.push(c);
    if (!Number.isInteger(v)) half = true;
    max = Math.max(max, v);
  }
  if (bad.length) throw new RangeError(`ratings must be CEFR levels (A1..C2), 0 for unscorable, or non-negative numbers in whole or half points; found ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  if (cefr) return cefrScale();
  return numericScale(Math.max(1, max), half ? 0.5 : 1);
}

/** Class index of a cell on the scale, or null when empty. Throws on a value the scale does not have. */
export function scaleIndex(scale: RatingScale, cell: string): number | null {
  const c = cell.trim();
  if (isMissing(c)) return null;
  if (scale.kind === 'cefr') {
    if (c === '0') return 0;
    const l = parseCefr(c);
    if (!l) throw new RangeError(`"${c}" is not a CEFR level or 0`);
    return CEFR_LEVELS.indexOf(l) + 1;
  }
  const v = Number(c);
  const step = scale.values[1] - scale.values[0];
  const i = Math.round(v / step);
  if (!Number.isFinite(v) || i < 0 || i >= scale.values.length || Math.abs(i * step - v) > 1e-9) throw new RangeError(`"${c}" is not on the scale ${scale.labels.join(', ')}`);
  return i;
}

export interface Interval {
  estimate: number;
  ci90: [number, number];
  n: number;
}

export interface Confusion {
  /** Human labels (rows) and machine labels (columns): the range of classes that occur. */
  labels: string[];
  counts: number[][];
  /** Rows divided by their sums (null for a row without items). */
  normalized: Array<Array<number | null>>;
}

export interface AgreementReport {
  scale: string[];
  n: number;
  machine: string;
  humans: string[];
  /** Items with an empty machine rating (unparsed or failed), left out of every comparison. */
  machineMissing: number;
  qwk: Record<string, Interval>;
  humanHuman: Array<{ a: string; b: string } & Interval>;
  exact: Record<string, number>;
  adjacent: Record<string, number>;
  confusion: Record<string, Confusion>;
  /** Per grouping column, per group: computed against `reference`. */
  byGroup: Record<string, GroupAgreement[]>;
  /** The human rating used for byGroup: the only rater, or "consensus". */
  reference: string;
  options: { seed: number; resamples: number; level: number };
}

export interface AgreementOptions {
  human: string[];
  machine: string;
  groups?: string[];
  seed?: number;
  resamples?: number;
  minGroupSize?: number;
}

function pairStats(a: Array<number | null>, b: Array<number | null>, k: number, seed: number, resamples: number): Interval & { pairs: [number[], number[]] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] != null && b[i] != null) {
      x.push(a[i]!);
      y.push(b[i]!);
    }
  }
  const r = bootstrapCI(x.length, (idx) => quadraticWeightedKappa(idx.map((i) => x[i]), idx.map((i) => y[i]), k), { seed, resamples, level: 0.9 });
  return { estimate: r.estimate, ci90: [r.lo, r.hi], n: x.length, pairs: [x, y] };
}

function confusionOf(h: number[], m: number[], scale: RatingScale): Confusion {
  const k = scale.labels.length;
  const full = confusionMatrix(h, m, k);
  let lo = k;
  let hi = -1;
  for (const v of [...h, ...m]) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (hi < lo) return { labels: [], counts: [], normalized: [] };
  const counts = full.slice(lo, hi + 1).map((r) => r.slice(lo, hi + 1));
  return {
    labels: scale.labels.slice(lo, hi + 1),
    counts,
    normalized: counts.map((r) => {
      const s = r.reduce((a, b) => a + b, 0);
      return r.map((v) => (s ? v / s : null));
    }),
  };
}

export function agreement(rows: ReadonlyArray<Record<string, string>>, opts: AgreementOptions): AgreementReport {
  const seed = opts.seed ?? 0;
  const resamples = opts.resamples ?? 1000;
  const cells: string[] = [];
  for (const r of rows) for (const c of [...opts.human, opts.machine]) cells.push(r[c] ?? '');
  const scale = inferScale(cells);
  const k = scale.labels.length;
  const at = (col: string) => rows.map((r, i) => {
    try {
      return scaleIndex(scale, r[col] ?? '');
    } catch (e) {
      throw new RangeError(`row ${i + 2}, column ${col}: ${(e as Error).message}`);
    }
  });
  const machine = at(opts.machine);
  const humans = opts.human.map(at);
  const consensus = rows.map((_, i) => {
    const xs = humans.map((h) => h[i]).filter((v): v is number => v != null);
    return xs.length ? lowerMedian(xs) : null;
  });
  const refs: Array<[string, Array<number | null>]> = opts.human.map((name, j) => [name, humans[j]]);
  if (opts.human.length > 1) refs.push(['consensus', consensus]);
  const reference = opts.human.length > 1 ? 'consensus' : opts.human[0];
  const report: AgreementReport = {
    scale: scale.labels,
    n: rows.length,
    machine: opts.machine,
    humans: opts.human,
    machineMissing: machine.filter((v) => v == null).length,
    qwk: {},
    humanHuman: [],
    exact: {},
    adjacent: {},
    confusion: {},
    byGroup: {},
    reference,
    options: { seed, resamples, level: 0.9 },
  };
  for (const [name, ref] of refs) {
    const s = pairStats(ref, machine, k, seed, resamples);
    report.qwk[name] = { estimate: s.estimate, ci90: s.ci90, n: s.n };
    const [h, m] = s.pairs;
    report.exact[name] = h.length ? h.filter((v, i) => v === m[i]).length / h.length : NaN;
    report.adjacent[name] = h.length ? h.filter((v, i) => Math.abs(v - m[i]) <= scale.adjacent).length / h.length : NaN;
    report.confusion[name] = confusionOf(h, m, scale);
  }
  for (let a = 0; a < humans.length; a++) {
    for (let b = a + 1; b < humans.length; b++) {
      const s = pairStats(humans[a], humans[b], k, seed, resamples);
      report.humanHuman.push({ a: opts.human[a], b: opts.human[b], estimate: s.estimate, ci90: s.ci90, n: s.n });
    }
  }
  const refIdx = opts.human.length > 1 ? consensus : humans[0];
  for (const col of opts.groups ?? []) {
    const keep = rows.map((_, i) => i).filter((i) => refIdx[i] != null && machine[i] != null);
    report.byGroup[col] = agreementByGroup(keep.map((i) => refIdx[i]!), keep.map((i) => machine[i]!), keep.map((i) => (rows[i][col] ?? '').trim()), k, {
      values: scale.values, seed, resamples, minGroupSize: opts.minGroupSize,
    });
  }
  return report;
}

const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

/** A plain-text summary of a report. */
export function agreementTable(r: AgreementReport): string {
  const lines: string[] = [];
  lines.push(`${r.n} items; machine column ${r.machine}${r.machineMissing ? ` (${r.machineMissing} empty: left out)` : ''}; scale ${r.scale.join(' ')}`);
  const ci = (c: readonly [number, number] | number[]) => `[${f(c[0])}, ${f(c[1])}]`;
  lines.push('', textTable(['reference', 'n', 'QWK', '90% CI', 'exact', 'adjacent'], Object.entries(r.qwk).map(([name, q]) => [name, String(q.n), f(q.estimate), ci(q.ci90), f(r.exact[name], 2), f(r.adjacent[name], 2)])));
  if (r.humanHuman.length) lines.push('', textTable(['human-human', 'n', 'QWK', '90% CI'], r.humanHuman.map((h) => [`${h.a}~${h.b}`, String(h.n), f(h.estimate), ci(h.ci90)])));
  for (const [col, groups] of Object.entries(r.byGroup)) {
    lines.push('', `by ${col} (against ${r.reference}; IS: importance-sampled)`);
    lines.push(textTable(['group', 'n', 'QWK', 'QWK(IS)', 'mean diff', 'mean diff(IS)', 'human sd'], groups.map((g) => [g.group, String(g.n), f(g.qwk), f(g.qwkImportanceSampled), f(g.meanDifference, 2), f(g.meanDifferenceImportanceSampled, 2), f(g.humanSd, 2)])));
  }
  return lines.join('\n');
}
