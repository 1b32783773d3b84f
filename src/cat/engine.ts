/**
 * The adaptive test (Settles, LaFlair & Hagiwara 2020, sections 2.2 and 5.1):
 *
 * 1. Formats cycle; the first is chosen at random.
 * 2. Calibration phase: item t (t = 0..3) comes from bins 2t and 2t + 1 (the first from the two lowest
 *    bins, the second from the next two, ...), drawn at random among the unseen items of the format.
 * 3. Afterwards: estimate θ by bounded MLE (src/irt/estimate.ts), take the next difficulty δ = θ̂ (for the
 *    Rasch model the most informative one) and pick an unseen item of the format by the selection rule:
 *    - `bin` (the paper): a random unseen item of the bin of δ (the nearest bin that still has one);
 *    - `maxinfo`: the unseen item with the most information at θ̂, i.e. the nearest difficulty (ties by
 *      the bank's difficulty order);
 *    - `randomesque`: one of the k most informative, at random (Kingsbury & Zara 1989);
 *    - `sympson-hetter`: the most informative first, each candidate administered with probability K_i
 *      (its exposure parameter, calibrated by simulation: src/cat/exposure.ts); a rejected candidate is
 *      out for the rest of the session (Sympson & Hetter 1985). The calibration-phase draws go through the
 *      same filter, followed by the format's other items by distance from the wanted bins (so that a thin
 *      bin's few items are not given to everyone).
 * 4. Stop after `maxItems` (25) items, or when the time limit is reached, or when the standard error falls to
 *    a target, or (`cefrBand`) when the interval θ̂ ± z·SE lies inside one CEFR band, or when no unseen item is
 *    left. The score is θ̂ on the 100-point scale (clamped to 0..100) with its CEFR level (Table 1).
 *
 * The standard error matches the response model (src/cat/standard-error.ts): responses r_i in [0, 1] with
 * E[r_i] = p_i(θ) and Var[r_i] = φ p_i (1 − p_i); the MLE solves Σ (r_i − p_i) = 0 whatever φ is, and its
 * SE is √(φ / I(θ̂)). φ = 1 is the 0/1 (Bernoulli) case, and an upper bound for any response in [0, 1].
 *
 * Every random choice of step t comes from Rng.derive(seed, 'step', t), so a session is a pure function of its
 * seed and its responses: replaying the responses rebuilds it exactly (the server relies on this).
 */
import { Rng } from '../runtime/rng';
import type { Item, ItemFormat } from '../items/types';
import type { CefrLevel } from '../corpus/cefr';
import { BIN_COUNT, binOf, scaleToLevel } from '../scale/cefr-scale';
import { estimateAbility, estimateMle, DEFAULT_BOUNDS, type AbilityMethod } from '../irt/estimate';
import { logitSeToScale, logitToScale, scaleToLogit } from '../irt/scale';
import type { Bank } from './bank';
import { intervalInsideOneLevel, quasiLikelihoodSe } from './standard-error';

export type SelectRule = 'bin' | 'maxinfo' | 'randomesque' | 'sympson-hetter';
export const SELECT_RULES: readonly SelectRule[] = ['bin', 'maxinfo', 'randomesque', 'sympson-hetter'];

export interface CatConfig {
  /** Stop after this many items (default 25). */
  maxItems: number;
  /** Stop once this much time has passed since the start (ms; default 40 minutes; null: no limit). */
  timeLimitMs: number | null;
  /** Stop once the SE (points on the 100-point scale) is at or below this, after the calibration phase (null: off). */
  seTarget: number | null;
  select: SelectRule;
  /** k of randomesque (default 5). */
  randomesqueK: number;
  /** Sympson-Hetter exposure parameters K_i by item id (missing: 1). */
  exposure: Record<string, number> | null;
  /** Items in the calibration phase (default 4). */
  calibrationItems: number;
  /** Bounds of the provisional and final MLE (logits). */
  bounds: [number, number];
  /** Estimator of the final score (default `mle`, the paper's). */
  scoreMethod: AbilityMethod;
  /**
   * φ of the response model Var[r] = φ p (1 − p) that the SE assumes (0..1; default 1: 0/1 responses, an upper
   * bound for any response in [0, 1], so the SE errs on the long side). The simulation sets it from its noise
   * model: 1/(κ + 1) for Beta(κp, κ(1 − p)) responses.
   */
  dispersion: number;
  /** Also stop once θ̂ ± bandZ·SE lies inside one CEFR band, after the calibration phase (`--stop cefr-band`). */
  cefrBand: boolean;
  /** z of that interval (default 1.96: a two-sided 95 % normal interval). */
  bandZ: number;
}

