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
  }
});
