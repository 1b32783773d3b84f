/**
 * Reading the rating out of a reply. The model is asked for a label in square brackets (`[B2]`, or
 * `Rating: [B2]` after a rationale). A reply is parsed when the bracketed labels it contains name exactly one
 * category of the rubric (repeating the same one is fine). A reply with no such label, or with two different
 * ones, is "unparsed": it is kept with its raw text, counted and reported, never dropped or guessed.
 * Matching ignores case, spaces, hyphens and underscores inside the brackets ("[ b2 ]", "[No Response]").
 */
import type { Rubric } from './rubric';
import { labelScore, normaliseLabel, rubricLabels } from './rubric';

export type ParseStatus = 'ok' | 'none' | 'conflict';

export interface ParsedRating {
  status: ParseStatus;
  /** The rubric's spelling of the label, when parsed. */
  label: string | null;
  /** 1..L for levels, 0 for unscorable, null when unparsed. */
  score: number | null;
  /** Every distinct rubric label found, in order of appearance. */
  found: string[];
}

export function parseRating(reply: string, rubric: Rubric): ParsedRating {
  const byKey = new Map(rubricLabels(rubric).map((l) => [normaliseLabel(l), l]));
  const found: string[] = [];
  for (const m of reply.matchAll(/\[([^\[\]\n]{1,40})\]/g)) {
    const label = byKey.get(normaliseLabel(m[1]));
    if (label && !found.includes(label)) found.push(label);
  }
  if (found.length === 1) return { status: 'ok', label: found[0], score: labelScore(rubric, found[0]), found };
  return { status: found.length === 0 ? 'none' : 'conflict', label: null, score: null, found };
}

/** The value written to RATINGS.csv's `rating` column: the level label, "0" for unscorable, "" when unparsed. */
export function ratingCell(parsed: ParsedRating): string {
  if (parsed.status !== 'ok' || parsed.label == null) return '';
  return parsed.score === 0 ? '0' : parsed.label;
}