/** The defaults of the adaptive test: the one table that the library, the CLI's options and its help read. */
export const DEFAULT_CAT_CONFIG: CatConfig = {
  maxItems: 25, timeLimitMs: 40 * 60 * 1000, seTarget: null, select: 'bin', randomesqueK: 5, exposure: null,
  calibrationItems: 4, bounds: DEFAULT_BOUNDS, scoreMethod: 'mle', dispersion: 1, cefrBand: false, bandZ: 1.96,
};

/** The stopping rules beside the length (always on), time and SE rules: `--stop`. */
export const STOP_RULES = ['cefr-band'] as const;
export type StopRule = (typeof STOP_RULES)[number];

export function catConfig(partial: Partial<CatConfig> = {}): CatConfig {
  const c = { ...DEFAULT_CAT_CONFIG, ...partial };
  if (!Number.isInteger(c.maxItems) || c.maxItems < 1) throw new RangeError(`maxItems must be a whole number ≥ 1, got ${c.maxItems}`);
  if (!SELECT_RULES.includes(c.select)) throw new RangeError(`unknown selection rule "${c.select}": use one of ${SELECT_RULES.join(', ')}`);
  if (!Number.isInteger(c.randomesqueK) || c.randomesqueK < 1) throw new RangeError(`randomesque k must be ≥ 1, got ${c.randomesqueK}`);
  if (c.seTarget != null && !(c.seTarget > 0)) throw new RangeError(`the SE target must be positive (points), got ${c.seTarget}`);
  if (c.timeLimitMs != null && !(c.timeLimitMs > 0)) throw new RangeError(`the time limit must be positive, got ${c.timeLimitMs}`);
  if (!(c.dispersion >= 0 && c.dispersion <= 1)) throw new RangeError(`the dispersion φ must be in 0..1 (Var r = φ p (1 − p) for responses in [0, 1]), got ${c.dispersion}`);
  if (!(c.bandZ > 0 && Number.isFinite(c.bandZ))) throw new RangeError(`the z of the CEFR-band interval must be positive, got ${c.bandZ}`);
  return c;
}

export type StopReason = 'max-items' | 'time' | 'se-target' | 'cefr-band' | 'bank-exhausted';

export interface CatStep {
  index: number;
  itemId: string;
  format: ItemFormat;
  /** The item's δ on the 100-point scale (known to the library, never sent to the page before the response). */
  difficulty: number;
  response: number;
  /** Provisional θ̂ (MLE, logits) and its SE (√(φ/I), logits) after this response. */
  theta: number;
  se: number;
  boundary: string | null;
}

export interface CatResult {
  items: number;
  /** θ̂ in logits and on the 100-point scale (clamped to 0..100), SE in both. */
  theta: number;
  se: number;
  score: number;
  sePoints: number;
  level: CefrLevel;
  method: AbilityMethod;
  note: string;
  stopReason: StopReason;
  steps: CatStep[];
}

/** Observer of the selection, used to calibrate exposure parameters (P(selected) per item). */
export interface SelectionObserver {
  considered?(itemIndex: number): void;
}

export class CatSession {
  readonly config: CatConfig;
  readonly steps: CatStep[] = [];
  private readonly seen: Uint8Array;
  private readonly blocked: Uint8Array;
  private readonly formatOffset: number;
  private pending: number | null = null;
  private stopped: StopReason | null = null;
  readonly startedAt: number;

  constructor(readonly bank: Bank, config: Partial<CatConfig> = {}, readonly seed = 0, startedAt = 0, private readonly observer: SelectionObserver = {}) {
    this.config = catConfig(config);
    this.seen = new Uint8Array(bank.items.length);
    this.blocked = new Uint8Array(bank.items.length);
    this.formatOffset = Rng.derive(seed, 'first-format').int(bank.formats.length);
    this.startedAt = startedAt;
  }

  get done(): boolean {
    return this.stopped != null;
  }

  get stopReason(): StopReason | null {
    return this.stopped;
  }

  /** The item waiting for a response (null when done). Calling it again returns the same item. */
  next(): Item | null {
    if (this.stopped) return null;
    if (this.pending == null) {
      const pick = this.select();
      if (pick == null) {
        this.stopped = 'bank-exhausted';
        return null;
      }
      this.pending = pick;
    }
    return this.bank.items[this.pending];
  }

