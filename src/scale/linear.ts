/**
 * The linear models of the scales: least-squares (ridge) regression and multinomial logistic ("weighted
 * softmax") regression on sparse rows, fitted by L-BFGS (Nocedal & Wright 2006, algorithm 7.4 with a
 * backtracking Armijo line search), deterministic: the same rows and options give the same weights.
 */

/** A sparse feature row: column indices (ascending, unique) and values. */
export interface SparseRow {
  idx: Int32Array;
  val: Float64Array;
}

export function sparseRow(entries: Array<[number, number]>): SparseRow {
  const sorted = entries.filter(([, v]) => v !== 0).sort((a, b) => a[0] - b[0]);
  const idx = new Int32Array(sorted.length);
  const val = new Float64Array(sorted.length);
  sorted.forEach(([i, v], k) => {
    idx[k] = i;
    val[k] = v;
  });
  return { idx, val };
}

export function dot(row: SparseRow, w: Float64Array, offset = 0): number {
  let s = 0;
  for (let k = 0; k < row.idx.length; k++) s += row.val[k] * w[offset + row.idx[k]];
  return s;
}

export interface LbfgsOptions {
  maxIter?: number;
  memory?: number;
  tol?: number;
}

/** Minimise f (returning value and gradient) from x0 by L-BFGS. */
export function lbfgs(f: (x: Float64Array, grad: Float64Array) => number, x0: Float64Array, options: LbfgsOptions = {}): { x: Float64Array; value: number; iterations: number } {
  const maxIter = options.maxIter ?? 300;
  const m = options.memory ?? 5;
  const tol = options.tol ?? 1e-7;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = f(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const d = new Float64Array(n);
  const alpha = new Array<number>(m);
  let iter = 0;
  for (; iter < maxIter; iter++) {
    let gnorm = 0;
    for (let i = 0; i < n; i++) gnorm += g[i] * g[i];
    if (Math.sqrt(gnorm) < tol) break;
    // two-loop recursion: d = -H g
    for (let i = 0; i < n; i++) d[i] = -g[i];
    for (let j = S.length - 1; j >= 0; j--) {
      let a = 0;
      for (let i = 0; i < n; i++) a += S[j][i] * d[i];
      a *= rho[j];
      alpha[j] = a;
      for (let i = 0; i < n; i++) d[i] -= a * Y[j][i];
    }
    if (S.length > 0) {
      const last = S.length - 1;
      let sy = 0;
      let yy = 0;
      for (let i = 0; i < n; i++) {
        sy += S[last][i] * Y[last][i];
        yy += Y[last][i] * Y[last][i];
      }
      const scale = sy / yy;
      for (let i = 0; i < n; i++) d[i] *= scale;
    } else {
      const s = 1 / Math.max(1, Math.sqrt(gnorm));
      for (let i = 0; i < n; i++) d[i] *= s;
    }
    for (let j = 0; j < S.length; j++) {
      let b = 0;
      for (let i = 0; i < n; i++) b += Y[j][i] * d[i];
      b *= rho[j];
      for (let i = 0; i < n; i++) d[i] += S[j][i] * (alpha[j] - b);
    }
    let gd = 0;
    for (let i = 0; i < n; i++) gd += g[i] * d[i];
    if (gd >= 0) {
      // not a descent direction: restart from steepest descent
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i] / Math.max(1, Math.sqrt(gnorm));
      gd = 0;
      for (let i = 0; i < n; i++) gd += g[i] * d[i];
    }
    let step = 1;
    const xn = new Float64Array(n);
    const gn = new Float64Array(n);
    let fn = 0;
    let accepted = false;
    for (let ls = 0; ls < 40; ls++) {
      for (let i = 0; i < n; i++) xn[i] = x[i] + step * d[i];
      fn = f(xn, gn);
      if (Number.isFinite(fn) && fn <= fx + 1e-4 * step * gd) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xn[i] - x[i];
      y[i] = gn[i] - g[i];
      sy += s[i] * y[i];
    }
    const rel = Math.abs(fx - fn) / Math.max(1, Math.abs(fx));
    x = xn;
    g = gn;
    fx = fn;
    if (sy > 1e-12) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    if (rel < 1e-10) break;
  }
  return { x, value: fx, iterations: iter };
}

