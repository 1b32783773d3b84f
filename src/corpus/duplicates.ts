/**
 * Exact duplicate texts. Two texts are duplicates when they are equal after white-space normalisation:
 * surrounding white space removed and every run of white space (spaces, tabs, line breaks, any Unicode
 * space) replaced by one space. Case, spelling and punctuation count (a corrected copy is another text).
 * Each text is reduced to the first 128 bits of the SHA-256 of its normalised UTF-8 bytes; at 128 bits a
 * chance collision among even a billion texts has a probability below 1e-20, so equal hashes are taken as
 * equal texts. Duplicates must never sit on both sides of a train/test split (a model would be scored on a
 * text it was trained on), so every place that splits texts groups them by this hash.
 */
import * as crypto from 'node:crypto';

/** The rule, as recorded in manifests. */
export const DUPLICATE_RULE = 'exact text after trimming and collapsing every run of white space to one space; SHA-256 (128 bits)';

const WHITE_SPACE = /\s+/g;
/** Whether a text has anything to normalise: a white-space character other than a space, two spaces, or an end space. */
const NEEDS_NORMALISING = /[^\S ]| {2}|^ | $/;

/** The text whose hash is compared. */
export function normaliseForHash(text: string): string {
  // The test scans without allocating; most texts of a large corpus then skip the replace.
  return NEEDS_NORMALISING.test(text) ? text.trim().replace(WHITE_SPACE, ' ') : text;
}

/** SHA-256 of a string's UTF-8 bytes: the one-shot crypto.hash where Node has it (20.12+, about 3x faster per text), else createHash. */
const sha256 = (text: string): Buffer =>
  typeof crypto.hash === 'function' ? crypto.hash('sha256', text, 'buffer') : crypto.createHash('sha256').update(text, 'utf8').digest();

/** Hex of the 128-bit content hash of `text`. */
export function contentHash(text: string): string {
  return sha256(normaliseForHash(text)).toString('hex').slice(0, 32);
}

/** Writes the 128-bit content hash of `text` into `out[4 * i .. 4 * i + 3]`. */
export function putContentHash(out: Uint32Array, i: number, text: string): void {
  const d = sha256(normaliseForHash(text));
  out[4 * i] = d.readUInt32BE(0);
  out[4 * i + 1] = d.readUInt32BE(4);
  out[4 * i + 2] = d.readUInt32BE(8);
  out[4 * i + 3] = d.readUInt32BE(12);
}

/** Indices (of documents with hashes in `hashes`, 4 words each) that share a text: members in ascending order, groups ordered by their first member. */
export function groupsFromHashes(hashes: Uint32Array, docs: readonly number[]): number[][] {
  const cmp = (a: number, b: number) => {
    for (let w = 0; w < 4; w++) {
      const x = hashes[4 * a + w];
      const y = hashes[4 * b + w];
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
  const order = docs.slice().sort((a, b) => cmp(a, b) || a - b);
  const groups: number[][] = [];
  for (let i = 0; i < order.length; ) {
    let j = i + 1;
    while (j < order.length && cmp(order[i], order[j]) === 0) j++;
    if (j - i > 1) groups.push(order.slice(i, j));
    i = j;
  }
  return groups.sort((a, b) => a[0] - b[0]);
}

export interface Duplicates {
  /** Groups of two or more indices whose texts are duplicates (ascending; ordered by first member). */
  groups: number[][];
  /** Per index, the group it belongs to: the smallest index with the same text (itself when unique). */
  groupOf: number[];
}

/** Exact duplicates among in-memory texts (see the module comment for the rule). */
export function findDuplicates(texts: readonly string[]): Duplicates {
  const hashes = new Uint32Array(4 * texts.length);
  texts.forEach((t, i) => putContentHash(hashes, i, t));
  const groups = groupsFromHashes(hashes, texts.map((_, i) => i));
  const groupOf = texts.map((_, i) => i);
  for (const g of groups) for (const i of g) groupOf[i] = g[0];
  return { groups, groupOf };
}

/** One line per group for the console (at most `max`, then a count of the rest). */
export function describeDuplicateGroups<G>(groups: readonly G[], line: (g: G) => string, max = 5): string[] {
  const lines = groups.slice(0, max).map(line);
  if (groups.length > max) lines.push(`... and ${groups.length - max} more groups`);
  return lines;
}
