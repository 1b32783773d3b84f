/**
 * Smoke execution of every numbered notebook, in order, with the project's kernel, under the fast setting
 * (CEFRLAB_FAST=1: shortened training, the same code path). Needs Jupyter (see README); fails, not skips,
 * when it is missing, because `npm start` needs it too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listNotebooks, runNotebooks } from '../src/runtime/jupyter';
import { experimentsDir } from '../src/runtime/paths';
import { readMetrics } from '../src/train/metrics';

/** Every text a notebook printed (stream outputs and plain-text results). */
function printed(nb: { cells: Array<{ cell_type: string; outputs?: Array<{ text?: string | string[]; data?: Record<string, string | string[]> }> }> }): string {
  const join = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join('') : t ?? '');
  return nb.cells
    .filter((c) => c.cell_type === 'code')
    .flatMap((c) => c.outputs ?? [])
    .map((o) => join(o.text) + join(o.data?.['text/plain']))
    .join('\n');
}

const LN_VOCAB = Math.log(50264);

/**
 * The numbers the notebooks show make sense: every perplexity they print is a finite number above 1, notebook
 * 05's minimal pairs are ranked above chance under both scorings, and the training notebook's models learned (each training loss is finite and below the untrained model's
 * 2 ln V for context + infill; each evaluation loss below ln V; the general model's last evaluation is not
 * worse than its first).
 */
function checkNumbers(ipynb: string): void {
  const nb = JSON.parse(fs.readFileSync(ipynb, 'utf8'));
  const text = printed(nb);
  for (const m of text.matchAll(/\b(?:ppl|perplexity)[ :=]+(-?[0-9][0-9.]*(?:e[+-]?\d+)?|NaN|Infinity|null)\b/gi)) {
    const v = Number(m[1]);
    assert.ok(Number.isFinite(v) && v >= 1, `${ipynb}: a printed perplexity is ${m[1]} ("${m[0]}")`);
  }
  if (/05-inference/.test(ipynb)) {
    // the minimal pairs, one sentence per scoring (src/pretrain/probes.ts): above chance, by count and by the sign test
    const lines = [...text.matchAll(/Minimal pairs ranked correctly \(rank, ([^)]*)\): (\d+) of (\d+) \(.*?(not above|above) chance by the one-sided sign test/g)];
    assert.equal(lines.length, 2, `${ipynb}: a minimal-pair sentence for each scoring`);
    assert.ok(lines.some((m) => /rank's default/.test(m[1])), `${ipynb}: the default scoring is named`);
    for (const [, scoring, right, pairs, verdict] of lines) {
      assert.ok(Number(pairs) >= 40 && Number(right) > Number(pairs) / 2 && verdict === 'above', `${ipynb}: minimal pairs (${scoring}): ${right} of ${pairs}, ${verdict} chance`);
    }
  }
  if (!/03-training/.test(ipynb)) return;
  const work = path.join(experimentsDir, '03-training');
  const runs = fs.readdirSync(work).filter((d) => fs.existsSync(path.join(work, d, 'metrics.jsonl')));
  assert.ok(runs.includes('general'), `${work}: the general model was trained`);
  for (const run of runs) {
    const records = readMetrics(path.join(work, run, 'metrics.jsonl'));
    const trainLoss = records.filter((r) => r.kind === 'train').map((r) => r.loss as number);
    const evalLoss = records.filter((r) => r.kind === 'eval').map((r) => r.infill_loss as number);
    assert.ok(trainLoss.length > 0 && trainLoss.every((l) => Number.isFinite(l) && l > 0 && l < 2 * LN_VOCAB), `${run}: training losses ${trainLoss}`);
    assert.ok(evalLoss.every((l) => Number.isFinite(l) && l > 0 && l < LN_VOCAB), `${run}: evaluation infill losses ${evalLoss}`);
    if (run === 'general' && evalLoss.length >= 2) assert.ok(evalLoss[evalLoss.length - 1] <= evalLoss[0] * 1.01, `general: evaluation infill loss rose from ${evalLoss[0]} to ${evalLoss[evalLoss.length - 1]}`);
  }
}

test('every notebook executes headless and its report embeds its plots', { timeout: 45 * 60 * 1000 }, () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-reports-'));
  const notebooks = listNotebooks();
  assert.ok(notebooks.length >= 1);
  const runs = runNotebooks(notebooks, { outDir: out, env: { CEFRLAB_FAST: '1', CEFRLAB_QUIET: '1' }, log: () => {} });
  const failed = runs.find((r) => !r.ok);
  assert.equal(failed, undefined, failed ? `${failed.notebook}:\n${failed.error}` : '');
  assert.equal(runs.length, notebooks.length);
  for (const run of runs) {
    const [ipynb, html] = run.outputs;
    const nb = JSON.parse(fs.readFileSync(ipynb, 'utf8'));
    const code = nb.cells.filter((c: { cell_type: string }) => c.cell_type === 'code');
    assert.ok(code.every((c: { execution_count: number | null }) => c.execution_count != null), `${ipynb}: every code cell ran`);
    const errors = code.flatMap((c: { outputs: Array<{ output_type: string }> }) => c.outputs).filter((o: { output_type: string }) => o.output_type === 'error');
    assert.equal(errors.length, 0, `${ipynb}: no error outputs`);
    const page = fs.readFileSync(html, 'utf8');
    const plots = (page.match(/window\.Plotly\.newPlot\(/g) ?? []).length;
    assert.ok(plots >= 1, `${html}: every notebook draws at least one plot`);
    assert.equal((page.match(/var define=undefined/g) ?? []).length, 1, `${html}: the plotly bundle is embedded exactly once`);
    checkNumbers(ipynb);
  }
});
