/**
 * C-test items (Klein-Braley 1997; Settles, LaFlair & Hagiwara 2020, section 2.4 and appendix A.2).
 *
 * Construction ("rule of two"): the first and the last sentence stay whole; in between, starting with the second
 * eligible word after the first sentence, every other eligible word is damaged by deleting its second half. Here:
 * - a word is a run of letters, digits, apostrophes and inner hyphens (`[A-Za-z0-9]+(['’-][A-Za-z0-9]+)*`);
 *   punctuation around it is never part of a gap and stays in the text;
 * - odd lengths: the larger half is deleted (a word of L characters keeps floor(L/2), so "house" shows "ho" and
 *   the answer is "use"); two-letter words keep one letter;
 * - not eligible, so neither damaged nor counted in the every-other rhythm (Klein-Braley's practice):
 *   one-letter words ("a", "I"), anything with a digit (numbers, "3rd", "COVID-19"), and capitalised words
 *   that do not begin a sentence (probable proper names, whose spelling the passage cannot give away);
 * - `maxGaps` (default unlimited) stops damaging after that many gaps; the rest of the middle stays whole.
 * Sentences come from the project's sentence splitter (src/ilm/units.ts, sbd); a passage needs at least three.
 *
 * Grading: the soft response is the length-weighted share of gaps filled exactly: sum over gaps of
 * |answer| * [typed === answer] / sum of |answer|, after trimming white space around what was typed (case
 * matters: the key is the original spelling). Per-gap results come with it.
 */
import type { CTestGap, CTestItem, CTestSegment } from './types';
import { binOf } from '../scale/cefr-scale';
import { passageSentences } from '../ilm/units';

export interface CTestOptions {
  /** Item id (default "ctest"). */
  id?: string;
  /** δ of the item on the 100-point scale: a number, or a function of the passage (e.g. the passage scale). Default 50. */
  difficulty?: number | ((passage: string) => number);
  /** At most this many gaps (default unlimited). */
  maxGaps?: number;
}

const WORD = /[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*/g;

/** Whether a word may be damaged (see the module comment). `sentenceInitial`: it is the first word of its sentence. */
export function eligibleWord(word: string, sentenceInitial: boolean): boolean {
  if (word.length < 2) return false;
  if (/[0-9]/.test(word)) return false;
  if (!sentenceInitial && /^[A-Z]/.test(word)) return false;
  return true;
}

/** The shown and deleted halves of a damaged word: keep floor(L/2) characters. */
export function damage(word: string): { shown: string; answer: string } {
  const keep = Math.floor(word.length / 2);
  return { shown: word.slice(0, keep), answer: word.slice(keep) };
}

/** Build a C-test item from a passage (at least three sentences). Throws RangeError when the passage is too short. */
export function buildCTest(passage: string, options: CTestOptions = {}): CTestItem {
  const id = options.id ?? 'ctest';
  const maxGaps = options.maxGaps ?? Infinity;
  const sentences = passageSentences(passage);
  if (sentences.length < 3) throw new RangeError(`C-test ${id}: the passage needs at least 3 sentences (the first and last stay whole), it has ${sentences.length}`);
  const middleStart = sentences[0][1];
  const middleEnd = sentences[sentences.length - 1][0];
  const segments: CTestSegment[] = [];
  const gaps: CTestGap[] = [];
  let cursor = 0;
  let eligibleCount = 0;
  // The first word of each sentence: the first word match at or after the sentence start.
  const firstWordAt = new Set<number>();
  for (const [s, e] of sentences) {
    const m = new RegExp(WORD.source, 'g');
    m.lastIndex = s;
    const hit = m.exec(passage);
    if (hit && hit.index < e) firstWordAt.add(hit.index);
  }
  const re = new RegExp(WORD.source, 'g');
  re.lastIndex = middleStart;
  for (let m = re.exec(passage); m && m.index < middleEnd; m = re.exec(passage)) {
    const word = m[0];
    if (!eligibleWord(word, firstWordAt.has(m.index))) continue;
    eligibleCount++;
    if (eligibleCount % 2 === 1 || gaps.length >= maxGaps) continue; // the 2nd, 4th, 6th ... eligible word
    const { shown, answer } = damage(word);
    if (m.index > cursor) segments.push({ text: passage.slice(cursor, m.index) });
    segments.push({ gap: gaps.length });
    gaps.push({ word, shown, answer });
    cursor = m.index + word.length;
  }
  if (cursor < passage.length) segments.push({ text: passage.slice(cursor) });
  if (gaps.length === 0) throw new RangeError(`C-test ${id}: the passage has no word to damage between its first and last sentence`);
  const d = typeof options.difficulty === 'function' ? options.difficulty(passage) : (options.difficulty ?? 50);
  return { id, format: 'ctest', difficulty: d, bin: binOf(d), passage, segments, gaps };
}

/** The passage as a test-taker sees it, gaps as the shown half plus underscores, one per missing character. */
export function renderCTestText(item: CTestItem): string {
  return item.segments.map((s) => ('text' in s ? s.text : item.gaps[s.gap].shown + '_'.repeat(item.gaps[s.gap].answer.length))).join('');
}

/** Grade typed answers (one per gap, in order; missing ones count as wrong). */
export function gradeCTest(item: CTestItem, answers: string[]): { score: number; gaps: boolean[] } {
  if (answers.length > item.gaps.length) throw new RangeError(`gradeCTest: item ${item.id} has ${item.gaps.length} gaps, got ${answers.length} answers`);
  let total = 0;
  let right = 0;
  const gaps = item.gaps.map((g, i) => {
    const ok = answers[i] != null && answers[i].trim() === g.answer;
    total += g.answer.length;
    if (ok) right += g.answer.length;
    return ok;
  });
  return { score: total > 0 ? right / total : 0, gaps };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The item as HTML: gaps as the shown half plus a box for the rest; with `answers`, each box holds what was typed,
 * green when right, red with the key when wrong.
 */
export function renderCTestHtml(item: CTestItem, answers?: string[]): string {
  const graded = answers ? gradeCTest(item, answers) : null;
  const body = item.segments
    .map((s) => {
      if ('text' in s) return esc(s.text).replace(/\n/g, '<br>');
      const g = item.gaps[s.gap];
      const width = `${Math.max(2, g.answer.length) * 0.62 + 0.4}em`;
      if (!graded) return `${esc(g.shown)}<span style="display:inline-block;min-width:${width};border-bottom:1px solid #333;color:#888;font-size:0.8em;text-align:center">${s.gap + 1}</span>`;
      const ok = graded.gaps[s.gap];
      const typed = (answers?.[s.gap] ?? '').trim();
      return `${esc(g.shown)}<span style="border-bottom:1px solid #333;background:${ok ? '#d7f5d7' : '#f8d7d7'}">${esc(typed || '\u00a0\u00a0')}</span>${ok ? '' : `<sup style="color:#a00">${esc(g.answer)}</sup>`}`;
    })
    .join('');
  const head = `<div style="font-size:0.85em;color:#555">${esc(item.id)}: ${item.gaps.length} gaps, difficulty ${item.difficulty.toFixed(1)} (bin ${item.bin})${graded ? `, score ${graded.score.toFixed(3)}` : ''}</div>`;
  return `<div style="font-family:Georgia,serif;line-height:1.9;max-width:48em">${head}<p>${body}</p></div>`;
}
