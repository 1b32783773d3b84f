/**
 * The guide's cross-model comparison: every model on every level's test set, scored by infill-text-only
 * perplexity (the headline ILM number, spec section 4), and the specialisation gain per level,
 *   gain(L) = ppl(general model on L) / ppl(L's own model on L) - 1,
 * positive when the model trained on level L alone fills L's blanks better than the model trained on all levels.
 */
import { loadModel } from '../model/checkpoint';
import { ExampleSource, evalSample } from '../objective/batch';
import { resolveModelDir } from '../experiment/dir';
import { evaluateModel, EvalMetrics } from './eval';

export interface ModelEntry {
  /** Row label, e.g. "general" or "B1". */
  label: string;
  /** EXP_DIR (checkpoints/best or last is used) or a model directory. */
  dir: string;
  /** The CEFR level the model was trained on, or null for the general (all-levels) model. */
  level: string | null;
}

export interface TestEntry {
  label: string;
  level: string | null;
  source: ExampleSource;
}

export interface Comparison {
  metric: 'infill_text_only_perplexity';
  models: string[];
  tests: string[];
  /** matrix[model][test]: infill-text-only perplexity (null without answer tokens). */
  matrix: Array<Array<number | null>>;
  /** Full metrics behind each cell. */
  cells: EvalMetrics[][];
  /** Specialisation gain per level that has both a specialised model and a test set (needs a general model). */
  gains: Array<{ level: string; general: number; specialised: number; gain: number }>;
}

/** The specialisation gains from a filled matrix. */
export function specialisationGains(models: ModelEntry[], tests: Array<{ level: string | null }>, matrix: Array<Array<number | null>>): Comparison['gains'] {
  const general = models.findIndex((m) => m.level === null);
  if (general < 0) return [];
  const gains: Comparison['gains'] = [];
  models.forEach((m, i) => {
    if (m.level === null) return;
    const t = tests.findIndex((x) => x.level === m.level);
    if (t < 0) return;
    const g = matrix[general][t];
    const s = matrix[i][t];
    if (g == null || s == null) return;
    gains.push({ level: m.level, general: g, specialised: s, gain: g / s - 1 });
  });
  return gains;
}

/** Evaluate every model on every test set (at most `maxExamples` per test set, a seeded sample). */
export async function compareModels(
  models: ModelEntry[],
  tests: TestEntry[],
  opts: { maxExamples?: number; batchSize?: number; seed?: number; onCell?: (model: string, test: string, m: EvalMetrics) => void } = {},
): Promise<Comparison> {
  const cells: EvalMetrics[][] = [];
  for (const entry of models) {
    const model = loadModel(resolveModelDir(entry.dir));
    try {
      const row: EvalMetrics[] = [];
      for (const test of tests) {
        const indices = evalSample(opts.seed ?? 0, test.source.count, opts.maxExamples ?? 0);
        const m = await evaluateModel(model, test.source, indices, { batchSize: opts.batchSize ?? 8 });
        opts.onCell?.(entry.label, test.label, m);
        row.push(m);
      }
      cells.push(row);
    } finally {
      model.dispose();
    }
  }
  const matrix = cells.map((row) => row.map((m) => m.infillTextOnly.perplexity));
  return {
    metric: 'infill_text_only_perplexity',
    models: models.map((m) => m.label),
    tests: tests.map((t) => t.label),
    matrix,
    cells,
    gains: specialisationGains(models, tests, matrix),
  };
}

/** A plain-text table of the matrix and the gains. */
export function comparisonTable(c: Comparison): string {
  const w0 = Math.max(12, ...c.models.map((m) => m.length));
  const w = Math.max(9, ...c.tests.map((t) => t.length));
  const lines = [`${'model \\ test'.padEnd(w0)}  ${c.tests.map((t) => t.padStart(w)).join('  ')}`];
  c.models.forEach((m, i) => lines.push(`${m.padEnd(w0)}  ${c.matrix[i].map((v) => (v == null ? '-' : v.toFixed(2)).padStart(w)).join('  ')}`));
  if (c.gains.length > 0) {
    lines.push('', 'Specialisation gain (general / specialised - 1), infill-text-only perplexity:');
    for (const g of c.gains) lines.push(`  ${g.level.padEnd(4)} general ${g.general.toFixed(2)}  specialised ${g.specialised.toFixed(2)}  gain ${(100 * g.gain).toFixed(1)}%`);
  }
  return lines.join('\n');
}

/**
 * Plain sentences about a comparison, for notebooks and reports: the best model on each test set and the sign
 * and size of each specialisation gain. Says nothing the numbers do not show.
 */
export function describeComparison(c: Comparison): string[] {
  const lines: string[] = [];
  c.tests.forEach((test, j) => {
    const scored = c.models.map((m, i) => ({ m, v: c.matrix[i][j] })).filter((x): x is { m: string; v: number } => x.v != null);
    if (scored.length === 0) return;
    scored.sort((a, b) => a.v - b.v);
    const runnerUp = scored[1] ? `; next ${scored[1].m} (${scored[1].v.toFixed(1)})` : '';
    lines.push(`On the ${test} test set the lowest perplexity is ${scored[0].m}'s (${scored[0].v.toFixed(1)})${runnerUp}.`);
  });
  for (const g of c.gains) {
    const pct = (100 * g.gain).toFixed(1);
    lines.push(g.gain > 0
      ? `${g.level}: the ${g.level} model beats the general model on ${g.level} text by ${pct}% (perplexity ${g.specialised.toFixed(1)} vs ${g.general.toFixed(1)}).`
      : `${g.level}: no specialisation gain (${pct}%): the general model is as good or better on ${g.level} text (${g.general.toFixed(1)} vs ${g.specialised.toFixed(1)}).`);
  }
  return lines;
}
