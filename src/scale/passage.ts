/**
 * The passage scale (Settles, LaFlair & Hagiwara 2020, section 4): a text's difficulty δ on the 100-point scale.
 *
 * Features of a passage x with N word tokens (letters and inner apostrophes, lower-cased) in S sentences
 * (src/ilm/units.ts passageSentences):
 * - characters (letters) per word, words per sentence;
 * - the mean per-token log-likelihood (1/N) sum_w c_x(w) log θ_w under a word unigram model θ estimated from the
 *   OpenSubtitles frequency list with add-½ smoothing and one <unk> type (θ_w = (c_w + ½) / (C + ½ (V + 1)));
 * - that model's Fisher score. With parameters θ (unconstrained, as for the character model) the gradient of the
 *   per-token log-likelihood is d/dθ_w = c_x(w) / (N θ_w): sparse, one entry per word type of x, a term
 *   frequency weighted by inverse probability (the tf-idf analogy of Elkan 2005). Only types seen in at least
 *   `minDf` training passages get a column; each column is divided by its mean non-zero value on the training
 *   passages (1/θ spans seven orders of magnitude between "the" and a rare word, so the columns are put on one
 *   footing; what remains is the within-column variation, i.e. the term frequency). Dense columns are z-scored.
 *
 * Ranking (section 4.3, Sculley 2010): ridge regression without intercept on pair differences,
 * δ(y1) - δ(y2) ≈ (x1 - x2)ᵀ w, over (a) random pairs of CEFR-SP training sentences at different levels,
 * (b) OneStopEnglish parallel pairs: every paragraph of the simpler version crossed with every paragraph of the
 * harder version of the same training article (elementary-intermediate, intermediate-advanced,
 * elementary-advanced), δ 25 for the simpler and 75 for the harder, subsampled. The score xᵀw ranks passages.
 *
 * Scale (section 4.4): score every passage; each labelled CEFR-SP training sentence gives its level to its five
 * nearest-ranked unlabelled passages (OneStopEnglish training paragraphs); an unlabelled passage that several
 * sentences chose takes the median of their levels; the labelled and propagated passages are balanced by sampling
 * at most `perLevel` per level, and a six-way weighted softmax on the same features is the scale,
 * δ = sum_j δ(j) P(j | x).
 */
import { cefrIndex, CEFR_LEVELS } from '../corpus/cefr';
import { LEVEL_SCALE } from './cefr-scale';
import { loadFrequencyList } from './data';
import { fitRidge, fitSoftmax, softmaxProbs, sparseRow, type SparseRow } from './linear';
import { pearson } from '../metrics/correlation';
import { auc } from '../metrics/auc';
import { passageSentences } from '../ilm/units';
import { Rng } from '../runtime/rng';
import { loadCefrSp, loadOneStop, paragraphs, splitOneStop, type LevelledText, type OneStopArticle, ONESTOP_LEVELS } from './passage-data';

