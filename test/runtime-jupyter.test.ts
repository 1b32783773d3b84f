import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listNotebooks, runNotebooks } from '../src/runtime/jupyter';

const root = path.resolve(__dirname, '..');

function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, source, outputs: [], execution_count: null })),
    metadata: { kernelspec: { name: 'cefrlab', display_name: 'TypeScript (CEFR Lab)', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

test('notebooks are listed in number order and filtered by number', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-nbs-'));
  for (const f of ['02-b.ipynb', '00-a.ipynb', '10-c.ipynb', 'notes.ipynb', '01-x.txt']) fs.writeFileSync(path.join(dir, f), '{}');
  assert.deepEqual(listNotebooks([], dir).map((f) => path.basename(f)), ['00-a.ipynb', '02-b.ipynb', '10-c.ipynb']);
  assert.deepEqual(listNotebooks(['2', '10'], dir).map((f) => path.basename(f)), ['02-b.ipynb', '10-c.ipynb']);
  assert.throws(() => listNotebooks(['07'], dir), /no notebook in .* matches 07; available: 00-a.ipynb/);
});

test('a failing cell stops the run and is reported with its source and error; later notebooks do not run', { timeout: 300_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-nbs-'));
  const out = path.join(dir, 'out');
  fs.writeFileSync(path.join(dir, '00-ok.ipynb'), notebook(['const answer: number = 6 * 7;\nconsole.log(answer)']));
  fs.writeFileSync(path.join(dir, '01-bad.ipynb'), notebook(['console.log("first")', 'const n: number = "forty-two";', 'console.log("never")']));
  fs.writeFileSync(path.join(dir, '02-after.ipynb'), notebook(['console.log(1)']));
  const runs = runNotebooks(listNotebooks([], dir), { outDir: out, log: () => {} });
  assert.equal(runs.length, 2);
  assert.equal(runs[0].ok, true);
  const executed = JSON.parse(fs.readFileSync(path.join(out, '00-ok.ipynb'), 'utf8'));
  assert.deepEqual(executed.cells[0].outputs[0].text, ['42\n']);
  assert.ok(fs.existsSync(path.join(out, '00-ok.html')));
  assert.equal(runs[1].ok, false);
  assert.match(runs[1].error!, /01-bad\.ipynb: cell 2 failed/);
  assert.match(runs[1].error!, /const n: number = "forty-two";/);
  assert.match(runs[1].error!, /not assignable to type 'number'/);
  assert.ok(fs.existsSync(path.join(out, '01-bad.failed.ipynb')));
  assert.ok(!fs.existsSync(path.join(out, '01-bad.html')), 'no report that looks whole for a failed notebook');
  assert.ok(!fs.existsSync(path.join(out, '02-after.ipynb')));
});

test('without Jupyter, run-notebooks says what to install and exits non-zero', () => {
  const run = spawnSync(process.execPath, ['bin/cefrlab.js', 'run-notebooks', '--only', '00'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CEFRLAB_JUPYTER_PYTHON: '/nonexistent/python3' },
  });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /apt-get install -y jupyter-nbconvert python3-nbconvert jupyter-client jupyter-notebook/);
});
