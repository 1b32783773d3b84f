/**
 * Closed-class choices on held-out English: does an ILM put back the word the writer used? In the held-out
 * pieces of the pretraining corpus (held-out-pieces.ts), every lowercase occurrence of a word from one of the
 * sets below, followed by a word, is blanked and the original ranked against the other words of its set with
 * `rank`, under both scorings (`blank`, `with-next-word`). A case is right when the original scores highest.
 *
 * These are minimal pairs that nobody wrote: the original is what the writer chose, the swaps are sometimes
 * grammatical too (*in* / *on* / *at* often are), so a perfect model stays below 100 % and the numbers compare
 * models and scorings, not grammar. A set's balanced accuracy is the mean of its per-word shares (50 % for two
 * words, 33 % for three, for a model that guesses or always says the same word); "all words" is the mean over the
 * 11 words (45.5 % by chance). Up to N cases per word, in text order.
 *
 *   node --import tsx bench/ilm-context/word-choices.ts MODEL_DIR [MODEL_DIR ...] [--cases 60] [--max-chars 700]
 */
import { parseArgs } from 'node:util';
import { describeBackend, initBackend } from '../../src/runtime/backend';
import { loadModel } from '../../src/model/checkpoint';
import { rank } from '../../src/infill/rank';
import { RANK_SCORINGS, type RankScoring } from '../../src/infill/rank-scoring';
import { heldOutPieces } from './held-out-pieces';

/** The choice sets: what the blank's grammar decides (agreement, tense, the next word's sound, the relation). */
const SETS: Record<string, string[]> = {
  article: ['a', 'an'],
  preposition: ['in', 'on', 'at'],
  'be, present': ['is', 'are'],
  'be, past': ['was', 'were'],
  have: ['has', 'have'],
};

interface Case {
  set: string;
  word: string;
  piece: string;
  /** Character offset of the space before the word. */
  at: number;
}

function findCases(pieces: string[], perWord: number): Case[] {
  const setOf = new Map(Object.entries(SETS).flatMap(([set, words]) => words.map((w) => [w, set] as const)));
  const pattern = new RegExp(` (${[...setOf.keys()].join('|')}) (?=[A-Za-z])`, 'g');
  const count = new Map<string, number>();
  const out: Case[] = [];
  for (const piece of pieces) {
    for (const m of piece.matchAll(pattern)) {
      const word = m[1];
      if ((count.get(word) ?? 0) >= perWord) continue;
      count.set(word, (count.get(word) ?? 0) + 1);
      out.push({ set: setOf.get(word)!, word, piece, at: m.index! });
    }
    if (count.size === setOf.size && [...count.values()].every((n) => n >= perWord)) break;
  }
  return out;
}

async function score(modelDir: string, cases: Case[]): Promise<Map<string, Map<RankScoring, { n: number; right: number }>>> {
  const model = loadModel(modelDir);
  // word -> scoring -> counts
  const byWord = new Map<string, Map<RankScoring, { n: number; right: number }>>();
  for (const c of cases) {
    const text = `${c.piece.slice(0, c.at)} [MASK]${c.piece.slice(c.at + 1 + c.word.length)}`;
    const candidates = SETS[c.set];
    const counts = byWord.get(c.word) ?? new Map(RANK_SCORINGS.map((s) => [s, { n: 0, right: 0 }]));
    byWord.set(c.word, counts);
    for (const scoring of RANK_SCORINGS) {
      const [best] = await rank(model, text, candidates, { scoring }); // most probable first
      const k = counts.get(scoring)!;
      k.n++;
      if (best.candidate === c.word) k.right++;
    }
  }
  model.dispose();
  return byWord;
}

async function main(): Promise<void> {
  const { values, positionals: models } = parseArgs({ allowPositionals: true, options: { cases: { type: 'string', default: '60' }, 'max-chars': { type: 'string', default: '700' } } });
  if (!models.length) throw new Error('usage: word-choices.ts MODEL_DIR [MODEL_DIR ...] [--cases 60] [--max-chars 700]');
  const perWord = Number(values.cases);
  const pieces = await heldOutPieces(Number(values['max-chars']));
  console.log(`backend: ${describeBackend(await initBackend())}`);
  const cases = findCases(pieces, perWord);
  console.log(`${cases.length} held-out cases from ${pieces.length} pieces, up to ${perWord} per word`);
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  for (const dir of models) {
    const byWord = await score(dir, cases);
    console.log(`\n${dir}`);
    console.log(`${'set'.padEnd(14)} ${'words (cases)'.padEnd(34)} ${RANK_SCORINGS.map((s) => `balanced, ${s}`.padEnd(28)).join('')}`);
    const overall = new Map(RANK_SCORINGS.map((s) => [s, [] as number[]]));
    for (const [set, words] of Object.entries(SETS)) {
      const cells = RANK_SCORINGS.map((s) => {
        const shares = words.map((w) => byWord.get(w)!.get(s)!).map((k) => k.right / k.n);
        overall.get(s)!.push(...shares);
        const detail = words.map((w) => `${w} ${byWord.get(w)!.get(s)!.right}`).join(' ');
        return `${pct(shares.reduce((a, b) => a + b, 0) / shares.length)} (${detail})`.padEnd(28);
      });
      console.log(`${set.padEnd(14)} ${words.map((w) => `${w} (${byWord.get(w)!.get('blank')!.n})`).join(' ').padEnd(34)} ${cells.join('')}`);
    }
    console.log(`${'all words'.padEnd(14)} ${''.padEnd(34)} ${RANK_SCORINGS.map((s) => { const v = overall.get(s)!; return pct(v.reduce((a, b) => a + b, 0) / v.length).padEnd(28); }).join('')}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
