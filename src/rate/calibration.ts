/**
 * Calibration examples: k per rating category, drawn with a seed from a TRAINING table, never from the essays
 * being rated (Yancey et al. 2023 drew theirs from essays held out for that purpose, on which two raters
 * agreed). An example whose text is also among the essays to rate is refused, not silently skipped, because it
 * would leak the answer into the prompt. Categories with fewer than k candidates get what there is, and are
 * reported. The chosen examples are shuffled (seeded), so the conversation does not always end on one level.
 */
import { Rng } from '../runtime/rng';
import { UserError } from '../runtime/errors';
import type { Rubric } from './rubric';
import { normaliseLabel, rubricLabels } from './rubric';
import type { CalibrationExample } from './prompt';

export interface CalibrationCandidate {
  prompt: string;
  response: string;
  /** The label as written in the training table: a rubric label, or anything else (then not used). */
  label: string;
  rationale?: string;
}

export interface CalibrationChoice {
  examples: CalibrationExample[];
  /** Per rubric label: how many were available and how many taken. */
  perCategory: Array<{ label: string; available: number; taken: number }>;
  /** Labels with fewer than k candidates. */
  short: string[];
}

const textKey = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

export function selectCalibration(candidates: readonly CalibrationCandidate[], rubric: Rubric, k: number, opts: { seed?: number; exclude?: Iterable<string> } = {}): CalibrationChoice {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`selectCalibration: k must be a non-negative integer, got ${k}`);
  const excluded = new Set<string>();
  for (const t of opts.exclude ?? []) excluded.add(textKey(t));
  const labels = rubricLabels(rubric);
  const byKey = new Map(labels.map((l) => [normaliseLabel(l), l]));
  const pools = new Map<string, CalibrationCandidate[]>(labels.map((l) => [l, []]));
  candidates.forEach((c, i) => {
    const raw = /^\s*\d+(\.\d+)?\s*$/.test(c.label) ? String(Number(c.label)) : c.label; // "3.0" is [3]
    const label = byKey.get(normaliseLabel(raw));
    if (!label || !c.response.trim()) return;
    if (excluded.has(textKey(c.response))) {
      throw new UserError(`calibration candidate ${i + 1} (label ${c.label}) is also one of the essays to rate. Fix: draw calibration examples from a separate training split (--calibration-from TRAIN.csv)`);
    }
    pools.get(label)!.push(c);
  });
  const rng = Rng.derive(opts.seed ?? 0, 'calibration');
  const examples: CalibrationExample[] = [];
  const perCategory: CalibrationChoice['perCategory'] = [];
  const short: string[] = [];
  for (const label of labels) {
    const pool = pools.get(label)!;
    const order = rng.shuffle(pool.map((_, i) => i));
    const taken = order.slice(0, k).sort((a, b) => a - b);
    for (const i of taken) examples.push({ prompt: pool[i].prompt, response: pool[i].response, label, ...(pool[i].rationale ? { rationale: pool[i].rationale } : {}) });
    perCategory.push({ label, available: pool.length, taken: taken.length });
    if (k > 0 && pool.length < k) short.push(label);
  }
  rng.shuffle(examples);
  return { examples, perCategory, short };
}
