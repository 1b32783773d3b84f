/** Shared by the BERT parity and speed benchmarks: learner texts from the embedded data, running the reference. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';

export const REFERENCE = path.join(__dirname, 'reference.py');
export const PYTHON = process.env.CEFRLAB_PYTHON ?? '/usr/bin/python3';

/** The first `n` texts of the embedded CEFR-ASAG answers (real learner English). */
export function learnerTexts(n: number): string[] {
  const file = path.join(__dirname, '..', '..', 'data', 'cefr-asag', 'cefr_asag_4col.csv');
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Array<{ text: string }>;
  return rows.slice(0, n).map((r) => r.text);
}

/** Run bench/bert/reference.py; throws with its stderr on failure; returns stdout. */
export function runReference(args: string[]): string {
  const r = spawnSync(PYTHON, [REFERENCE, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`reference.py ${args[0]} failed (${r.status}): ${(r.stderr ?? '').slice(-3000)}`);
  return r.stdout;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
