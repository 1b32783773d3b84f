/**
 * Interpretable linguistic features of a learner text, one fixed-order vector per text (`FEATURE_NAMES`).
 * Used as the `features` encoder of the CEFR classifier (src/classify) and by the essay-scoring model (src/awe).
 *
 * Tokenisation (shared by every feature): a word is a run of letters, with internal apostrophes or hyphens
 * (`don't`, `bad-tempered`); curly apostrophes count as straight ones; numbers are not words. Sentences are
 * the pieces of text between a run of `.`, `!`, `?` or `…` followed by white space (the marks are cut off), and line breaks; a piece
 * without a word is not a sentence. Every rate is 0 for a text without words (never NaN), so an empty answer
 * still gets a vector.
 *
 * The resources (word lists, frequency list, spelling dictionary) are loaded once, on first use, and kept in
 * this module; the spelling verdict of each distinct word is memoised, so a corpus of learner texts costs a
 * few milliseconds per text after the first (see bench/classify).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataDir, projectRoot } from '../runtime/paths';

/** The feature names, in vector order. Each is documented in `FEATURE_DOCS`. */
export const FEATURE_NAMES: readonly string[] = [
  'chars',
  'words',
  'sentences',
  'mean_word_length',
  'mean_sentence_length',
  'mtld',
  'vp_a1',
  'vp_a2',
  'vp_b1',
  'vp_b2',
  'vp_c1',
  'vp_c2',
  'vp_unlisted',
  'freq_k1',
  'freq_k2',
  'freq_k3_5',
  'freq_k6_10',
  'freq_k11_50',
  'freq_offlist',
  'freq_mean_log10_rank',
  'misspelling_rate',
  'punctuation_rate',
  'comma_rate',
  'capital_letter_rate',
  'sentence_initial_capital',
  'lowercase_i_rate',
];

/** What each feature measures and where it comes from. */
export const FEATURE_DOCS: Readonly<Record<string, string>> = {
  chars: 'characters of the text (Unicode code points), white space included: text length, the strongest single predictor of essay scores (Page 1966; Attali & Burstein 2006)',
  words: 'number of word tokens (definition in the module comment)',
  sentences: 'number of sentences (definition in the module comment)',
  mean_word_length: 'mean letters per word: word-length measure of lexical sophistication (Biber 1988; Lu 2012)',
  mean_sentence_length: 'mean words per sentence: mean length of sentence, a syntactic complexity index (Lu 2010, "Automatic analysis of syntactic complexity in second language writing", IJCL 15(4))',
  mtld: 'measure of textual lexical diversity (McCarthy & Jarvis 2010, Behavior Research Methods 42(2)): mean length of the word sequences that keep a type-token ratio above 0.72, averaged over a forward and a backward pass, the last partial sequence counted as a fraction (1 - TTR) / (1 - 0.72); case-folded words; when a pass never falls below 0.72 its value is the number of words',
  vp_a1: 'share of words whose lowest CEFR-J level is A1 (CEFR-J Wordlist 1.5, Tono 2013; Octanove C1/C2 list for C1-C2): a vocabulary profile in the sense of Laufer & Nation 1995 with CEFR bands. Words are matched as typed, then through a short irregular-form table and suffix stripping (-s, -es, -ies, -ed, -ing, -er, -est, -ly, doubled consonants); a word listed at several levels or parts of speech takes its lowest level',
  vp_a2: 'share of words at CEFR-J level A2 (as vp_a1)',
  vp_b1: 'share of words at CEFR-J level B1 (as vp_a1)',
  vp_b2: 'share of words at CEFR-J level B2 (as vp_a1)',
  vp_c1: 'share of words at Octanove level C1 (as vp_a1)',
  vp_c2: 'share of words at Octanove level C2 (as vp_a1)',
  vp_unlisted: 'share of words in none of the lists (names, misspellings, rare or very basic function words the lists leave out)',
  freq_k1: 'share of words among the 1,000 most frequent forms of OpenSubtitles 2018 English (Lison & Tiedemann 2016; FrequencyWords list): lexical frequency profile bands (Laufer & Nation 1995, Applied Linguistics 16(3)); a contraction is looked up by its part before the apostrophe, as the list splits it',
  freq_k2: 'share of words ranked 1,001-2,000 (as freq_k1)',
  freq_k3_5: 'share of words ranked 2,001-5,000',
  freq_k6_10: 'share of words ranked 5,001-10,000',
  freq_k11_50: 'share of words ranked 10,001-50,000',
  freq_offlist: 'share of words outside the 50,000 most frequent forms',
  freq_mean_log10_rank: 'mean log10 of the frequency rank of the words (off-list words count as rank 100,000): mean word frequency, a lexical sophistication index (Kyle & Crossley 2015, TESOL Quarterly 49(4))',
  misspelling_rate: 'share of words the spelling checker rejects, as typed and lower-cased (nspell with the dictionary-en Hunspell dictionary, en-US; Hunspell affix rules): an accuracy measure (Polio 1997, Language Learning 47(1)); a lower-case pronoun "i" is counted by lowercase_i_rate, not here',
  punctuation_rate: 'punctuation marks (Unicode category P) per word: punctuation use, a mechanics feature of essay scoring (Attali & Burstein 2006, e-rater v.2)',
  comma_rate: 'commas per sentence: clause linking and subordination proxy (Lu 2010 counts clauses; commas are the surface cue available without a parser)',
  capital_letter_rate: 'upper-case letters per letter (capitalisation mechanics, Attali & Burstein 2006)',
  sentence_initial_capital: 'share of sentences whose first letter is upper case (capitalisation mechanics)',
  lowercase_i_rate: 'share of first-person pronoun tokens written "i" instead of "I" (a common learner mechanics error; 0 when the text has no such pronoun)',
};

