/**
 * Figures' data for exploring a learner corpus loaded as a DataFrame (notebook 01): text lengths grouped by
 * CEFR level. Lengths are Unicode code points, as in the prepare manifest and Python's len().
 */
import type * as dfd from 'danfojs-node';
import { CEFR_LEVELS } from '../corpus/cefr';
import { parseCefr } from '../corpus/cefr';

/** [level, lengths of its texts] for each level present, A1..C2; rows with unknown labels are left out. */
export function textLengthsByLevel(df: dfd.DataFrame): Array<[string, number[]]> {
  const levels = df['cefr_level'].values as unknown[];
  const texts = df['text'].values as unknown[];
  const groups = new Map<string, number[]>(CEFR_LEVELS.map((l) => [l, []]));
  levels.forEach((raw, i) => {
    const level = parseCefr(String(raw ?? ''));
    if (level) groups.get(level)!.push(Array.from(String(texts[i] ?? '').trim()).length);
  });
  return CEFR_LEVELS.filter((l) => groups.get(l)!.length > 0).map((l) => [l, groups.get(l)!]);
}
