import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../src/cli/main';
import { simulateMatrix } from '../src/irt/noise';
import { Rng } from '../src/runtime/rng';
import { estimateAbility } from '../src/irt/estimate';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

test('irt cli: calibrate, then score one person with each method; bad input is a clear error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irt-cli-'));
  const rng = new Rng(1);
  const thetas = Array.from({ length: 300 }, () => rng.normal());
  const deltas = Array.from({ length: 12 }, (_, i) => -1.5 + (3 * i) / 11);
  const x = simulateMatrix(thetas, deltas, { kind: 'beta', concentration: 3 }, 2);
  const lines = ['person,item,response'];
  for (let p = 0; p < thetas.length; p++) for (let i = 0; i < deltas.length; i++) lines.push(`p${p},i${i},${x[p * 12 + i].toFixed(4)}`);
  fs.writeFileSync(path.join(dir, 'r.csv'), lines.join('\n') + '\n');
  const items = path.join(dir, 'items.json');
  const cal = await run(['irt', 'calibrate', '--responses', path.join(dir, 'r.csv'), '-o', items]);
  assert.equal(cal.code, 0, cal.err);
  const file = JSON.parse(fs.readFileSync(items, 'utf8'));
  assert.equal(file.items.length, 12);
  assert.equal(file.scale.pointsPerLogit, 10);
  fs.writeFileSync(path.join(dir, 'one.csv'), 'item,response\ni0,1\ni3,0.8\ni6,0.5\ni9,0.2\n');
  const d = new Map<string, number>(file.items.map((it: { id: string; difficulty: number }) => [it.id, it.difficulty]));
  for (const method of ['mle', 'map', 'eap', 'wle'] as const) {
    const r = await run(['irt', 'score', '--items', items, '--responses', path.join(dir, 'one.csv'), '--method', method, '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    const expect = estimateAbility(['i0', 'i3', 'i6', 'i9'].map((id) => d.get(id)!), [1, 0.8, 0.5, 0.2], { method });
    assert.ok(Math.abs(j.theta - expect.theta) < 1e-12 && Math.abs(j.thetaPoints - (50 + 10 * expect.theta)) < 1e-9, method);
  }
  fs.writeFileSync(path.join(dir, 'bad.csv'), 'item,response\ni0,1.4\n');
  const bad = await run(['irt', 'score', '--items', items, '--responses', path.join(dir, 'bad.csv')]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /bad\.csv:2: response "1\.4" is not a number from 0 to 1\. Fix:/);
  fs.writeFileSync(path.join(dir, 'unknown.csv'), 'item,response\nnope,1\n');
  const unknown = await run(['irt', 'score', '--items', items, '--responses', path.join(dir, 'unknown.csv')]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /item "nope" is not in/);
  const noBank = await run(['cat', 'simulate', '--bank', path.join(dir, 'missing.jsonl'), '--n', '10']);
  assert.equal(noBank.code, 2);
  assert.match(noBank.err, /cannot read the bank/);
  fs.rmSync(dir, { recursive: true, force: true });
});