  /** Record the (graded, 0..1) response to the pending item; `now` (ms) drives the time limit. */
  answer(itemId: string, response: number, now = this.startedAt): CatStep {
    if (this.stopped) throw new RangeError(`the test is over (${this.stopped}): no more responses`);
    const pending = this.pending == null ? null : this.bank.items[this.pending];
    if (!pending) throw new RangeError('no item is waiting for a response: call next() first');
    if (pending.id !== itemId) throw new RangeError(`item ${itemId} is not the item waiting for a response (${pending.id})`);
    if (!Number.isFinite(response) || response < 0 || response > 1) throw new RangeError(`response ${response} to item ${itemId} is outside 0..1`);
    this.seen[this.pending!] = 1;
    this.pending = null;
    const responses = [...this.steps.map((s) => s.response), response];
    const deltas = [...this.steps.map((s) => this.bank.logits[this.bank.index.get(s.itemId)!]), this.bank.logits[this.bank.index.get(itemId)!]];
    const est = estimateMle(deltas, responses, this.config.bounds);
    const se = quasiLikelihoodSe(est.theta, deltas, this.config.dispersion);
    const step: CatStep = {
      index: this.steps.length, itemId, format: pending.format, difficulty: pending.difficulty, response,
      theta: est.theta, se, boundary: est.boundary,
    };
    this.steps.push(step);
    const c = this.config;
    const afterCalibration = this.steps.length >= c.calibrationItems;
    if (this.steps.length >= c.maxItems) this.stopped = 'max-items';
    else if (c.timeLimitMs != null && now - this.startedAt >= c.timeLimitMs) this.stopped = 'time';
    else if (c.seTarget != null && afterCalibration && logitSeToScale(se) <= c.seTarget) this.stopped = 'se-target';
    // A bounded estimate (all right, all wrong) has no interval worth the name: the band rule waits for an interior θ̂.
    else if (c.cefrBand && afterCalibration && est.boundary == null && intervalInsideOneLevel(logitToScale(est.theta), logitSeToScale(se), c.bandZ)) this.stopped = 'cefr-band';
    return step;
  }

  /** Stop now (e.g. the time limit passed while no response came). */
  stop(reason: StopReason): void {
    if (!this.stopped) {
      this.stopped = reason;
      this.pending = null;
    }
  }

  /** The score from the responses so far (any estimator; default the configured one). */
  result(method: AbilityMethod = this.config.scoreMethod): CatResult {
    if (this.steps.length === 0) throw new RangeError('no responses yet: nothing to score');
    const deltas = this.steps.map((s) => this.bank.logits[this.bank.index.get(s.itemId)!]);
    const est = estimateAbility(deltas, this.steps.map((s) => s.response), { method, bounds: this.config.bounds });
    const score = Math.min(100, Math.max(0, logitToScale(est.theta)));
    // MLE and WLE: the SE of the response model (√(φ/I)); MAP and EAP keep their posterior SD under φ = 1.
    const likelihoodSe = method === 'mle' || method === 'wle';
    const se = likelihoodSe ? quasiLikelihoodSe(est.theta, deltas, this.config.dispersion) : est.se;
    const seNote = likelihoodSe ? `SE √(φ/I(θ̂)) with φ = ${this.config.dispersion} (Var r = φ p (1 − p))` : 'SE: posterior SD for 0/1 responses';
    return {
      items: this.steps.length, theta: est.theta, se, score, sePoints: logitSeToScale(se), level: scaleToLevel(score),
      method, note: `${est.note}; ${seNote}`, stopReason: this.stopped ?? 'max-items', steps: this.steps.slice(),
    };
  }

  /** The format of step t: cycling from a random first format, skipping formats with nothing unseen. */
  private formatFor(t: number): ItemFormat | null {
    const F = this.bank.formats.length;
    for (let j = 0; j < F; j++) {
      const f = this.bank.formats[(this.formatOffset + t + j) % F];
      if (this.bank.byFormatSorted.get(f)!.some((i) => !this.seen[i])) return f;
    }
    return null;
  }

  private available(i: number): boolean {
    return this.seen[i] === 0 && this.blocked[i] === 0;
  }

  /** Sympson-Hetter acceptance (always true for the other rules). */
  private accept(i: number, rng: Rng): boolean {
    this.observer.considered?.(i);
    if (this.config.select !== 'sympson-hetter' || !this.config.exposure) return true;
    const k = this.config.exposure[this.bank.items[i].id] ?? 1;
    if (k >= 1 || rng.float() < k) return true;
    this.blocked[i] = 1;
    return false;
  }