export interface FitOptions {
  /** L2 penalty on the weights (not the intercepts). */
  l2?: number;
  maxIter?: number;
}

/** Least squares with an intercept: minimise mean (x.w + b - y)^2 + l2 |w|^2. Returns [w..., b]. */
export function fitRidge(rows: SparseRow[], y: ArrayLike<number>, dim: number, options: FitOptions = {}): Float64Array {
  const l2 = options.l2 ?? 1e-4;
  const n = rows.length;
  const f = (x: Float64Array, grad: Float64Array) => {
    grad.fill(0);
    let loss = 0;
    const b = x[dim];
    for (let r = 0; r < n; r++) {
      const row = rows[r];
      const e = dot(row, x) + b - y[r];
      loss += e * e;
      const ge = (2 * e) / n;
      for (let k = 0; k < row.idx.length; k++) grad[row.idx[k]] += ge * row.val[k];
      grad[dim] += ge;
    }
    loss /= n;
    for (let i = 0; i < dim; i++) {
      loss += l2 * x[i] * x[i];
      grad[i] += 2 * l2 * x[i];
    }
    return loss;
  };
  const x0 = new Float64Array(dim + 1);
  let mean = 0;
  for (let r = 0; r < n; r++) mean += y[r] / n;
  x0[dim] = mean;
  return lbfgs(f, x0, { maxIter: options.maxIter ?? 300 }).x;
}

/** Multinomial logistic regression, K classes: weights laid out [K][dim+1] (last = intercept). */
export function fitSoftmax(rows: SparseRow[], labels: ArrayLike<number>, k: number, dim: number, options: FitOptions & { weights?: ArrayLike<number> } = {}): Float64Array {
  const l2 = options.l2 ?? 1e-3;
  const n = rows.length;
  const stride = dim + 1;
  const wts = options.weights;
  let wsum = 0;
  for (let r = 0; r < n; r++) wsum += wts ? wts[r] : 1;
  const z = new Float64Array(k);
  const f = (x: Float64Array, grad: Float64Array) => {
    grad.fill(0);
    let loss = 0;
    for (let r = 0; r < n; r++) {
      const row = rows[r];
      const wr = (wts ? wts[r] : 1) / wsum;
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        z[c] = dot(row, x, c * stride) + x[c * stride + dim];
        if (z[c] > max) max = z[c];
      }
      let s = 0;
      for (let c = 0; c < k; c++) {
        z[c] = Math.exp(z[c] - max);
        s += z[c];
      }
      const yl = labels[r];
      loss -= wr * Math.log(z[yl] / s);
      for (let c = 0; c < k; c++) {
        const gc = wr * (z[c] / s - (c === yl ? 1 : 0));
        const off = c * stride;
        for (let q = 0; q < row.idx.length; q++) grad[off + row.idx[q]] += gc * row.val[q];
        grad[off + dim] += gc;
      }
    }
    for (let c = 0; c < k; c++) {
      const off = c * stride;
      for (let i = 0; i < dim; i++) {
        loss += l2 * x[off + i] * x[off + i];
        grad[off + i] += 2 * l2 * x[off + i];
      }
    }
    return loss;
  };
  return lbfgs(f, new Float64Array(k * stride), { maxIter: options.maxIter ?? 300 }).x;
}

/** Class probabilities of a row under softmax weights. */
export function softmaxProbs(row: SparseRow, w: ArrayLike<number>, k: number, dim: number): number[] {
  const stride = dim + 1;
  const z: number[] = [];
  for (let c = 0; c < k; c++) {
    let s = w[c * stride + dim];
    for (let q = 0; q < row.idx.length; q++) s += row.val[q] * w[c * stride + row.idx[q]];
    z.push(s);
  }
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const t = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / t);
}
