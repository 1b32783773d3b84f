/**
 * Character n-gram language model with interpolated modified Kneser-Ney smoothing (Chen & Goodman 1998,
 * "An empirical study of smoothing techniques for language modeling", TR-10-98, section 3; adjusted counts and
 * the interpolation with the uniform distribution as in KenLM's estimation, Heafield et al. 2013).
 *
 * A word w = c1..cL is the symbol sequence <s> c1 .. cL </s>; the model predicts c1..cL and </s> (never <s>),
 * from at most order-1 previous symbols (fewer near <s>: contexts are truncated at the word boundary, as
 * KenLM does with its single <s>). The prediction vocabulary V is the training alphabet, </s> and <unk>
 * (characters outside the alphabet map to <unk>, which gets only the uniform share).
 *
 * Counts. A training word type t enters with an integer weight c_t (see `TypeWeighting`), i.e. as if it had
 * been seen c_t times. For an n-gram g of order k:
 *   a_k(g) = raw count                          if k = order or g starts with <s>,
 *          = N1+(. g) = #{ v : raw(v g) > 0 }   otherwise (continuation count).
 * Discounts per order from the count-of-counts n_j of the adjusted counts (Chen & Goodman eq. 26):
 *   Y = n1 / (n1 + 2 n2),  D1 = 1 - 2Y n2/n1,  D2 = 2 - 3Y n3/n2,  D3+ = 3 - 4Y n4/n3,
 * clamped to [0, j]; when a count-of-count is 0 (tiny corpora) the undefined D_j falls back to j/2.
 * For a context h of order k seen in training (T(h) = sum_w a_k(h w) > 0):
 *   alpha_k(w | h) = max(a_k(h w) - D(a_k(h w)), 0) / T(h)
 *   gamma_k(h)     = (D1 N1(h .) + D2 N2(h .) + D3+ N3+(h .)) / T(h)
 *   p_k(w | h)     = alpha_k(w | h) + gamma_k(h) p_{k-1}(w | h'),   h' = h without its first symbol,
 * and p_k = p_{k-1} for an unseen context; p_0(w) = 1 / |V|. Because sum_w alpha + gamma = 1 in every seen
 * context, every p_k(. | h) sums to one over V (test/scale-charlm.test.ts checks it).
 *
 * Fisher score (the gradient of log p(x) with respect to the model's parameters, Jaakkola & Haussler 1999).
 * Parameterisation: m = { alpha_k(g) } for every n-gram g stored in the model (all orders), with the
 * interpolation weights gamma held fixed (as in an ARPA file, where probabilities and back-off weights are
 * separate numbers). Unrolling the recursion at position i with longest usable order K_i,
 *   p(x_i | h_i) = sum_{k=1..K_i} alpha_k(x_i | h_{i,k}) prod_{j=k+1..K_i} g_j(h_{i,j})  +  prod_j g_j / |V|,
 * where g_j = gamma_j if the order-j context was seen and 1 if it backed off, so
 *   d log p(x) / d alpha_k(g) = sum_i [ (h_{i,k}, x_i) = g ] prod_{j=k+1..K_i} g_j(h_{i,j}) / p(x_i | h_i).
 * It is sparse: non-zero only on the n-grams of x that the model stores (at most |x|+1 per order). Like tf-idf
 * (Elkan 2005), a rare n-gram (small p) weighs more. `fisherScore` returns it keyed by the n-gram string (the
 * key's length is its order); test/scale-charlm.test.ts checks it against a central finite difference.
 */
import type { Rng } from '../runtime/rng';

export const BOS = '\u0002';
export const EOS = '\u0003';
export const UNK = '\u0001';

/** How a word type's corpus count becomes its training weight. */
export type TypeWeighting = 'type' | 'log' | 'token';

/** Integer training weight of a type with corpus count `count` (minCount = the smallest count in the list). */
export function typeWeight(weighting: TypeWeighting, count: number, minCount: number): number {
  if (weighting === 'type') return 1;
  if (weighting === 'token') return Math.max(1, Math.round(count));
  return 1 + Math.floor(Math.log2(Math.max(1, count / Math.max(1, minCount))));
}

export interface CharLmOptions {
  order?: number;
  /** Fixed discounts [D1, D2, D3+] for every order instead of the count-of-counts estimate (tests). */
  discounts?: [number, number, number];
}

/** Modified Kneser-Ney discounts from count-of-counts (Chen & Goodman eq. 26), clamped, with fallbacks. */
export function modifiedKnDiscounts(n1: number, n2: number, n3: number, n4: number): [number, number, number] {
  const y = n1 + 2 * n2 > 0 ? n1 / (n1 + 2 * n2) : NaN;
  const raw = [1 - (2 * y * n2) / n1, 2 - (3 * y * n3) / n2, 3 - (4 * y * n4) / n3];
  return raw.map((d, j) => (Number.isFinite(d) && d > 0 ? Math.min(d, j + 1) : (j + 1) / 2)) as [number, number, number];
}