const LEVEL_NAMES = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'];

interface Resources {
  /** Lower-cased headword -> lowest level index 0..5. */
  vocab: Map<string, number>;
  /** Lower-cased form -> frequency rank (1-based). */
  rank: Map<string, number>;
  spell: { correct(word: string): boolean; suggest(word: string): string[] };
}

let resources: Resources | null = null;

function readWordlist(file: string, into: Map<string, number>): void {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const first = line.indexOf(',');
    const second = line.indexOf(',', first + 1);
    const third = line.indexOf(',', second + 1);
    const headword = line.slice(0, first);
    const level = LEVEL_NAMES.indexOf(line.slice(second + 1, third < 0 ? undefined : third).trim());
    if (level < 0 || !headword) continue;
    for (const variant of headword.split('/')) {
      const w = variant.trim().toLowerCase().replace(/’/g, "'");
      if (!w || w.includes(' ')) continue; // multi-word entries are not single tokens
      const old = into.get(w);
      if (old == null || level < old) into.set(w, level);
    }
  }
}

/** The spelling checker (nspell + dictionary-en), loaded from the package files (dictionary-en is ESM-only). */
function loadSpell(): Resources['spell'] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nspell = require('nspell') as (aff: Buffer, dic: Buffer) => Resources['spell'];
  const dir = path.join(projectRoot, 'node_modules', 'dictionary-en');
  return nspell(fs.readFileSync(path.join(dir, 'index.aff')), fs.readFileSync(path.join(dir, 'index.dic')));
}

function load(): Resources {
  if (resources) return resources;
  const vocab = new Map<string, number>();
  readWordlist(path.join(dataDir, 'cefrj-wordlist', 'cefrj-vocabulary-profile-1.5.csv'), vocab);
  readWordlist(path.join(dataDir, 'cefrj-wordlist', 'octanove-vocabulary-profile-c1c2-1.0.csv'), vocab);
  const rank = new Map<string, number>();
  const lines = fs.readFileSync(path.join(dataDir, 'opensubtitles-freq-en', 'en_50k_2018.txt'), 'utf8').split('\n');
  for (const line of lines) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const w = line.slice(0, sp);
    if (!rank.has(w)) rank.set(w, rank.size + 1);
  }
  resources = { vocab, rank, spell: loadSpell() };
  return resources;
}

/** Rank (1 = most frequent) of a lower-cased form in the OpenSubtitles list, 0 when not among the 50,000. */
export function frequencyRank(lowerWord: string): number {
  return load().rank.get(lowerWord) ?? 0;
}

/** The shared spelling checker (for automatic corrections in src/classify). */
export function spellChecker(): Resources['spell'] {
  return load().spell;
}