  private select(): number | null {
    const t = this.steps.length;
    const f = this.formatFor(t);
    if (f == null) return null;
    const rng = Rng.derive(this.seed, 'step', t);
    const bins = this.bank.byFormatBin.get(f)!;
    if (t < this.config.calibrationItems) {
      const want = [2 * t, 2 * t + 1].filter((b) => b < BIN_COUNT);
      const pool = rng.shuffle(this.nearestPool(bins, want.length ? want : [BIN_COUNT - 1], true));
      if (this.config.select !== 'sympson-hetter') return pool.length ? pool[0] : null;
      // Exposure control: after the wanted bins, the other items by distance from them, so a thin bin's
      // few items are not given to everyone.
      const inPool = new Set(pool);
      const centre = scaleToLogit(10 * (want.length ? want[0] + 0.5 : BIN_COUNT - 1));
      return this.walk([...pool, ...this.byInformation(f, centre, Infinity).filter((i) => !inPool.has(i))], rng, f);
    }
    const theta = this.steps.length ? this.provisionalTheta() : 0;
    if (this.config.select === 'bin') {
      const pool = this.nearestPool(bins, [binOf(Math.min(100, Math.max(0, logitToScale(theta))))], false);
      return pool.length ? pool[rng.int(pool.length)] : null;
    }
    if (this.config.select === 'randomesque') {
      const order = this.byInformation(f, theta, this.config.randomesqueK);
      return order.length ? order[rng.int(order.length)] : null;
    }
    // maxinfo and Sympson-Hetter: down the information order until a candidate is accepted.
    let first: number | null = null;
    let chosen: number | null = null;
    this.nearest(f, theta, (i) => {
      if (first == null) first = i;
      if (this.accept(i, rng)) {
        chosen = i;
        return true;
      }
      return false;
    });
    return chosen ?? first;
  }

  /** Go down the candidates, accepting by Sympson-Hetter; if all are rejected, the first candidate. */
  private walk(candidates: number[], rng: Rng, f: ItemFormat): number | null {
    for (const i of candidates) if (this.available(i) && this.accept(i, rng)) return i;
    // Every candidate was rejected: the first of them after all (exposure control yields to having an item).
    for (const i of candidates) if (!this.seen[i]) return i;
    return this.bank.byFormatSorted.get(f)!.find((i) => !this.seen[i]) ?? null;
  }

  private provisionalTheta(): number {
    return this.steps[this.steps.length - 1].theta;
  }

  /** Available items of the wanted bins, or of the nearest bins that have any. */
  private nearestPool(bins: number[][], want: number[], calibration: boolean): number[] {
    for (let dist = 0; dist < BIN_COUNT; dist++) {
      const pool: number[] = [];
      const bs = new Set<number>();
      for (const b of want) {
        if (b - dist >= 0) bs.add(b - dist);
        if (b + dist < BIN_COUNT) bs.add(b + dist);
      }
      for (const b of [...bs].sort((x, y) => x - y)) for (const i of bins[b]) if (this.available(i)) pool.push(i);
      if (pool.length) return pool;
      if (!calibration && dist > BIN_COUNT) break;
    }
    return [];
  }

  /** Available items of format f by decreasing information at θ (increasing |δ − θ|), at most `limit`. */
  private byInformation(f: ItemFormat, theta: number, limit: number): number[] {
    const out: number[] = [];
    this.nearest(f, theta, (i) => {
      out.push(i);
      return out.length >= limit;
    });
    return out;
  }

  /** Visit the available items of format f by increasing |δ − θ| until `visit` returns true. */
  private nearest(f: ItemFormat, theta: number, visit: (i: number) => boolean): void {
    const sorted = this.bank.byFormatSorted.get(f)!;
    const d = this.bank.logits;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (d[sorted[mid]] < theta) lo = mid + 1;
      else hi = mid;
    }
    let left = lo - 1;
    let right = lo;
    while (left >= 0 || right < sorted.length) {
      while (left >= 0 && !this.available(sorted[left])) left--;
      while (right < sorted.length && !this.available(sorted[right])) right++;
      const l = left >= 0 ? sorted[left] : -1;
      const r = right < sorted.length ? sorted[right] : -1;
      if (l < 0 && r < 0) break;
      if (r < 0 || (l >= 0 && theta - d[l] <= d[r] - theta)) {
        left--;
        if (visit(l)) return;
      } else {
        right++;
        if (visit(r)) return;
      }
    }
  }
}
