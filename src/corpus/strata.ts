/**
 * Strata: groups of documents sharing a CEFR level and an L1. Sampling and splitting work stratum by
 * stratum so that both keep the input's level x L1 proportions (stratified sampling; Cochran,
 * "Sampling Techniques", 3rd ed. 1977, ch. 5).
 */

export interface Stratum {
  /** Stable name, `LEVEL|L1`, used to derive the stratum's random stream. */
  key: string;
  level: number;
  /** Document indices in input order. */
  docs: number[];
}

/**
 * Group `docs` (indices, in input order) by level x L1. Strata come back sorted by level, then L1 name,
 * so every later step visits them in an order that depends only on the data.
 */
export function groupStrata(docs: Iterable<number>, level: ArrayLike<number>, l1: ArrayLike<number>, levelNames: readonly string[], l1Names: readonly string[]): Stratum[] {
  const map = new Map<number, Stratum>();
  for (const d of docs) {
    const id = level[d] * 65536 + l1[d];
    let s = map.get(id);
    if (!s) {
      s = { key: `${levelNames[level[d]]}|${l1Names[l1[d]]}`, level: level[d], docs: [] };
      map.set(id, s);
    }
    s.docs.push(d);
  }
  return [...map.values()].sort((a, b) => a.level - b.level || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
