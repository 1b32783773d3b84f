/**
 * The item bank (Settles, LaFlair & Hagiwara 2020, section 5.1): yes/no vocabulary items and C-tests, each with
 * its predicted difficulty δ on the 100-point scale and its bin (src/scale/cefr-scale.ts), written as JSONL.
 *
 * BANK.jsonl schema (one JSON object a line; types in src/items/types.ts):
 *   common:  id (string, "yesno-00001" / "ctest-00001"), format ("yesno" | "ctest"), difficulty (number, δ),
 *            bin (0..10, binOf(difficulty))
 *   yesno:   stimuli: [{ text, real (true = real word, the key), difficulty (δ of the stimulus) }], shuffled;
 *            at least 15 % real words and 15 % pseudowords; δ(item) = mean δ of its stimuli
 *   ctest:   passage (original text), segments ([{ text } | { gap: k }], in order; a gap segment stands for
 *            the whole damaged word, shown as gaps[k].shown followed by an input for gaps[k].answer),
 *            gaps: [{ word, shown, answer (the key) }]; δ(item) = passage-scale δ of the passage
 * Lines are sorted by id; yes/no first. The same inputs, options and seed give the same bytes.
 *
 * Yes/no items: real words (the CEFR-J/Octanove profile words and the frequency list's words that are in the
 * system word list) and pseudowords, all scored by the vocabulary scale and grouped by bin; an item draws its
 * stimuli from one bin. C-tests: windows of whole consecutive sentences (about `ctestWords` words) cut from
 * OneStopEnglish texts (each version of each article), damaged by src/items/ctest.ts and scored by the passage scale.
 */
import type { Item, YesNoItem, CTestItem, YesNoStimulus } from './types';
import { makeYesNoItem, MIN_SHARE } from './yesno';
import { buildCTest } from './ctest';
import { passageSentences } from '../ilm/units';
import { binOf, binRange, BIN_COUNT } from '../scale/cefr-scale';
import { Rng } from '../runtime/rng';
import * as path from 'node:path';
import { writeFileAtomic } from '../runtime/atomic';
import { projectRoot } from '../runtime/paths';

export interface BankOptions {
  seed?: number;
  /** Yes/no items per bin (default 30), when the bin has enough stimuli. */
  yesNoPerBin?: number;
  /** Stimuli per yes/no item (default 12). */
  stimuliPerItem?: number;
  /** Target words per C-test passage (default 80); passages are whole sentences. */
  ctestWords?: number;
  /** At most this many gaps per C-test (default 20). */
  maxGaps?: number;
  /** At most this many C-test passages per source text (default 2). */
  passagesPerText?: number;
}

export interface ScoredWord {
  text: string;
  difficulty: number;
}

