/**
 * A learner CSV as a danfojs DataFrame, for exploring in notebooks, and the counts the guide plots.
 * (Preparing splits streams the file instead: see prepare.ts.)
 */
import * as fs from 'node:fs';
import * as dfd from 'danfojs-node';
import { defaultCsv } from '../runtime/paths';
import { locate, UserError } from '../runtime/errors';

export const CEFR_ORDER = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'] as const;

/** Read a learner CSV (writing_id,l1,cefr_level,text) into a DataFrame. */
export async function loadLearnerFrame(csv: string = defaultCsv): Promise<dfd.DataFrame> {
  if (!fs.existsSync(csv)) throw new UserError(locate(csv, null, 'no such file', 'check the path, or call loadLearnerFrame() without one for the embedded corpus'));
  const df = (await dfd.readCSV(csv)) as dfd.DataFrame;
  for (const col of ['writing_id', 'l1', 'cefr_level', 'text']) {
    if (!df.columns.includes(col)) throw new UserError(locate(csv, 1, `missing column "${col}" in the header`, 'the first line must name the columns writing_id,l1,cefr_level,text (others may follow)'));
  }
  return df;
}

/** Counts of each value of a column, largest first (or in `order` when given, zeros included). */
export function valueCounts(df: dfd.DataFrame, column: string, order?: readonly string[]): Array<[string, number]> {
  const counts = df[column].valueCounts() as dfd.Series;
  const map = new Map<string, number>();
  (counts.index as Array<string | number>).forEach((k, i) => map.set(String(k), Number(counts.values[i])));
  if (order) return order.map((k) => [k, map.get(k) ?? 0]);
  return [...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The `top` most frequent values and one "other" bucket for the rest. */
export function topWithOther(counts: Array<[string, number]>, top: number): Array<[string, number]> {
  if (counts.length <= top) return counts;
  const rest = counts.slice(top).reduce((s, [, n]) => s + n, 0);
  return [...counts.slice(0, top), [`other (${counts.length - top})`, rest]];
}
