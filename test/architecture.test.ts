/**
 * The layering of src/ (.dependency-cruiser.cjs): no import cycle, no import up the tiers or sideways within a
 * tier, every folder declared. Checked on the real tree, and on a small tree with one violation of each kind, so
 * that a check which cannot fail would be noticed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const CRUISER = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

function cruise(cwd: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [CRUISER, '--config', CONFIG, '--output-type', 'err', 'src'], { cwd, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('src/ follows the declared layers: no cycle, no upward or sideways import, no undeclared folder', () => {
  const { status, output } = cruise(ROOT);
  assert.equal(status, 0, `dependency-cruiser found violations:\n${output}`);
  assert.match(output, /no dependency violations found/);
});

test('every folder of src/ has a tier, and no file sits directly in src/', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tiers = (require(CONFIG) as { TIERS: string[][] }).TIERS.flat();
  const entries = fs.readdirSync(path.join(ROOT, 'src'), { withFileTypes: true });
  assert.deepEqual(entries.filter((e) => !e.isDirectory()).map((e) => e.name), []);
  assert.deepEqual(entries.filter((e) => e.isDirectory() && !tiers.includes(e.name)).map((e) => e.name), []);
  assert.deepEqual(tiers.filter((t) => !entries.some((e) => e.isDirectory() && e.name === t)), [], 'a tier names a folder that does not exist');
});

test('the layering check fails on an upward import, a cycle between folders, a sideways import and an undeclared folder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-layers-'));
  try {
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true }, include: ['src/**/*.ts'] }));
    write('src/cli/main.ts', 'export const top = 1;\n');
    write('src/runtime/low.ts', "import { top } from '../cli/main';\nexport const low = top;\n");
    write('src/train/a.ts', "import { b } from '../evaluate/b';\nexport const a = () => b;\n");
    write('src/evaluate/b.ts', "import type { a } from '../train/a';\nexport const b: typeof a | null = null;\n");
    write('src/model/c.ts', "import { d } from '../ilm/d';\nexport const c = d;\n");
    write('src/ilm/d.ts', 'export const d = 1;\n');
    write('src/elsewhere/e.ts', "import { d } from '../ilm/d';\nexport const e = d;\n");
    const { status, output } = cruise(dir);
    assert.notEqual(status, 0, output);
    assert.match(output, /layer-runtime: src\/runtime\/low\.ts → src\/cli\/main\.ts/);
    assert.match(output, /no-circular: src\/(train\/a|evaluate\/b)\.ts/);
    assert.match(output, /layer-evaluate: src\/evaluate\/b\.ts → src\/train\/a\.ts/);
    assert.match(output, /layer-model: src\/model\/c\.ts → src\/ilm\/d\.ts/);
    assert.match(output, /declared-folder: src\/elsewhere\/e\.ts/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
