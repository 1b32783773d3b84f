/**
 * The accuracy/length trade-off of the `cefr-band` stopping rule (src/cat/engine.ts), for notebook 08: the same
 * simulees take the fixed-length test (the paper's 25 items), the test that also stops once θ̂ ± z·SE lies inside
 * one CEFR band for several z, and a fixed-length test as long as the band rule's mean (z = 1.96), so that the
 * band rule is compared with simply giving fewer items. Reported per rule: mean and median test length, RMSE of
 * θ̂ (points), the share of simulees whose reported CEFR level is their true θ's level, and the share of tests
 * that the band rule ended.
 */
import { Rng } from '../runtime/rng';
import { DEFAULT_NOISE, type NoiseModel } from '../irt/noise';
import { logitToScale } from '../irt/scale';
import { scaleToLevel } from '../scale/cefr-scale';
import type { Bank } from './bank';
import { DEFAULT_CAT_CONFIG, type CatConfig } from './engine';
import { drawAbility, simulateSession, DEFAULT_DISTRIBUTION, type AbilityDistribution } from './simulate';
import { median } from '../metrics/descriptive';
import { tableHtml } from '../plot/table';

export interface StopTradeoffRow {
  rule: string;
  /** z of the band rule (null: fixed length). */
  z: number | null;
  maxItems: number;
  meanItems: number;
  medianItems: number;
  rmse: number;
  /** Share of simulees whose reported level is the level of their true θ. */
  levelAccuracy: number;
  /** Share of tests that the band rule ended. */
  stoppedByBand: number;
  /** Per simulee (the same simulees in every row): 1 when the reported level is right. */
  levelRight: Uint8Array;
}

/**
 * Difference of level accuracy between two rules on the same simulees (a − b) and its standard error for
 * paired proportions, from the discordant pairs: √(b₁₀ + b₀₁ − (b₁₀ − b₀₁)²/n) / n (the variance behind
 * McNemar's test; Agresti 2013, section 11.1).
 */
export function pairedAccuracyDifference(a: StopTradeoffRow, b: StopTradeoffRow): { difference: number; se: number } {
  const n = a.levelRight.length;
  if (n !== b.levelRight.length || n === 0) throw new RangeError('the two rules must have been run on the same simulees');
  let b10 = 0;
  let b01 = 0;
  for (let i = 0; i < n; i++) {
    if (a.levelRight[i] && !b.levelRight[i]) b10++;
    else if (!a.levelRight[i] && b.levelRight[i]) b01++;
  }
  return { difference: (b10 - b01) / n, se: Math.sqrt(Math.max(0, b10 + b01 - (b10 - b01) ** 2 / n)) / n };
}

export interface StopTradeoffOptions {
  n: number;
  seed?: number;
  zs?: number[];
  maxItems?: number;
  noise?: NoiseModel;
  distribution?: AbilityDistribution;
  config?: Partial<CatConfig>;
}

function run(bank: Bank, thetas: Float64Array, seeds: Uint32Array, noise: NoiseModel, config: Partial<CatConfig>, rule: string, z: number | null): StopTradeoffRow {
  const lengths: number[] = [];
  let se2 = 0;
  let right = 0;
  let band = 0;
  const levelRight = new Uint8Array(thetas.length);
  for (let s = 0; s < thetas.length; s++) {
    const r = simulateSession(bank, thetas[s], seeds[s], noise, config);
    lengths.push(r.items);
    se2 += (logitToScale(r.theta) - thetas[s]) ** 2;
    if (r.level === scaleToLevel(thetas[s])) {
      right++;
      levelRight[s] = 1;
    }
    if (r.stopReason === 'cefr-band') band++;
  }
  const n = thetas.length;
  return {
    rule, z, maxItems: config.maxItems ?? DEFAULT_CAT_CONFIG.maxItems, meanItems: lengths.reduce((a, b) => a + b, 0) / n, medianItems: median(lengths),
    rmse: Math.sqrt(se2 / n), levelAccuracy: right / n, stoppedByBand: band / n, levelRight,
  };
}

/** Fixed length, the band rule for each z, and a fixed length equal to the band rule's mean at z = 1.96 (or the first z). */
export function compareStopRules(bank: Bank, options: StopTradeoffOptions): StopTradeoffRow[] {
  const n = options.n;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`the comparison needs at least 2 simulees, got ${n}`);
  const seed = options.seed ?? 0;
  const zs = options.zs ?? [1, 1.645, 1.96, 2.576];
  const maxItems = options.maxItems ?? DEFAULT_CAT_CONFIG.maxItems;
  const noise = options.noise ?? DEFAULT_NOISE;
  const thetaRng = Rng.derive(seed, 'thetas');
  const thetas = Float64Array.from({ length: n }, () => drawAbility(thetaRng, options.distribution ?? DEFAULT_DISTRIBUTION));
  const seeds = Uint32Array.from({ length: n }, (_, s) => Rng.derive(seed, 'session', s).nextUint32());
  const base = { ...options.config, maxItems, timeLimitMs: null };
  const rows = [run(bank, thetas, seeds, noise, { ...base, cefrBand: false }, `fixed length ${maxItems}`, null)];
  for (const z of zs) rows.push(run(bank, thetas, seeds, noise, { ...base, cefrBand: true, bandZ: z }, `cefr-band, z = ${z}`, z));
  const ref = rows.find((r) => r.z === 1.96) ?? rows[1];
  if (ref) {
    const len = Math.max(1, Math.round(ref.meanItems));
    rows.push(run(bank, thetas, seeds, noise, { ...base, maxItems: len, cefrBand: false }, `fixed length ${len} (the band rule's mean at z = ${ref.z})`, null));
  }
  return rows;
}

export function stopTradeoffTableHtml(rows: StopTradeoffRow[]): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return tableHtml(['rule', 'mean items', 'median items', 'RMSE (points)', 'level right', 'ended by the band'],
    rows.map((r) => [r.rule, r.meanItems.toFixed(1), String(r.medianItems), r.rmse.toFixed(2), pct(r.levelAccuracy), r.z == null ? '-' : pct(r.stoppedByBand)]));
}
