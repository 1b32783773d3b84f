/**
 * The ordered classes of a label column: CEFR levels (A1 < ... < C2, with "0" for unscorable below A1) or
 * numbers (ELLIPSE's 1-5 in half points), in their natural order. Only the values that occur in the training
 * table become classes; labels are written back in canonical form ("b1" -> "B1", "3.0" -> "3").
 */
import { parseCefr, CEFR_LEVELS } from '../corpus/cefr';

export interface LabelSet {
  kind: 'cefr' | 'numeric';
  classes: string[];
}

/** Canonical form of one label cell, or null if it is empty or neither CEFR nor numeric. */
export function canonicalLabel(raw: string, kind?: 'cefr' | 'numeric'): string | null {
  const c = raw.trim();
  if (c === '') return null;
  if (kind !== 'numeric') {
    if (c === '0') return '0';
    const l = parseCefr(c);
    if (l) return l;
    if (kind === 'cefr') return null;
  }
  const v = Number(c);
  return Number.isFinite(v) ? String(v) : null;
}

function rank(label: string, kind: 'cefr' | 'numeric'): number {
  if (kind === 'numeric') return Number(label);
  return label === '0' ? 0 : CEFR_LEVELS.indexOf(label as (typeof CEFR_LEVELS)[number]) + 1;
}

/** The label set of a column: CEFR if any value is a CEFR level, else numeric. Bad cells are reported by row. */
export function labelSet(values: readonly string[]): LabelSet {
  const kind: 'cefr' | 'numeric' = values.some((v) => parseCefr(v) != null) ? 'cefr' : 'numeric';
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (v.trim() === '') return;
    const c = canonicalLabel(v, kind);
    if (c == null) throw Object.assign(new RangeError(`label "${v}" is not ${kind === 'cefr' ? 'a CEFR level (A1..C2) or 0' : 'a number'}`), { row: i });
    seen.add(c);
  });
  return { kind, classes: [...seen].sort((a, b) => rank(a, kind) - rank(b, kind)) };
}

/** Class index of a cell, or null when empty or not one of the classes. */
export function classIndex(set: LabelSet, raw: string): number | null {
  const c = canonicalLabel(raw, set.kind);
  if (c == null) return null;
  const i = set.classes.indexOf(c);
  return i < 0 ? null : i;
}