interface ContextStats {
  total: number;
  n1: number;
  n2: number;
  n3: number;
}

/** A serialisable trained model: its options, alphabet and adjusted counts. */
export interface CharLmData {
  kind: 'charlm-mkn';
  order: number;
  alphabet: string[];
  discounts: Array<[number, number, number]>;
  /** counts[k-1]: [n-gram, adjusted count] of order k, sorted by n-gram. */
  counts: Array<Array<[string, number]>>;
}

export class CharLm {
  readonly order: number;
  readonly alphabet: string[];
  /** Prediction vocabulary: alphabet, </s>, <unk>. */
  readonly vocab: string[];
  readonly discounts: Array<[number, number, number]>;
  private readonly counts: Array<Map<string, number>>;
  private readonly contexts: Array<Map<string, ContextStats>>;
  private readonly charSet: Set<string>;

  private constructor(order: number, alphabet: string[], counts: Array<Map<string, number>>, discounts: Array<[number, number, number]>) {
    this.order = order;
    this.alphabet = alphabet;
    this.vocab = [...alphabet, EOS, UNK];
    this.charSet = new Set(alphabet);
    this.counts = counts;
    this.discounts = discounts;
    this.contexts = counts.map((m) => {
      const ctx = new Map<string, ContextStats>();
      for (const [g, a] of m) {
        const h = g.slice(0, -1);
        let s = ctx.get(h);
        if (!s) ctx.set(h, (s = { total: 0, n1: 0, n2: 0, n3: 0 }));
        s.total += a;
        if (a === 1) s.n1++;
        else if (a === 2) s.n2++;
        else s.n3++;
      }
      return ctx;
    });
  }

