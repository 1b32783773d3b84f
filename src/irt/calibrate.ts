/**
 * Calibration: Rasch item difficulties from response data by marginal maximum likelihood (Bock & Aitkin
 * 1981, EM over a quadrature of a normal ability distribution), then person abilities by bounded MLE given
 * the difficulties. Soft responses (0..1) and incomplete designs (each person answers any subset, as in an
 * adaptive test) are handled: the expected complete-data log-likelihood of item i is
 * Σ_k s_ik log p_i(θ_k) + (n_ik − s_ik) log(1 − p_i(θ_k)), with n_ik the posterior weight of persons who
 * answered i at node k and s_ik their weighted responses.
 *
 * Identification: the population mean is fixed at 0 while iterating (its SD is estimated); at the end all
 * parameters are shifted so that the item difficulties sum to zero, the normalisation of R's eRm (`sum0`).
 * Items everybody got right (or wrong) have no finite difficulty and are left out, and said so.
 *
 * With soft responses the marginal likelihood is a pseudo-likelihood (exp LL is not the density of graded
 * responses): item difficulties and person MLEs are consistent, but graded responses are less noisy than
 * Bernoulli ones, so the estimated population SD comes out too small (tested; with dichotomous data it is
 * recovered).
 */
import { irf } from './rasch';
import { estimateMle, type AbilityEstimate, DEFAULT_BOUNDS } from './estimate';

export interface ResponseData {
  persons: string[];
  items: string[];
  /** One row per observed response: indices into persons and items, response in 0..1. */
  person: Int32Array;
  item: Int32Array;
  response: Float64Array;
}

export interface CalibrateOptions {
  /** Quadrature nodes of the standard normal (default 41 over −6..6). */
  nodes?: number;
  /** Stop when no difficulty moves more than this (logits) in an EM cycle (default 1e-6). */
  tolerance?: number;
  maxIterations?: number;
  /** Bounds of the person MLEs (logits). */
  bounds?: [number, number];
}

export interface CalibratedItem {
  id: string;
  /** δ in logits, difficulties summing to zero. */
  difficulty: number;
  /** Standard error from the expected information at convergence. */
  se: number;
  /** Responses to the item and their mean. */
  n: number;
  meanResponse: number;
}

export interface Calibration {
  method: 'marginal maximum likelihood (EM), Rasch, soft responses';
  items: CalibratedItem[];
  /** Items without a finite difficulty (all responses 1 or all 0). */
  excludedItems: Array<{ id: string; reason: string }>;
  persons: Array<{ id: string } & Pick<AbilityEstimate, 'theta' | 'se' | 'boundary'> & { n: number }>;
  /** The ability distribution, on the same (item-centred) logit scale. */
  population: { mean: number; sd: number };
  iterations: number;
  converged: boolean;
  logLikelihood: number;
}

/** Build ResponseData from rows (ids as strings). Duplicates and responses outside 0..1 are RangeErrors. */
export function responseData(rows: Array<{ person: string; item: string; response: number }>): ResponseData {
  const persons: string[] = [];
  const items: string[] = [];
  const pIndex = new Map<string, number>();
  const iIndex = new Map<string, number>();
  const seen = new Set<string>();
  const person = new Int32Array(rows.length);
  const item = new Int32Array(rows.length);
  const response = new Float64Array(rows.length);
  rows.forEach((row, n) => {
    if (!Number.isFinite(row.response) || row.response < 0 || row.response > 1) {
      throw new RangeError(`row ${n + 1} (person ${row.person}, item ${row.item}): response ${row.response} is outside 0..1`);
    }
    const key = `${row.person}\u0000${row.item}`;
    if (seen.has(key)) throw new RangeError(`row ${n + 1}: person ${row.person} answered item ${row.item} twice; keep one response per person and item`);
    seen.add(key);
    let p = pIndex.get(row.person);
    if (p === undefined) pIndex.set(row.person, (p = persons.push(row.person) - 1));
    let i = iIndex.get(row.item);
    if (i === undefined) iIndex.set(row.item, (i = items.push(row.item) - 1));
    person[n] = p;
    item[n] = i;
    response[n] = row.response;
  });
  return { persons, items, person, item, response };
}