const WORD = /\p{L}[\p{L}\p{M}]*(?:['’-]\p{L}[\p{L}\p{M}]*)*/gu;
const SENTENCE_BREAK = /[.!?…]+["'”’)\]]*\s+|\n+/u;
const PUNCT = /\p{P}/gu;
const UPPER = /\p{Lu}/gu;
const LETTER = /\p{L}/gu;

/** Word tokens of a text (the tokenisation every feature uses). */
export function words(text: string): string[] {
  return text.match(WORD) ?? [];
}

/** Sentences of a text (pieces holding at least one word). */
export function sentences(text: string): string[] {
  return text
    .split(SENTENCE_BREAK)
    .map((s) => s.trim())
    .filter((s) => /\p{L}/u.test(s));
}

/**
 * MTLD (McCarthy & Jarvis 2010), one pass over `tokens`: the number of words divided by the number of
 * factors, a factor ending each time the running type-token ratio falls to 0.72 or below, the remainder
 * counting (1 - TTR) / (1 - 0.72). A pass with no factor returns the number of words.
 */
export function mtldPass(tokens: readonly string[], threshold = 0.72): number {
  let factors = 0;
  let types = new Set<string>();
  let count = 0;
  for (const t of tokens) {
    types.add(t);
    count++;
    if (types.size / count <= threshold) {
      factors++;
      types = new Set();
      count = 0;
    }
  }
  if (count > 0) factors += (1 - types.size / count) / (1 - threshold);
  return factors > 0 ? tokens.length / factors : tokens.length;
}

/** MTLD: mean of the forward and the backward pass over the case-folded words. */
export function mtld(tokens: readonly string[]): number {
  if (tokens.length === 0) return 0;
  const lower = tokens.map((t) => t.toLowerCase());
  return (mtldPass(lower) + mtldPass(lower.slice().reverse())) / 2;
}

const IRREGULAR: Record<string, string> = {
  am: 'be', is: 'be', are: 'be', was: 'be', were: 'be', been: 'be', being: 'be',
  has: 'have', had: 'have', did: 'do', does: 'do', done: 'do', went: 'go', gone: 'go', goes: 'go',
  made: 'make', took: 'take', taken: 'take', came: 'come', saw: 'see', seen: 'see', got: 'get', gotten: 'get',
  gave: 'give', given: 'give', knew: 'know', known: 'know', thought: 'think', told: 'tell', said: 'say',
  found: 'find', felt: 'feel', left: 'leave', kept: 'keep', began: 'begin', begun: 'begin', wrote: 'write',
  written: 'write', ate: 'eat', eaten: 'eat', bought: 'buy', brought: 'bring', met: 'meet', ran: 'run',
  children: 'child', men: 'man', women: 'woman', people: 'person', feet: 'foot', teeth: 'tooth', mice: 'mouse',
  better: 'good', best: 'good', worse: 'bad', worst: 'bad', can: 'can', could: 'can', would: 'will', should: 'shall',
  me: 'i', my: 'my', him: 'he', her: 'she', us: 'we', them: 'they',
};

const CONSONANT_DOUBLE = /([bcdfgklmnprstvz])\1$/;

/** Candidate headwords of a lower-cased form, most literal first (heuristic; see FEATURE_DOCS.vp_a1). */
export function lemmaCandidates(w: string): string[] {
  const out = [w];
  const irregular = IRREGULAR[w];
  if (irregular) out.push(irregular);
  const strip = (suffix: string) => (w.length > suffix.length + 1 && w.endsWith(suffix) ? w.slice(0, -suffix.length) : null);
  const add = (stem: string | null, ...extra: string[]) => {
    if (!stem) return;
    out.push(stem);
    for (const e of extra) out.push(stem + e);
    if (CONSONANT_DOUBLE.test(stem)) out.push(stem.slice(0, -1));
  };
  let s: string | null;
  if ((s = strip('ies'))) out.push(s + 'y');
  if ((s = strip('ves'))) out.push(s + 'f', s + 'fe');
  if ((s = strip('ied'))) out.push(s + 'y');
  if ((s = strip('ier'))) out.push(s + 'y');
  if ((s = strip('iest'))) out.push(s + 'y');
  if ((s = strip('ily'))) out.push(s + 'y');
  add(strip('es'));
  if (!w.endsWith('ss')) add(strip('s'));
  add(strip('ed'), 'e');
  add(strip('ing'), 'e');
  add(strip('est'), 'e');
  add(strip('er'), 'e');
  add(strip('ly'));
  return out;
}

/** Lowest CEFR level index 0..5 of a lower-cased word, or -1 when unlisted. */
export function vocabLevel(word: string): number {
  const { vocab } = load();
  const w = word.replace(/’/g, "'");
  const contraction = /^(.+?)(n't|'s|'re|'ll|'ve|'d|'m)$/.exec(w);
  const base = contraction ? ({ ca: 'can', wo: 'will', sha: 'shall' } as Record<string, string>)[contraction[1]] ?? contraction[1] : w;
  for (const c of lemmaCandidates(base)) {
    const level = vocab.get(c);
    if (level != null) return level;
  }
  if (base.includes('-')) {
    let worst = -1;
    for (const part of base.split('-')) {
      const level = vocabLevel(part);
      if (level < 0) return -1;
      worst = Math.max(worst, level);
    }
    return worst;
  }
  return -1;
}

const spellMemo = new Map<string, boolean>();

/** Whether the spelling dictionary knows a word (as typed, or lower-cased). Memoised. */
export function isKnownWord(word: string): boolean {
  const w = word.replace(/’/g, "'");
  let known = spellMemo.get(w);
  if (known == null) {
    const { spell } = load();
    known = spell.correct(w) || spell.correct(w.toLowerCase());
    if (!known && w.includes('-')) known = w.split('-').every((p) => p === '' || spell.correct(p) || spell.correct(p.toLowerCase()));
    if (spellMemo.size > 500_000) spellMemo.clear();
    spellMemo.set(w, known);
  }
  return known;
}

function countMatches(text: string, re: RegExp): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(text)) n++;
  return n;
}

/** The feature vector of one text, in `FEATURE_NAMES` order. Pure (the resources are read-only). */
export function textFeatures(text: string): Float64Array {
  const { rank } = load();
  const out = new Float64Array(FEATURE_NAMES.length);
  const ws = words(text);
  const sents = sentences(text);
  const nw = ws.length;
  const ns = nw > 0 ? Math.max(1, sents.length) : 0;
  out[0] = Array.from(text).length;
  out[1] = nw;
  out[2] = ns;
  if (nw === 0) return out;
  let letters = 0;
  const vp = new Float64Array(7);
  const bands = new Float64Array(6);
  let logRank = 0;
  let misspelt = 0;
  let pronounI = 0;
  let lowerI = 0;
  for (const w of ws) {
    letters += w.replace(/['’-]/g, '').length;
    const lower = w.toLowerCase().replace(/’/g, "'");
    const level = vocabLevel(lower);
    vp[level < 0 ? 6 : level]++;
    const r = rank.get(lower) ?? rank.get(lower.split("'")[0]) ?? 0;
    const band = r === 0 ? 5 : r <= 1000 ? 0 : r <= 2000 ? 1 : r <= 5000 ? 2 : r <= 10000 ? 3 : 4;
    bands[band]++;
    logRank += Math.log10(r === 0 ? 100000 : r);
    if (lower === 'i' || lower.startsWith("i'")) {
      pronounI++;
      if (w[0] === 'i') lowerI++;
      continue;
    }
    if (!isKnownWord(w)) misspelt++;
  }
  out[3] = letters / nw;
  out[4] = nw / ns;
  out[5] = mtld(ws);
  for (let i = 0; i < 7; i++) out[6 + i] = vp[i] / nw;
  for (let i = 0; i < 6; i++) out[13 + i] = bands[i] / nw;
  out[19] = logRank / nw;
  out[20] = misspelt / nw;
  out[21] = countMatches(text, PUNCT) / nw;
  out[22] = (text.match(/,/g)?.length ?? 0) / ns;
  const nLetters = countMatches(text, LETTER);
  out[23] = nLetters ? countMatches(text, UPPER) / nLetters : 0;
  let initialCap = 0;
  for (const s of sents) {
    const m = /\p{L}/u.exec(s);
    if (m && m[0] !== m[0].toLowerCase()) initialCap++;
  }
  out[24] = sents.length ? initialCap / sents.length : 0;
  out[25] = pronounI ? lowerI / pronounI : 0;
  return out;
}

/** Features of many texts, one row each. */
export function textFeaturesMany(texts: readonly string[]): Float64Array[] {
  return texts.map(textFeatures);
}