  /** Estimate from (word, integer weight) pairs. Words are used as given (map case before calling). */
  static train(words: Iterable<[string, number]>, options: CharLmOptions = {}): CharLm {
    const order = options.order ?? 5;
    if (!Number.isInteger(order) || order < 1 || order > 12) throw new RangeError(`CharLm: order must be an integer 1..12, got ${order}`);
    const raw: Array<Map<string, number>> = Array.from({ length: order }, () => new Map());
    const chars = new Set<string>();
    for (const [word, weight] of words) {
      if (!(weight > 0) || !Number.isInteger(weight)) throw new RangeError(`CharLm.train: weight of "${word}" must be a positive integer, got ${weight}`);
      if (word.length === 0) continue;
      for (const ch of word) {
        if (ch === BOS || ch === EOS || ch === UNK) throw new RangeError('CharLm.train: words may not contain the reserved control characters');
        chars.add(ch);
      }
      const seq = [BOS, ...word, EOS];
      for (let i = 1; i < seq.length; i++) {
        for (let k = 1; k <= order && i - k + 1 >= 0; k++) {
          const g = seq.slice(i - k + 1, i + 1).join('');
          raw[k - 1].set(g, (raw[k - 1].get(g) ?? 0) + weight);
        }
      }
    }
    const adjusted: Array<Map<string, number>> = raw.map(() => new Map());
    for (let k = order; k >= 1; k--) {
      const m = raw[k - 1];
      const cont = new Map<string, number>();
      if (k < order) for (const g of raw[k].keys()) cont.set(g.slice(1), (cont.get(g.slice(1)) ?? 0) + 1);
      for (const [g, c] of m) adjusted[k - 1].set(g, k === order || g[0] === BOS ? c : (cont.get(g) ?? c));
    }
    const discounts = adjusted.map((m) => {
      if (options.discounts) return [...options.discounts] as [number, number, number];
      const n = [0, 0, 0, 0];
      for (const a of m.values()) if (a <= 4) n[a - 1]++;
      return modifiedKnDiscounts(n[0], n[1], n[2], n[3]);
    });
    const sorted = adjusted.map((m) => new Map([...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))));
    return new CharLm(order, [...chars].sort(), sorted, discounts);
  }

  static fromData(data: CharLmData): CharLm {
    if (data.kind !== 'charlm-mkn') throw new Error(`not a character model: kind ${data.kind}`);
    return new CharLm(data.order, data.alphabet, data.counts.map((c) => new Map(c)), data.discounts);
  }

  toData(): CharLmData {
    return { kind: 'charlm-mkn', order: this.order, alphabet: this.alphabet, discounts: this.discounts, counts: this.counts.map((m) => [...m.entries()]) };
  }

  /** Number of stored n-grams per order. */
  sizes(): number[] {
    return this.counts.map((m) => m.size);
  }

  /** Adjusted count of an n-gram (0 when absent). */
  count(gram: string): number {
    return this.counts[gram.length - 1]?.get(gram) ?? 0;
  }

  private sym(ch: string): string {
    return ch === EOS || this.charSet.has(ch) ? ch : UNK;
  }

  /** alpha_k(w | h) for the order-k n-gram g = h w, 0 when absent; `perturb` adds delta to one n-gram's alpha. */
  private alpha(g: string, stats: ContextStats, perturb?: { gram: string; delta: number }): number {
    const a = this.counts[g.length - 1].get(g) ?? 0;
    let v = 0;
    if (a > 0) {
      const d = this.discounts[g.length - 1][Math.min(a, 3) - 1];
      v = Math.max(a - d, 0) / stats.total;
    }
    if (perturb && perturb.gram === g && a > 0) v += perturb.delta;
    return v;
  }

  private gamma(k: number, stats: ContextStats): number {
    const [d1, d2, d3] = this.discounts[k - 1];
    return (d1 * stats.n1 + d2 * stats.n2 + d3 * stats.n3) / stats.total;
  }

  /**
   * p(w | context) for a symbol w of the vocabulary (a character, EOS or UNK) after `context` (symbols, may
   * start with BOS; only the last order-1 are used).
   */
  prob(w: string, context: string, perturb?: { gram: string; delta: number }): number {
    const h = context.slice(Math.max(0, context.length - (this.order - 1)));
    let p = 1 / this.vocab.length;
    for (let k = 1; k <= h.length + 1; k++) {
      const hk = h.slice(h.length - (k - 1));
      const stats = this.contexts[k - 1].get(hk);
      if (!stats) continue;
      p = this.alpha(hk + w, stats, perturb) + this.gamma(k, stats) * p;
    }
    return p;
  }

  /** The whole distribution over `vocab` after a context. */
  distribution(context: string): number[] {
    return this.vocab.map((w) => this.prob(w, context));
  }

  /** The symbol sequence of a word: BOS, mapped characters, EOS. */
  symbols(word: string): string[] {
    return [BOS, ...[...word].map((c) => this.sym(c)), EOS];
  }

  /** Natural-log likelihood of a word (its characters and the final EOS). */
  logProb(word: string, perturb?: { gram: string; delta: number }): number {
    const seq = this.symbols(word);
    let ll = 0;
    for (let i = 1; i < seq.length; i++) ll += Math.log(this.prob(seq[i], seq.slice(Math.max(0, i - this.order + 1), i).join(''), perturb));
    return ll;
  }

  /** The sparse Fisher score of a word (see the module comment), keyed by n-gram. */
  fisherScore(word: string): Map<string, number> {
    const seq = this.symbols(word);
    const out = new Map<string, number>();
    for (let i = 1; i < seq.length; i++) {
      const h = seq.slice(Math.max(0, i - this.order + 1), i).join('');
      const w = seq[i];
      const p = this.prob(w, h);
      // Walk from the highest order down, carrying the product of the gammas above.
      let carry = 1 / p;
      for (let k = h.length + 1; k >= 1; k--) {
        const hk = h.slice(h.length - (k - 1));
        const stats = this.contexts[k - 1].get(hk);
        if (!stats) continue;
        const g = hk + w;
        if ((this.counts[k - 1].get(g) ?? 0) > 0) out.set(g, (out.get(g) ?? 0) + carry);
        carry *= this.gamma(k, stats);
      }
    }
    return out;
  }

  /**
   * Sample a word: characters drawn from p(. | context)^(1/temperature), renormalised, <unk> excluded, until
   * </s> or maxLength characters (then the word is returned as is).
   */
  sample(rng: Rng, temperature = 1, maxLength = 24): string {
    if (!(temperature > 0)) throw new RangeError(`sample: temperature must be > 0, got ${temperature}`);
    let seq = BOS;
    let word = '';
    const cands = [...this.alphabet, EOS];
    while (word.length < maxLength) {
      const ctx = seq.slice(Math.max(0, seq.length - (this.order - 1)));
      const weights = cands.map((w) => Math.pow(this.prob(w, ctx), 1 / temperature));
      const total = weights.reduce((a, b) => a + b, 0);
      let u = rng.float() * total;
      let pick = cands.length - 1;
      for (let j = 0; j < cands.length; j++) {
        u -= weights[j];
        if (u < 0) {
          pick = j;
          break;
        }
      }
      const c = cands[pick];
      if (c === EOS) break;
      word += c;
      seq += c;
    }
    return word;
  }
}
