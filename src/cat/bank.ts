/**
 * The item bank of the adaptive test: read and check a BANK.jsonl (one Item a line, src/items/types.ts),
 * index it by format and difficulty bin, and make the public view of an item that a page may see (no keys,
 * no difficulties).
 */
import * as fs from 'node:fs';
import type { Item, ItemFormat } from '../items/types';
import { BIN_COUNT, binOf } from '../scale/cefr-scale';
import { UserError, locate } from '../runtime/errors';
import { scaleToLogit } from '../irt/scale';

export interface Bank {
  items: Item[];
  /** Formats present, in a fixed order (sorted). */
  formats: ItemFormat[];
  /** Index of each item in `items`, by id. */
  index: Map<string, number>;
  /** δ in logits, parallel to `items`. */
  logits: Float64Array;
  /** Item indices by format and bin (0..10). */
  byFormatBin: Map<ItemFormat, number[][]>;
  /** Item indices by format, sorted by difficulty (then position in the file). */
  byFormatSorted: Map<ItemFormat, number[]>;
}

const FORMATS: readonly ItemFormat[] = ['yesno', 'ctest'];

/** Check one parsed item; the message says what is wrong and how to fix it. */
function checkItem(x: unknown, where: (problem: string, fix: string) => string): Item {
  if (x == null || typeof x !== 'object' || Array.isArray(x)) throw new UserError(where('not a JSON object', 'one item object per line'));
  const it = x as Record<string, unknown>;
  if (typeof it.id !== 'string' || it.id === '') throw new UserError(where('the item has no string "id"', 'give every item a unique id'));
  if (!FORMATS.includes(it.format as ItemFormat)) throw new UserError(where(`item ${it.id} has format ${JSON.stringify(it.format)}`, `use one of ${FORMATS.join(', ')}`));
  if (typeof it.difficulty !== 'number' || !Number.isFinite(it.difficulty)) throw new UserError(where(`item ${it.id} has no finite "difficulty"`, 'give δ on the 100-point scale'));
  if (it.bin === undefined) throw new UserError(where(`item ${it.id} has no "bin"`, `add bin = binOf(difficulty) (0..10), e.g. ${binOf(it.difficulty)} for difficulty ${it.difficulty}, or rebuild the bank with \`cefrlab items bank\``));
  if (!Number.isInteger(it.bin) || (it.bin as number) < 0 || (it.bin as number) >= BIN_COUNT) throw new UserError(where(`item ${it.id} has bin ${JSON.stringify(it.bin)}`, 'bins are whole numbers 0..10'));
  if (it.bin !== binOf(it.difficulty)) throw new UserError(where(`item ${it.id} has bin ${it.bin} but difficulty ${it.difficulty} belongs to bin ${binOf(it.difficulty)}`, 'set bin = binOf(difficulty)'));
  if (it.format === 'yesno') {
    const st = it.stimuli;
    if (!Array.isArray(st) || st.length < 2 || !st.every((s) => s && typeof s.text === 'string' && typeof s.real === 'boolean')) {
      throw new UserError(where(`yes/no item ${it.id} needs "stimuli": [{text, real, difficulty}, ...]`, 'rebuild the bank with `cefrlab items bank`'));
    }
    if (!st.some((s) => s.real) || !st.some((s) => !s.real)) throw new UserError(where(`yes/no item ${it.id} needs both words and pseudowords`, 'mix real words and pseudowords'));
  } else {
    const gaps = it.gaps;
    const segs = it.segments;
    if (!Array.isArray(gaps) || gaps.length === 0 || !gaps.every((g) => g && typeof g.shown === 'string' && typeof g.answer === 'string' && g.answer.length > 0)) {
      throw new UserError(where(`C-test ${it.id} needs "gaps": [{word, shown, answer}, ...]`, 'rebuild the bank with `cefrlab items bank`'));
    }
    if (!Array.isArray(segs) || !segs.every((s) => s && (typeof s.text === 'string' || (Number.isInteger(s.gap) && s.gap >= 0 && s.gap < gaps.length)))) {
      throw new UserError(where(`C-test ${it.id} has malformed "segments"`, 'segments are {text} or {gap: index into gaps}'));
    }
  }
  return it as unknown as Item;
}

