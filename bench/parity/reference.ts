/**
 * Run bench/parity/make_reference.py (Debian's /usr/bin/python3 with python3-torch) on a checkpoint directory
 * and read back its logits.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSafetensors } from '../../src/model/safetensors';

export const PYTHON = process.env.CEFRLAB_PYTHON ?? '/usr/bin/python3';

export function referenceLogits(modelDir: string, tokens: number[][], workDir: string): { shape: number[]; data: Float32Array } {
  const tokensFile = path.join(workDir, 'tokens.json');
  const outFile = path.join(workDir, 'reference_logits.safetensors');
  fs.writeFileSync(tokensFile, JSON.stringify(tokens));
  const script = path.join(__dirname, 'make_reference.py');
  const run = spawnSync(PYTHON, [script, modelDir, tokensFile, outFile], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${PYTHON} ${script} failed (status ${run.status}):\n${run.stderr}`);
  const logits = readSafetensors(outFile).get('logits');
  if (!logits) throw new Error(`${outFile} has no "logits" tensor`);
  return { shape: logits.shape, data: logits.data };
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