function logSig(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

export function calibrateRasch(data: ResponseData, options: CalibrateOptions = {}): Calibration {
  const K = options.nodes ?? 41;
  const tol = options.tolerance ?? 1e-6;
  const maxIter = options.maxIterations ?? 1000;
  const nRows = data.response.length;
  if (nRows === 0) throw new RangeError('no responses to calibrate');

  // Per-item totals; extreme items are excluded.
  const I = data.items.length;
  const count = new Float64Array(I);
  const total = new Float64Array(I);
  for (let n = 0; n < nRows; n++) {
    count[data.item[n]]++;
    total[data.item[n]] += data.response[n];
  }
  const excludedItems: Calibration['excludedItems'] = [];
  const active = new Uint8Array(I);
  for (let i = 0; i < I; i++) {
    if (total[i] >= count[i]) excludedItems.push({ id: data.items[i], reason: `all ${count[i]} responses are 1: no finite difficulty` });
    else if (total[i] <= 0) excludedItems.push({ id: data.items[i], reason: `all ${count[i]} responses are 0: no finite difficulty` });
    else active[i] = 1;
  }
  if (!active.some((a) => a === 1)) throw new RangeError('every item has all responses 1 or all 0: nothing to calibrate');

  // Rows grouped by person (only active items).
  const P = data.persons.length;
  const start = new Int32Array(P + 1);
  for (let n = 0; n < nRows; n++) if (active[data.item[n]]) start[data.person[n] + 1]++;
  for (let p = 0; p < P; p++) start[p + 1] += start[p];
  const rowItem = new Int32Array(start[P]);
  const rowResp = new Float64Array(start[P]);
  const fill = start.slice(0, P);
  for (let n = 0; n < nRows; n++) {
    if (!active[data.item[n]]) continue;
    const at = fill[data.person[n]]++;
    rowItem[at] = data.item[n];
    rowResp[at] = data.response[n];
  }

  // Quadrature of N(0, 1) over −6..6.
  const z = new Float64Array(K);
  const logW = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    z[k] = -6 + (12 * k) / (K - 1);
    logW[k] = -0.5 * z[k] * z[k];
  }
  let lwNorm = -Infinity;
  for (let k = 0; k < K; k++) lwNorm = Math.max(lwNorm, logW[k]);
  let sumW = 0;
  for (let k = 0; k < K; k++) sumW += Math.exp(logW[k] - lwNorm);
  for (let k = 0; k < K; k++) logW[k] -= lwNorm + Math.log(sumW);

  const delta = new Float64Array(I);
  for (let i = 0; i < I; i++) {
    if (!active[i]) continue;
    const m = Math.min(0.99, Math.max(0.01, total[i] / count[i]));
    delta[i] = Math.log((1 - m) / m);
  }
  let sigma = 1;
  const theta = new Float64Array(K);
  const lp = new Float64Array(I * K);
  const lq = new Float64Array(I * K);
  const nik = new Float64Array(I * K);
  const sik = new Float64Array(I * K);
  const post = new Float64Array(K);
  let iterations = 0;
  let converged = false;
  let ll = 0;
  for (; iterations < maxIter; ) {
    iterations++;
    for (let k = 0; k < K; k++) theta[k] = sigma * z[k];
    for (let i = 0; i < I; i++) {
      if (!active[i]) continue;
      for (let k = 0; k < K; k++) {
        const d = theta[k] - delta[i];
        lp[i * K + k] = logSig(d);
        lq[i * K + k] = logSig(-d);
      }
    }
    nik.fill(0);
    sik.fill(0);
    let m2 = 0;
    ll = 0;
    let persons = 0;
    for (let p = 0; p < P; p++) {
      const a = start[p];
      const b = start[p + 1];
      if (a === b) continue;
      persons++;
      let max = -Infinity;
      for (let k = 0; k < K; k++) {
        let s = logW[k];
        for (let j = a; j < b; j++) {
          const r = rowResp[j];
          const at = rowItem[j] * K + k;
          s += r * lp[at] + (1 - r) * lq[at];
        }
        post[k] = s;
        if (s > max) max = s;
      }
      let norm = 0;
      for (let k = 0; k < K; k++) norm += (post[k] = Math.exp(post[k] - max));
      ll += max + Math.log(norm);
      let e2 = 0;
      for (let k = 0; k < K; k++) {
        post[k] /= norm;
        e2 += post[k] * theta[k] * theta[k];
      }
      m2 += e2;
      for (let j = a; j < b; j++) {
        const base = rowItem[j] * K;
        const r = rowResp[j];
        for (let k = 0; k < K; k++) {
          nik[base + k] += post[k];
          sik[base + k] += post[k] * r;
        }
      }
    }
    // M-step: each difficulty by Newton on its expected score; the SD from the posterior second moments.
    let moved = 0;
    for (let i = 0; i < I; i++) {
      if (!active[i]) continue;
      let d = delta[i];
      for (let step = 0; step < 20; step++) {
        let g = 0;
        let h = 0;
        for (let k = 0; k < K; k++) {
          const pk = irf(theta[k], d);
          g += nik[i * K + k] * pk - sik[i * K + k];
          h += nik[i * K + k] * pk * (1 - pk);
        }
        const change = Math.max(-1, Math.min(1, g / h));
        d += change;
        if (Math.abs(change) < 1e-10) break;
      }
      moved = Math.max(moved, Math.abs(d - delta[i]));
      delta[i] = d;
    }
    const newSigma = Math.sqrt(m2 / persons);
    moved = Math.max(moved, Math.abs(newSigma - sigma));
    sigma = newSigma;
    if (moved < tol) {
      converged = true;
      break;
    }
  }

  // Centre the difficulties (eRm's sum0) and shift the population with them.
  let c = 0;
  let nActive = 0;
  for (let i = 0; i < I; i++) if (active[i]) (c += delta[i]), nActive++;
  c /= nActive;
  const items: CalibratedItem[] = [];
  for (let i = 0; i < I; i++) {
    if (!active[i]) continue;
    let info = 0;
    for (let k = 0; k < K; k++) {
      const pk = irf(sigma * z[k], delta[i]);
      info += nik[i * K + k] * pk * (1 - pk);
    }
    items.push({ id: data.items[i], difficulty: delta[i] - c, se: 1 / Math.sqrt(info), n: count[i], meanResponse: total[i] / count[i] });
  }
  const bounds = options.bounds ?? DEFAULT_BOUNDS;
  const persons: Calibration['persons'] = [];
  for (let p = 0; p < P; p++) {
    const a = start[p];
    const b = start[p + 1];
    if (a === b) continue;
    const ds = Array.from(rowItem.subarray(a, b), (i) => delta[i] - c);
    const est = estimateMle(ds, rowResp.subarray(a, b), bounds);
    persons.push({ id: data.persons[p], theta: est.theta, se: est.se, boundary: est.boundary, n: b - a });
  }
  return {
    method: 'marginal maximum likelihood (EM), Rasch, soft responses',
    items, excludedItems, persons, population: { mean: -c, sd: sigma }, iterations, converged, logLikelihood: ll,
  };
}
