/**
 * Statistics read back from an example store, for the notebook's figures: per-document character mask
 * rates joined with the CEFR levels of `<split>.labels.tsv` (written by `prepare`, one line per document in
 * split order, so a stored document's split index is its line), examples per document, spans per type.
 */
import * as fs from 'node:fs';
import { UserError, locate } from '../runtime/errors';
import { ExampleStore } from './store';
import { MASK_TYPES } from '../tokenize/gpt2-bpe';

export interface DocumentMaskStats {
  index: number;
  level: string | null;
  examples: number;
  /** masked characters / (text length x examples); null for a document with no examples. */
  charMaskRate: number | null;
}

/** CEFR level per document line of a labels.tsv (header with a cefr_level column). */
export function readLevels(labelsFile: string): string[] {
  if (!fs.existsSync(labelsFile)) throw new UserError(locate(labelsFile, null, 'labels file not found', 'pass the <split>.labels.tsv written by `cefrlab prepare` next to the split file'));
  const lines = fs.readFileSync(labelsFile, 'utf8').split('\n').filter((l) => l.length > 0);
  const col = lines[0].split('\t').indexOf('cefr_level');
  if (col < 0) throw new UserError(locate(labelsFile, 1, 'no cefr_level column in the header', 'use the labels.tsv written by `cefrlab prepare`'));
  return lines.slice(1).map((l) => l.split('\t')[col]);
}

/** One row per stored document. */
export function documentMaskStats(storePath: string, labelsFile?: string): DocumentMaskStats[] {
  const levels = labelsFile ? readLevels(labelsFile) : null;
  const store = ExampleStore.open(storePath);
  try {
    const rows: DocumentMaskStats[] = [];
    for (const doc of store.documents()) {
      let masked = 0;
      for (const ex of doc.examples) for (const s of ex.spans) masked += s.end - s.start;
      const denom = doc.textLength * doc.examples.length;
      rows.push({ index: doc.index, level: levels ? (levels[doc.index] ?? null) : null, examples: doc.examples.length, charMaskRate: denom ? masked / denom : null });
    }
    return rows;
  } finally {
    store.close();
  }
}

/** Character mask rate per CEFR level (pooled: masked chars over example chars), and per-document values. */
export function maskRateByLevel(rows: DocumentMaskStats[]): Array<{ level: string; documents: number; perDocument: number[] }> {
  const by = new Map<string, number[]>();
  for (const r of rows) {
    if (r.level == null || r.charMaskRate == null) continue;
    if (!by.has(r.level)) by.set(r.level, []);
    by.get(r.level)!.push(r.charMaskRate);
  }
  return [...by.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([level, perDocument]) => ({ level, documents: perDocument.length, perDocument }));
}

/** Spans per mask type over a whole store. */
export function spansByType(storePath: string): Array<[string, number]> {
  const counts = [0, 0, 0, 0, 0];
  const store = ExampleStore.open(storePath);
  try {
    for (const doc of store.documents()) for (const ex of doc.examples) for (const s of ex.spans) counts[s.type]++;
  } finally {
    store.close();
  }
  return MASK_TYPES.map((t, i) => [t, counts[i]]);
}