/** Index a list of items (already parsed). `source` names them in errors. */
export function makeBank(items: Item[], source = 'bank'): Bank {
  if (items.length === 0) throw new UserError(locate(source, null, 'the bank has no items', 'build one with `cefrlab items bank --out BANK.jsonl`'));
  const index = new Map<string, number>();
  items.forEach((x, n) => {
    const it = checkItem(x, (problem, fix) => locate(source, n + 1, problem, fix));
    if (index.has(it.id)) throw new UserError(locate(source, n + 1, `item id ${it.id} appears twice (first on line ${index.get(it.id)! + 1})`, 'ids must be unique'));
    index.set(it.id, n);
  });
  const formats = FORMATS.filter((f) => items.some((it) => it.format === f));
  const byFormatBin = new Map<ItemFormat, number[][]>();
  const byFormatSorted = new Map<ItemFormat, number[]>();
  for (const f of formats) {
    const bins: number[][] = Array.from({ length: BIN_COUNT }, () => []);
    const all: number[] = [];
    items.forEach((it, n) => {
      if (it.format !== f) return;
      bins[it.bin].push(n);
      all.push(n);
    });
    all.sort((a, b) => items[a].difficulty - items[b].difficulty || a - b);
    byFormatBin.set(f, bins);
    byFormatSorted.set(f, all);
  }
  const logits = Float64Array.from(items, (it) => scaleToLogit(it.difficulty));
  return { items, formats, index, logits, byFormatBin, byFormatSorted };
}

/** Read BANK.jsonl. Every problem is a UserError naming the file and the line. */
export function loadBank(file: string): Bank {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(locate(file, null, `cannot read the bank (${(e as Error).message})`, 'build one with `cefrlab items bank --out BANK.jsonl` and pass its path'));
  }
  const items: Item[] = [];
  const lines = text.split('\n');
  const lineOf: number[] = [];
  lines.forEach((line, n) => {
    if (line.trim() === '') return;
    let x: unknown;
    try {
      x = JSON.parse(line);
    } catch (e) {
      throw new UserError(locate(file, n + 1, `not valid JSON (${(e as Error).message})`, 'one JSON object per line'));
    }
    items.push(x as Item);
    lineOf.push(n + 1);
  });
  try {
    return makeBank(items, file);
  } catch (e) {
    // makeBank counts items; translate its item number to the file's line number.
    if (e instanceof UserError) {
      const m = e.message.match(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):`));
      if (m) throw new UserError(e.message.replace(`${file}:${m[1]}:`, `${file}:${lineOf[Number(m[1]) - 1]}:`));
    }
    throw e;
  }
}

/** What the page may see of an item: no keys, no difficulty, no bin. */
export type PublicItem =
  | { id: string; format: 'yesno'; stimuli: string[] }
  | { id: string; format: 'ctest'; segments: Array<{ text: string } | { gap: number; shown: string; missing: number }> };

export function publicItem(item: Item): PublicItem {
  if (item.format === 'yesno') return { id: item.id, format: 'yesno', stimuli: item.stimuli.map((s) => s.text) };
  return {
    id: item.id,
    format: 'ctest',
    segments: item.segments.map((s) => ('text' in s ? { text: s.text } : { gap: s.gap, shown: item.gaps[s.gap].shown, missing: item.gaps[s.gap].answer.length })),
  };
}

/** Summary: items per format and bin. */
export function bankSummary(bank: Bank): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [f, bins] of bank.byFormatBin) out[f] = bins.map((b) => b.length);
  return out;
}