/** Yes/no items from scored real words and pseudowords. */
export function buildYesNoItems(words: ScoredWord[], pseudowords: ScoredWord[], options: BankOptions = {}): { items: YesNoItem[]; perBin: Array<{ bin: number; words: number; pseudowords: number; items: number }> } {
  const rng = Rng.derive(options.seed ?? 0, 'yesno');
  const perItem = options.stimuliPerItem ?? 12;
  const perBinItems = options.yesNoPerBin ?? 30;
  const minEach = Math.ceil(MIN_SHARE * perItem);
  const wb: ScoredWord[][] = Array.from({ length: BIN_COUNT }, () => []);
  const pb: ScoredWord[][] = Array.from({ length: BIN_COUNT }, () => []);
  for (const w of words) wb[binOf(w.difficulty)].push(w);
  for (const w of pseudowords) pb[binOf(w.difficulty)].push(w);
  const items: YesNoItem[] = [];
  const perBin: Array<{ bin: number; words: number; pseudowords: number; items: number }> = [];
  for (let b = 0; b < BIN_COUNT; b++) {
    const ws = rng.shuffle([...wb[b]]);
    const ps = rng.shuffle([...pb[b]]);
    let made = 0;
    if (ws.length >= minEach && ps.length >= minEach && ws.length + ps.length >= perItem) {
      let wi = 0;
      let pi = 0;
      for (let k = 0; k < perBinItems; k++) {
        // number of real words: uniform in [minEach, perItem - minEach], limited by what the bin has
        let nReal = minEach + rng.int(perItem - 2 * minEach + 1);
        nReal = Math.min(nReal, ws.length, perItem - minEach);
        if (perItem - nReal > ps.length) nReal = perItem - ps.length;
        const stimuli: YesNoStimulus[] = [];
        for (let q = 0; q < nReal; q++) stimuli.push({ text: ws[wi++ % ws.length].text, real: true, difficulty: ws[(wi - 1) % ws.length].difficulty });
        for (let q = 0; q < perItem - nReal; q++) stimuli.push({ text: ps[pi++ % ps.length].text, real: false, difficulty: ps[(pi - 1) % ps.length].difficulty });
        // no stimulus twice in one item
        if (new Set(stimuli.map((s) => s.text)).size < stimuli.length) continue;
        rng.shuffle(stimuli);
        items.push(makeYesNoItem('', stimuli.map((s) => ({ ...s, difficulty: round(s.difficulty) }))));
        made++;
      }
    }
    perBin.push({ bin: b, words: ws.length, pseudowords: ps.length, items: made });
  }
  items.forEach((it, i) => (it.id = `yesno-${String(i + 1).padStart(5, '0')}`));
  return { items, perBin };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Consecutive whole-sentence windows of about `words` words from a text (at least 3 sentences each). */
export function passageWindows(text: string, words = 80, maxWindows = 2): string[] {
  const flat = text.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
  const sents = passageSentences(flat).map(([s, e]) => flat.slice(s, e));
  const out: string[] = [];
  let cur: string[] = [];
  let n = 0;
  for (const s of sents) {
    cur.push(s);
    n += s.split(/\s+/).length;
    if (n >= words && cur.length >= 3) {
      out.push(cur.join(' '));
      cur = [];
      n = 0;
      if (out.length >= maxWindows) break;
    }
  }
  return out;
}

/** C-test items from source texts, scored by `difficulty`. */
export function buildCTestItems(texts: string[], difficulty: (passage: string) => number, options: BankOptions = {}): CTestItem[] {
  const items: CTestItem[] = [];
  for (const t of texts) {
    for (const p of passageWindows(t, options.ctestWords ?? 80, options.passagesPerText ?? 2)) {
      try {
        const it = buildCTest(p, { id: '', maxGaps: options.maxGaps ?? 20, difficulty: (x) => round(difficulty(x)) });
        if (it.gaps.length >= 5) items.push(it);
      } catch {
        /* too short after all: skip */
      }
    }
  }
  items.forEach((it, i) => (it.id = `ctest-${String(i + 1).padStart(5, '0')}`));
  return items;
}

/** Where the bank has no items: an adaptive test that asks for such a bin has to take an item from elsewhere. */
export interface BankHoles {
  /** Bins (0..10) without a yes/no item. */
  yesnoEmptyBins: number[];
  /** Bins without a C-test. */
  ctestEmptyBins: number[];
  /** Bins without any item. */
  emptyBins: number[];
  /** Items per bin and format. */
  perBin: Array<{ bin: number; yesno: number; ctest: number }>;
}

export function bankHoles(items: readonly Item[]): BankHoles {
  const perBin = Array.from({ length: BIN_COUNT }, (_, bin) => ({ bin, yesno: 0, ctest: 0 }));
  for (const it of items) perBin[it.bin][it.format]++;
  return {
    yesnoEmptyBins: perBin.filter((b) => b.yesno === 0).map((b) => b.bin),
    ctestEmptyBins: perBin.filter((b) => b.ctest === 0).map((b) => b.bin),
    emptyBins: perBin.filter((b) => b.yesno + b.ctest === 0).map((b) => b.bin),
    perBin,
  };
}

/** Console lines for the holes (bins as ranges of the 100-point scale). */
export function bankHoleLines(h: BankHoles): string[] {
  const list = (bins: number[]) => (bins.length ? bins.map((b) => `${b} (${binRange(b).join('-')})`).join(', ') : 'none');
  return [
    `bins without yes/no items: ${list(h.yesnoEmptyBins)}`,
    `bins without C-tests: ${list(h.ctestEmptyBins)}`,
    ...(h.emptyBins.length ? [`bins without any item: ${list(h.emptyBins)} (an adaptive test aiming there takes the nearest bin's items)`] : []),
  ];
}

/** The bank as JSONL text: one item a line, yes/no first, by id. */
export function bankToJsonl(items: Item[]): string {
  return items.map((it) => JSON.stringify(it)).join('\n') + '\n';
}

/** Where notebook 07 leaves its bank for notebook 08 (the adaptive test) to read. */
export const NOTEBOOK_BANK_FILE = path.join(projectRoot, 'experiments', 'items', 'BANK.jsonl');

/** Write the bank as BANK.jsonl, atomically; returns the path. */
export function writeBank(items: Item[], file: string = NOTEBOOK_BANK_FILE): string {
  writeFileAtomic(file, bankToJsonl(items));
  return file;
}

/** Parse BANK.jsonl (throws with the line number on a bad line). */
export function parseBank(text: string): Item[] {
  return text
    .split('\n')
    .map((l, i) => [l.trim(), i + 1] as const)
    .filter(([l]) => l)
    .map(([l, line]) => {
      const it = JSON.parse(l) as Item;
      if (it.format !== 'yesno' && it.format !== 'ctest') throw new Error(`bank line ${line}: format must be yesno or ctest`);
      return it;
    });
}
