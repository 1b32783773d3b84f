/**
 * `metrics.jsonl`: one JSON object per line per logged step (training or evaluation), the plain-text twin of the
 * TensorBoard events, easy to load in a notebook. After a resume, records logged past the checkpoint's step by
 * the interrupted run are removed first, so the file reads as one uninterrupted run.
 */
import * as fs from 'node:fs';
import { writeFileAtomic } from '../runtime/atomic';

export interface MetricRecord {
  kind: 'train' | 'eval';
  step: number;
  epoch: number;
  time: string;
  [key: string]: number | string | null;
}

export class MetricsLog {
  constructor(readonly file: string) {}

  /** Drop records with a step beyond `step` (and a partial last line from a killed writer). */
  truncateAfter(step: number): void {
    if (!fs.existsSync(this.file)) return;
    const kept = readMetrics(this.file).filter((r) => r.step <= step);
    writeFileAtomic(this.file, kept.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  append(record: Omit<MetricRecord, 'time'> & { time?: string }): void {
    const full = { ...record, time: record.time ?? new Date().toISOString() };
    // JSON has no NaN/Infinity: write them as null so the line stays valid.
    const line = JSON.stringify(full, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
    fs.appendFileSync(this.file, line + '\n');
  }
}

/** Read `metrics.jsonl`, skipping a torn last line. */
export function readMetrics(file: string): MetricRecord[] {
  if (!fs.existsSync(file)) return [];
  const out: MetricRecord[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as MetricRecord);
    } catch {
      /* torn write of a killed run */
    }
  }
  return out;
}
