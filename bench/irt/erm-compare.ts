/**
 * Calibration against R's eRm: simulate dichotomous Rasch data (seeded), calibrate it here (marginal ML, EM)
 * and with eRm (conditional ML, `RM()` and `person.parameter()`), and compare item difficulties and person
 * abilities: Pearson correlation and the largest absolute difference (logits). Persons with a zero or perfect
 * raw score are left out of the person comparison (eRm interpolates them, this library reports the bound).
 *
 *   node --import tsx bench/irt/erm-compare.ts [--persons 1000] [--items 30] [--seed 0] [--out bench/irt/results/erm.json]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../../src/runtime/rng';
import { simulateMatrix } from '../../src/irt/noise';
import { calibrateRasch, responseData } from '../../src/irt/calibrate';
import { writeJsonAtomic } from '../../src/runtime/atomic';
import { pearson } from '../../src/metrics/correlation';
import { readCsvRecords } from '../../src/runtime/csv-table';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const P = Number(arg('--persons', '1000'));
const I = Number(arg('--items', '30'));
const seed = Number(arg('--seed', '0'));
const out = arg('--out', path.join(__dirname, 'results', 'erm.json'));

const rng = new Rng(seed);
const thetas = Array.from({ length: P }, () => rng.normal());
const deltas = Array.from({ length: I }, (_, i) => -2 + (4 * i) / (I - 1));
const x = simulateMatrix(thetas, deltas, { kind: 'bernoulli' }, seed + 1);
const itemIds = deltas.map((_, i) => `i${String(i + 1).padStart(2, '0')}`);
const personIds = thetas.map((_, p) => `p${p + 1}`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-erm-'));
const matrixFile = path.join(dir, 'matrix.csv');
const lines = ['person,' + itemIds.join(',')];
for (let p = 0; p < P; p++) lines.push(personIds[p] + ',' + Array.from(x.subarray(p * I, (p + 1) * I)).join(','));
fs.writeFileSync(matrixFile, lines.join('\n') + '\n');

const t0 = Date.now();
const rows = [];
for (let p = 0; p < P; p++) for (let i = 0; i < I; i++) rows.push({ person: personIds[p], item: itemIds[i], response: x[p * I + i] });
const cal = calibrateRasch(responseData(rows));
const oursMs = Date.now() - t0;

const t1 = Date.now();
const r = spawnSync('Rscript', [path.join(__dirname, 'erm.R'), matrixFile, path.join(dir, 'items.csv'), path.join(dir, 'persons.csv')], { encoding: 'utf8' });
const ermMs = Date.now() - t1;
if (r.status !== 0) throw new Error(`Rscript failed: ${r.stderr}`);

const ermItems = new Map(readCsvRecords(path.join(dir, 'items.csv')).records.slice(1).map((c) => [c[0], Number(c[1])]));
const ermPersons = new Map(readCsvRecords(path.join(dir, 'persons.csv')).records.slice(1).map((c) => [c[0], { theta: Number(c[1]), interpolated: c[2] === 'TRUE' }]));
const a: number[] = [], b: number[] = [], truth: number[] = [];
for (const it of cal.items) {
  a.push(it.difficulty);
  b.push(ermItems.get(it.id)!);
  truth.push(deltas[itemIds.indexOf(it.id)]);
}
const pa: number[] = [], pb: number[] = [];
for (const p of cal.persons) {
  const e = ermPersons.get(p.id);
  if (!e || e.interpolated || p.boundary) continue;
  pa.push(p.theta);
  pb.push(e.theta);
}
const maxDiff = (u: number[], v: number[]) => u.reduce((m, x, i) => Math.max(m, Math.abs(x - v[i])), 0);
const result = {
  date: new Date().toISOString().slice(0, 10),
  command: `node --import tsx bench/irt/erm-compare.ts --persons ${P} --items ${I} --seed ${seed}`,
  data: { persons: P, items: I, seed, thetas: 'N(0, 1)', difficulties: `even over -2..2`, responses: 'Bernoulli (dichotomous)' },
  ermVersion: r.stdout.trim(),
  items: { correlation: pearson(a, b), maxAbsDifference: maxDiff(a, b), correlationWithTruthOurs: pearson(a, truth), correlationWithTruthErm: pearson(b, truth), excluded: cal.excludedItems.length },
  persons: { compared: pa.length, leftOut: P - pa.length, correlation: pearson(pa, pb), maxAbsDifference: maxDiff(pa, pb) },
  ours: { method: cal.method, iterations: cal.iterations, converged: cal.converged, populationSd: cal.population.sd, ms: oursMs },
  erm: { method: 'conditional maximum likelihood (RM) + person.parameter (MLE)', ms: ermMs },
};
writeJsonAtomic(out, result);
fs.rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result, null, 2));
