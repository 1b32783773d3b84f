/**
 * a or an? On held-out English the base model never saw: does an ILM choose the article from the word after the
 * blank? Three readings of the same model:
 *
 * 1. left to right: log P(w | "... an") − log P(w | "... a") for the word w that follows the article in the text
 *    (positive for vowel sounds when the model knows which words follow "an");
 * 2. rank, scoring `blank`: the article blanked, "an" against "a" as one-word fills;
 * 3. rank, scoring `with-next-word`: the article and the next word blanked as an n-gram, "an w" against "a w".
 *
 * The cases: every lowercase " a w" / " an w" (w a word) in the held-out pieces of the pretraining corpus
 * (`pretrain`'s valid split, rebuilt in a temporary folder with the defaults: the same pieces as the base's
 * held-out part), up to N of each, in text order. Prints the share right per article, the balanced accuracy
 * (mean of the two; 50 % for a model that always says "a"), and the minimal pairs under both scorings.
 *
 *   node --import tsx bench/ilm-context/articles.ts data/models/base [--cases 100] [--max-chars 700]
 */
import { parseArgs } from 'node:util';
import { describeBackend, initBackend } from '../../src/runtime/backend';
import { loadModel } from '../../src/model/checkpoint';
import { rank } from '../../src/infill/rank';
import { tokenLogProbs } from '../../src/infill/forward';
import { encodeText } from '../../src/infill/vocab';
import { readMinimalPairs, scoreMinimalPairs } from '../../src/pretrain/minimal-pairs';
import { heldOutPieces } from './held-out-pieces';

interface Case {
  piece: string;
  /** Character offset of the space before the article. */
  at: number;
  article: 'a' | 'an';
  next: string;
}

function cases(pieces: string[], perArticle: number): Case[] {
  const out: Case[] = [];
  const count = { a: 0, an: 0 };
  for (const piece of pieces) {
    for (const m of piece.matchAll(/ (a|an) ([A-Za-z]+)/g)) {
      const article = m[1] as 'a' | 'an';
      if (count[article] >= perArticle) continue;
      count[article]++;
      out.push({ piece, at: m.index!, article, next: m[2] });
    }
    if (count.a >= perArticle && count.an >= perArticle) break;
  }
  return out;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { cases: { type: 'string', default: '100' }, 'max-chars': { type: 'string', default: '700' } } });
  const modelDir = positionals[0];
  if (!modelDir) throw new Error('usage: articles.ts MODEL_DIR [--cases 100] [--max-chars 700]');
  const perArticle = Number(values.cases);
  const maxChars = Number(values['max-chars']);
  const pieces = await heldOutPieces(maxChars);
  console.log(`backend: ${describeBackend(await initBackend())}`);
  const model = loadModel(modelDir);
  const all = cases(pieces, perArticle);
  const right = { lm: { a: 0, an: 0 }, blank: { a: 0, an: 0 }, wide: { a: 0, an: 0 } };
  const n = { a: 0, an: 0 };
  for (const c of all) {
    const other = c.article === 'a' ? 'an' : 'a';
    const before = c.piece.slice(0, c.at);
    const after = c.piece.slice(c.at + 1 + c.article.length); // " w ..."
    // 1. left to right: the next word after each article
    const next = encodeText(` ${c.next}`);
    const lmScore = async (art: string) => {
      const prefix = encodeText(`${before} ${art}`);
      return (await tokenLogProbs(model, [...prefix, ...next], prefix.length)).reduce((s, x) => s + x, 0);
    };
    const lm = (await lmScore(c.article)) - (await lmScore(other));
    // 2. and 3. rank under both scorings
    const text = `${before} [MASK]${after}`;
    const diff = async (scoring: 'blank' | 'with-next-word') => {
      const r = await rank(model, text, [c.article, other], { scoring });
      return r.find((x) => x.candidate === c.article)!.logProb - r.find((x) => x.candidate === other)!.logProb;
    };
    n[c.article]++;
    if (lm > 0) right.lm[c.article]++;
    if ((await diff('blank')) > 0) right.blank[c.article]++;
    if ((await diff('with-next-word')) > 0) right.wide[c.article]++;
  }
  const row = (name: string, r: { a: number; an: number }) =>
    `${name.padEnd(46)} an ${r.an}/${n.an}   a ${r.a}/${n.a}   balanced ${(50 * (r.an / n.an + r.a / n.a)).toFixed(1)} %`;
  console.log(`${all.length} held-out cases from ${pieces.length} pieces (model ${modelDir})`);
  console.log(row('left to right: the next word fits the article', right.lm));
  console.log(row('rank, scoring blank', right.blank));
  console.log(row('rank, scoring with-next-word', right.wide));
  for (const scoring of ['blank', 'with-next-word'] as const) {
    const p = await scoreMinimalPairs(model, readMinimalPairs(), scoring);
    console.log(`minimal pairs, ${scoring}: ${p.byCategory.map((c) => `${c.category} ${c.right}/${c.pairs}`).join(', ')}, all ${p.overall.right}/${p.overall.pairs}`);
  }
  model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
