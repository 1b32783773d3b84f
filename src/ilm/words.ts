/**
 * Treebank-style word tokens with character offsets, for one sentence.
 *
 * Follows the Penn Treebank tokenization conventions (R. MacIntyre's tokenizer.sed for the Treebank, as
 * also described in NLTK's TreebankWordTokenizer documentation): punctuation is a word of its own, commas
 * and colons split unless a digit follows ("1,000", "10:30"), a period splits at the end of the sentence
 * (and elsewhere unless the word is an abbreviation such as "Mr." or "U.S."), and clitics split off:
 * "don't" -> "do" "n't", "she's" -> "she" "'s", "cannot" -> "can" "not".
 *
 * Written here rather than taken from npm because the candidates measured on the Brown corpus
 * (bench/units-brown.ts) were either too slow for the 5,000 documents/second target on short learner texts
 * (wink-nlp: about 0.4 M characters/s per core with its sentence pass) or did not split ellipses and
 * quotes the Treebank way (natural's TreebankWordTokenizer: boundary F1 0.94). Every token is an exact
 * substring of the input (no quote rewriting), so offsets never need a search.
 */

/** [start, end) character offsets, relative to the start of the input string. */
export type Span = [number, number];

const ABBREVIATIONS = new Set(
  'mr mrs ms dr prof sr jr st vs etc e.g i.e a.m p.m no jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co corp mt ft approx dept est fig govt'.split(' '),
);
const CLITICS = ["n't", "'s", "'re", "'ve", "'ll", "'d", "'m"];
const LEADING = new Set(['"', "'", '`', '(', '[', '{', '<', '¿', '¡', '“', '‘', '«', '*', '#', '$', '£', '€', '@', '&', '%', ';', ':', ',', '!', '?', '-']);
const TRAILING = new Set(['"', "'", '`', ')', ']', '}', '>', ',', ';', ':', '!', '?', '”', '’', '»', '*', '%', '&', '@', '#', '$']);
const isDigit = (c: string) => c >= '0' && c <= '9';

function isAbbreviation(word: string): boolean {
  // word ends with "."; "U.S.", "e.g.", single initials "J." and listed short forms keep their period
  const body = word.slice(0, -1);
  if (/^([A-Za-z]\.)+[A-Za-z]?$/.test(body) || /^[A-Z]$/.test(body)) return true;
  return ABBREVIATIONS.has(body.toLowerCase());
}

/** Split a whitespace-free chunk [s, e) of `text` into Treebank words, appending to `out`. */
function splitChunk(text: string, s: number, e: number, sentenceEnd: boolean, out: Span[]): void {
  const tail: Span[] = [];
  // leading punctuation, one character at a time
  while (s < e && LEADING.has(text[s]) && !(text[s] === '-' && e - s > 1 && isDigit(text[s + 1])) && !(text[s] === "'" && isClitic(text, s, e))) {
    out.push([s, s + 1]);
    s++;
  }
  // trailing punctuation and periods
  for (;;) {
    if (e <= s) break;
    const c = text[e - 1];
    if (c === '.' && e - s >= 3 && text[e - 2] === '.' && text[e - 3] === '.') {
      let k = e - 3;
      while (k > s && text[k - 1] === '.') k--;
      tail.push([k, e]);
      e = k;
      continue;
    }
    if (c === '.') {
      // a period splits at the end of the sentence ("U.S." -> "U.S" "." as in the Treebank) and elsewhere
      // unless the word is an abbreviation
      if (e - s === 1 || sentenceEnd || !isAbbreviation(text.slice(s, e))) {
        tail.push([e - 1, e]);
        e--;
        continue;
      }
      break;
    }
    if (TRAILING.has(c)) {
      tail.push([e - 1, e]);
      e--;
      continue;
    }
    break;
  }
  // inner splits: , ; : not followed by a digit, and ! ? always
  let start = s;
  for (let i = s; i < e; i++) {
    const c = text[i];
    const inner = ((c === ',' || c === ':') && !(i + 1 < e && isDigit(text[i + 1]) && i > s && isDigit(text[i - 1]))) || c === ';' || c === '!' || c === '?';
    if (inner) {
      if (i > start) splitClitics(text, start, i, out);
      out.push([i, i + 1]);
      start = i + 1;
    }
  }
  if (e > start) splitClitics(text, start, e, out);
  for (let k = tail.length - 1; k >= 0; k--) out.push(tail[k]);
}

function isClitic(text: string, s: number, e: number): boolean {
  const rest = text.slice(s, e).toLowerCase();
  return CLITICS.some((c) => c[0] === "'" && rest === c);
}

function hasApostrophe(text: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c === 39 || c === 0x2019) return true;
  }
  return false;
}

/** Split clitics off the end of a word ("don't", "she's", "cannot"). */
function splitClitics(text: string, s: number, e: number, out: Span[]): void {
  if (e - s !== 6 && !hasApostrophe(text, s, e)) {
    out.push([s, e]);
    return;
  }
  const lower = text.slice(s, e).toLowerCase().replace(/’/g, "'");
  if (lower === 'cannot') {
    out.push([s, s + 3], [s + 3, e]);
    return;
  }
  for (const c of CLITICS) {
    if (lower.length > c.length && lower.endsWith(c)) {
      out.push([s, e - c.length], [e - c.length, e]);
      return;
    }
  }
  out.push([s, e]);
}

/** Treebank-style words of one sentence, as offsets into `sentence`. */
export function treebankWords(sentence: string): Span[] {
  const out: Span[] = [];
  const chunks: Span[] = [];
  const re = /\S+/g;
  for (let m = re.exec(sentence); m; m = re.exec(sentence)) chunks.push([m.index, m.index + m[0].length]);
  for (let k = 0; k < chunks.length; k++) splitChunk(sentence, chunks[k][0], chunks[k][1], k === chunks.length - 1, out);
  return out;
}
