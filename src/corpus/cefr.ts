/**
 * CEFR labels (Council of Europe, "Common European Framework of Reference for Languages", 2001/2020):
 * the six global levels A1 < A2 < B1 < B2 < C1 < C2. Learner corpora spell them loosely ("a2", " B1 ",
 * "b-2"), so parsing accepts the usual variants and rejects everything else rather than guessing: a "B1+"
 * or "A3" is a data problem the user should see, not a silent relabelling.
 */
import { UserError } from '../runtime/errors';

export const CEFR_LEVELS = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'] as const;
export type CefrLevel = (typeof CEFR_LEVELS)[number];

/** Letter + digit, any case, optional "CEFR" prefix and one separator (space, '-', '_', '.') between them. */
const LABEL = /^(?:cefr[\s_-]*)?([abc])[\s._-]?([12])$/i;

/**
 * The canonical level for a label, or null when the label is not a CEFR level.
 * Accepts `A1`..`C2` in any case, with surrounding white space, e.g. `a2`, ` B1 `, `b-2`, `CEFR C1`.
 */
export function parseCefr(raw: string): CefrLevel | null {
  const m = LABEL.exec(raw.trim());
  if (!m) return null;
  return `${m[1].toUpperCase()}${m[2]}` as CefrLevel;
}

/** Index 0..5 of a canonical level (A1 = 0). */
export function cefrIndex(level: CefrLevel): number {
  return CEFR_LEVELS.indexOf(level);
}

/** Parse a level the user typed on the command line or in a notebook; a UserError names the choices. */
export function requireCefr(raw: string): CefrLevel {
  const level = parseCefr(raw);
  if (!level) throw new UserError(`"${raw}" is not a CEFR level. Fix: use one of ${CEFR_LEVELS.join(', ')} (any case, e.g. b1)`);
  return level;
}