const LEVEL_DELTAS = CEFR_LEVELS.map((l) => LEVEL_SCALE[l]);
const TOKEN = /[A-Za-z]+(?:['’][A-Za-z]+)*/g;

/** Word unigram model from a frequency list (add-½, one <unk> type). */
export class UnigramModel {
  private readonly counts: Map<string, number>;
  private readonly denom: number;
  constructor(freq: Array<[string, number]>) {
    this.counts = new Map();
    let total = 0;
    for (const [w, c] of freq) {
      const k = w.toLowerCase();
      this.counts.set(k, (this.counts.get(k) ?? 0) + c);
      total += c;
    }
    this.denom = total + 0.5 * (this.counts.size + 1);
  }
  /** θ_w (the <unk> probability for unknown words). */
  prob(w: string): number {
    return ((this.counts.get(w) ?? 0) + 0.5) / this.denom;
  }
  known(w: string): boolean {
    return this.counts.has(w);
  }
}

export function tokens(text: string): string[] {
  return (text.match(TOKEN) ?? []).map((t) => t.toLowerCase().replace(/’/g, "'"));
}

export interface RawPassageFeatures {
  charsPerWord: number;
  wordsPerSentence: number;
  loglik: number;
  /** Fisher score keyed by word type (unknown words share "<unk>"). */
  fisher: Map<string, number>;
}

export function rawPassageFeatures(uni: UnigramModel, text: string): RawPassageFeatures {
  const toks = tokens(text);
  const n = Math.max(1, toks.length);
  const s = Math.max(1, passageSentences(text).length);
  let letters = 0;
  let ll = 0;
  const counts = new Map<string, number>();
  for (const t of toks) {
    letters += t.replace(/'/g, '').length;
    ll += Math.log(uni.prob(t));
    const key = uni.known(t) ? t : '<unk>';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const fisher = new Map<string, number>();
  for (const [w, c] of counts) fisher.set(w, c / (n * uni.prob(w === '<unk>' ? '\u0000' : w)));
  return { charsPerWord: letters / n, wordsPerSentence: toks.length / s, loglik: ll / n, fisher };
}

export type PassageFeatureSet = { charsPerWord: boolean; wordsPerSentence: boolean; loglik: boolean; fisher: boolean };
export const ALL_PASSAGE_FEATURES: PassageFeatureSet = { charsPerWord: true, wordsPerSentence: true, loglik: true, fisher: true };

export interface PassageSpace {
  words: string[];
  mean: [number, number, number];
  sd: [number, number, number];
  /** Per Fisher column: its mean non-zero value on the training passages. */
  fisherRms: number[];
}

export function fitPassageSpace(raws: RawPassageFeatures[], minDf = 2): PassageSpace {
  const n = raws.length;
  const dense = (r: RawPassageFeatures) => [r.charsPerWord, r.wordsPerSentence, r.loglik];
  const mean = [0, 0, 0];
  const sd = [0, 0, 0];
  for (const r of raws) dense(r).forEach((v, j) => (mean[j] += v / n));
  for (const r of raws) dense(r).forEach((v, j) => (sd[j] += (v - mean[j]) ** 2 / n));
  const df = new Map<string, number>();
  const sq = new Map<string, number>();
  for (const r of raws)
    for (const [w, v] of r.fisher) {
      df.set(w, (df.get(w) ?? 0) + 1);
      sq.set(w, (sq.get(w) ?? 0) + Math.abs(v));
    }
  const words = [...df.keys()].filter((w) => df.get(w)! >= minDf).sort();
  return {
    words,
    mean: mean as [number, number, number],
    sd: sd.map((v) => Math.sqrt(v) || 1) as [number, number, number],
    fisherRms: words.map((w) => sq.get(w)! / df.get(w)! || 1),
  };
}

export class PassageIndex {
  readonly dim: number;
  private readonly index: Map<string, number>;
  constructor(readonly space: PassageSpace) {
    this.index = new Map(space.words.map((w, i) => [w, i]));
    this.dim = 3 + space.words.length;
  }
  row(r: RawPassageFeatures, fs: PassageFeatureSet = ALL_PASSAGE_FEATURES): SparseRow {
    const e: Array<[number, number]> = [];
    const d = [r.charsPerWord, r.wordsPerSentence, r.loglik];
    const on = [fs.charsPerWord, fs.wordsPerSentence, fs.loglik];
    for (let j = 0; j < 3; j++) if (on[j]) e.push([j, (d[j] - this.space.mean[j]) / this.space.sd[j]]);
    if (fs.fisher) {
      for (const [w, v] of r.fisher) {
        const i = this.index.get(w);
        if (i != null) e.push([3 + i, v / this.space.fisherRms[i]]);
      }
    }
    return sparseRow(e);
  }
}

function diffRow(a: SparseRow, b: SparseRow): SparseRow {
  const m = new Map<number, number>();
  for (let k = 0; k < a.idx.length; k++) m.set(a.idx[k], a.val[k]);
  for (let k = 0; k < b.idx.length; k++) m.set(b.idx[k], (m.get(b.idx[k]) ?? 0) - b.val[k]);
  return sparseRow([...m.entries()]);
}

/** Fit the pairwise ranking weights: ridge on pair differences (intercept fitted but unused; pairs are randomly oriented). */
export function fitRanker(rows: SparseRow[], pairs: Array<[number, number, number]>, dim: number, l2 = 1e-3, maxIter = 150): Float64Array {
  const drows = pairs.map(([i, j]) => diffRow(rows[i], rows[j]));
  const w = fitRidge(drows, pairs.map((p) => p[2]), dim, { l2, maxIter });
  return w.slice(0, dim);
}

export function score(row: SparseRow, w: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < row.idx.length; k++) s += row.val[k] * w[row.idx[k]];
  return s;
}

/** Macro AUC over the five ordinal breakpoints (A1|A2 ... C1|C2), skipping a breakpoint with an empty side. */
export function breakpointAucs(scores: number[], levels: number[]): { aucByBreakpoint: Record<string, number | null>; macroAuc: number } {
  const out: Record<string, number | null> = {};
  const vals: number[] = [];
  for (let b = 0; b < 5; b++) {
    const pos: number[] = [];
    const neg: number[] = [];
    scores.forEach((s, i) => (levels[i] > b ? pos : neg).push(s));
    const name = `${CEFR_LEVELS[b]}|${CEFR_LEVELS[b + 1]}`;
    if (pos.length && neg.length) {
      out[name] = auc(pos, neg);
      vals.push(out[name]!);
    } else out[name] = null;
  }
  return { aucByBreakpoint: out, macroAuc: vals.reduce((a, b) => a + b, 0) / Math.max(1, vals.length) };
}

export interface PassageTrainOptions {
  seed?: number;
  /** CEFR-SP pairs sampled (default 30000). */
  cefrPairs?: number;
  /** OneStopEnglish parallel pairs sampled (default 20000). */
  parallelPairs?: number;
  /** Per-level cap after propagation (default 3000). */
  perLevel?: number;
  /** Neighbours per labelled passage (default 5). */
  neighbours?: number;
  minDf?: number;
  rankL2?: number;
  scaleL2?: number;
  maxIter?: number;
  /** Use only the first n CEFR-SP training sentences and n OneStop training articles (fast mode). */
  limit?: number;
  features?: PassageFeatureSet;
  /** Skip label propagation (the scale is trained on CEFR-SP alone). */
  propagate?: boolean;
}

export interface PassageScaleData {
  kind: 'passage-scale';
  options: Required<Omit<PassageTrainOptions, 'limit' | 'features'>> & { limit: number | null; features: PassageFeatureSet };
  space: PassageSpace;
  ranker: number[];
  scale: number[];
  /** The articles held out of training (OneStopEnglish), for evaluation. */
  heldOutArticles: string[];
  counts: { cefrTrain: number; oneStopTrainParagraphs: number; pairsCefr: number; pairsParallel: number; propagated: number; scaleTrain: number; perLevel: number[] };
}

export class PassageScale {
  readonly index: PassageIndex;
  constructor(
    readonly uni: UnigramModel,
    readonly data: PassageScaleData,
  ) {
    this.index = new PassageIndex(data.space);
  }
  row(text: string): SparseRow {
    return this.index.row(rawPassageFeatures(this.uni, text), this.data.options.features);
  }
  /** The ranking score (uncalibrated). */
  rank(text: string): number {
    return score(this.row(text), this.data.ranker);
  }
  levelProbs(text: string): number[] {
    return softmaxProbs(this.row(text), this.data.scale, 6, this.index.dim);
  }
  /** δ on the 100-point scale (weighted softmax). */
  predict(text: string): number {
    return this.levelProbs(text).reduce((s, p, j) => s + p * LEVEL_DELTAS[j], 0);
  }
}

let cachedUnigram: UnigramModel | null = null;
export function defaultUnigram(): UnigramModel {
  return (cachedUnigram ??= new UnigramModel(loadFrequencyList()));
}

/** Train ranking and scale on the embedded data (CEFR-SP train+dev, OneStopEnglish training articles). */
export function trainPassageScale(options: PassageTrainOptions = {}, uni = defaultUnigram()): PassageScale {
  const o = {
    seed: options.seed ?? 0,
    cefrPairs: options.cefrPairs ?? 30000,
    parallelPairs: options.parallelPairs ?? 20000,
    perLevel: options.perLevel ?? 3000,
    neighbours: options.neighbours ?? 5,
    minDf: options.minDf ?? 2,
    rankL2: options.rankL2 ?? 1e-3,
    scaleL2: options.scaleL2 ?? 1e-3,
    maxIter: options.maxIter ?? 150,
    limit: options.limit ?? null,
    features: options.features ?? ALL_PASSAGE_FEATURES,
    propagate: options.propagate ?? true,
  };
  const rng = new Rng(o.seed);
  let labelled: LevelledText[] = loadCefrSp().filter((s) => s.split !== 'test');
  const { train, test } = splitOneStop(loadOneStop(), o.seed);
  let osTrain: OneStopArticle[] = train;
  if (o.limit != null) {
    labelled = new Rng(o.seed + 1).shuffle([...labelled]).slice(0, o.limit);
    osTrain = train.slice(0, Math.max(2, Math.round(o.limit / 20)));
  }
  // passages: labelled sentences, then OneStop training paragraphs (article index, level)
  const osParas: Array<{ text: string; article: number; version: number }> = [];
  osTrain.forEach((a, ai) => ONESTOP_LEVELS.forEach((l, li) => paragraphs(a.versions[l]).forEach((p) => osParas.push({ text: p, article: ai, version: li }))));
  const texts = [...labelled.map((s) => s.text), ...osParas.map((p) => p.text)];
  const raws = texts.map((t) => rawPassageFeatures(uni, t));
  const index = new PassageIndex(fitPassageSpace(raws, o.minDf));
  const rows = raws.map((r) => index.row(r, o.features));
  const nl = labelled.length;
  // (a) CEFR pairs
  const pairs: Array<[number, number, number]> = [];
  for (let t = 0, tries = 0; t < o.cefrPairs && tries < o.cefrPairs * 20; tries++) {
    const i = rng.int(nl);
    const j = rng.int(nl);
    if (labelled[i].levelIndex === labelled[j].levelIndex) continue;
    pairs.push([i, j, LEVEL_DELTAS[labelled[i].levelIndex] - LEVEL_DELTAS[labelled[j].levelIndex]]);
    t++;
  }
  const nCefrPairs = pairs.length;
  // (b) parallel pairs: all simpler x harder paragraph pairs of one article, subsampled
  const all: Array<[number, number]> = [];
  const byArticle = new Map<string, number[]>();
  osParas.forEach((p, k) => {
    const key = `${p.article}|${p.version}`;
    if (!byArticle.has(key)) byArticle.set(key, []);
    byArticle.get(key)!.push(nl + k);
  });
  for (let a = 0; a < osTrain.length; a++)
    for (const [lo, hi] of [[0, 1], [1, 2], [0, 2]]) for (const i of byArticle.get(`${a}|${lo}`) ?? []) for (const j of byArticle.get(`${a}|${hi}`) ?? []) all.push([i, j]);
  rng.shuffle(all);
  for (const [i, j] of all.slice(0, o.parallelPairs)) pairs.push(rng.float() < 0.5 ? [j, i, 50] : [i, j, -50]);
  const ranker = fitRanker(rows, pairs, index.dim, o.rankL2, o.maxIter);
  // label propagation
  const scores = rows.map((r) => score(r, ranker));
  const scaleRows: SparseRow[] = [];
  const scaleLabels: number[] = [];
  const votes = new Map<number, number[]>();
  if (o.propagate && osParas.length > 0) {
    const un = osParas.map((_, k) => nl + k).sort((a, b) => scores[a] - scores[b]);
    const unScores = un.map((i) => scores[i]);
    for (let i = 0; i < nl; i++) {
      // binary search the insertion point, then take the nearest `neighbours` by score
      let lo = 0;
      let hi = un.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (unScores[mid] < scores[i]) lo = mid + 1;
        else hi = mid;
      }
      let l = lo - 1;
      let r = lo;
      for (let k = 0; k < o.neighbours && (l >= 0 || r < un.length); k++) {
        const pick = r >= un.length || (l >= 0 && scores[i] - unScores[l] <= unScores[r] - scores[i]) ? l-- : r++;
        const u = un[pick];
        if (!votes.has(u)) votes.set(u, []);
        votes.get(u)!.push(labelled[i].levelIndex);
      }
    }
  }
  const pool: Array<[number, number]> = labelled.map((s, i) => [i, s.levelIndex]);
  for (const [u, v] of [...votes.entries()].sort((a, b) => a[0] - b[0])) {
    const sorted = [...v].sort((a, b) => a - b);
    pool.push([u, sorted[Math.floor((sorted.length - 1) / 2)]]);
  }
  const perLevel = [0, 0, 0, 0, 0, 0];
  for (const [i, lv] of rng.shuffle(pool)) {
    if (perLevel[lv] >= o.perLevel) continue;
    perLevel[lv]++;
    scaleRows.push(rows[i]);
    scaleLabels.push(lv);
  }
  const scale = fitSoftmax(scaleRows, scaleLabels, 6, index.dim, { l2: o.scaleL2, maxIter: o.maxIter });
  return new PassageScale(uni, {
    kind: 'passage-scale',
    options: o,
    space: index.space,
    ranker: [...ranker],
    scale: [...scale],
    heldOutArticles: test.map((a) => a.article),
    counts: { cefrTrain: nl, oneStopTrainParagraphs: osParas.length, pairsCefr: nCefrPairs, pairsParallel: pairs.length - nCefrPairs, propagated: votes.size, scaleTrain: scaleRows.length, perLevel },
  });
}

export interface PassageEvalResult {
  n: number;
  macroAuc: number;
  aucByBreakpoint: Record<string, number | null>;
  pearson: number;
  /** Pearson r of the ranking score itself with δ(level). */
  pearsonRank: number;
}

/** AUC per breakpoint (ranking score), Pearson r of the scale's δ with δ(level), on levelled texts. */
export function evaluateOnLevelled(model: PassageScale, texts: LevelledText[]): PassageEvalResult {
  const rows = texts.map((t) => model.row(t.text));
  const ranks = rows.map((r) => score(r, model.data.ranker));
  const deltas = rows.map((r) => softmaxProbs(r, model.data.scale, 6, model.index.dim).reduce((s, p, j) => s + p * LEVEL_DELTAS[j], 0));
  const levels = texts.map((t) => t.levelIndex);
  const truth = levels.map((l) => LEVEL_DELTAS[l]);
  return { n: texts.length, ...breakpointAucs(ranks, levels), pearson: pearson(deltas, truth), pearsonRank: pearson(ranks, truth) };
}

/** AUC of held-out parallel pairs: paragraphs of the harder version against the simpler, per pair of versions, and per article. */
export function evaluateParallel(model: PassageScale, articles: OneStopArticle[]): { parallelAuc: number; byPair: Record<string, number>; articleAccuracy: Record<string, number> } {
  const paraScores = articles.map((a) => ONESTOP_LEVELS.map((l) => paragraphs(a.versions[l]).map((p) => model.rank(p))));
  const whole = articles.map((a) => ONESTOP_LEVELS.map((l) => model.rank(a.versions[l])));
  const byPair: Record<string, number> = {};
  const articleAccuracy: Record<string, number> = {};
  for (const [lo, hi] of [[0, 1], [1, 2], [0, 2]]) {
    const name = `${ONESTOP_LEVELS[lo]}<${ONESTOP_LEVELS[hi]}`;
    // within-article pairs: the share of (simpler paragraph, harder paragraph) pairs ordered right, pooled
    let right = 0;
    let total = 0;
    articles.forEach((_, a) => {
      for (const s of paraScores[a][lo]) for (const h of paraScores[a][hi]) {
        right += h > s ? 1 : h === s ? 0.5 : 0;
        total++;
      }
    });
    byPair[name] = right / Math.max(1, total);
    articleAccuracy[name] = whole.filter((w) => w[hi] > w[lo]).length / Math.max(1, whole.length);
  }
  return { parallelAuc: byPair['elementary<advanced'], byPair, articleAccuracy };
}

/** The built-in held-out evaluation: CEFR-SP test sentences and held-out OneStopEnglish articles. */
export function evaluateHeldOut(model: PassageScale): { cefrSpTest: PassageEvalResult; parallel: ReturnType<typeof evaluateParallel> } {
  const test = loadCefrSp().filter((s) => s.split === 'test');
  const held = new Set(model.data.heldOutArticles);
  const articles = loadOneStop().filter((a) => held.has(a.article));
  return { cefrSpTest: evaluateOnLevelled(model, test), parallel: evaluateParallel(model, articles) };
}

export { cefrIndex };
