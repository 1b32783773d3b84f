/** Commander value parsers shared by the command files: each names the option and the fix in its error. */
import { UserError } from '../runtime/errors';

/** A whole number >= min. */
export function wholeNumber(name: string, min = 0) {
  return (value: string): number => {
    const v = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || v < min) throw new UserError(`${name} must be a whole number of at least ${min}, got "${value}". Fix: e.g. ${name} ${Math.max(min, 1)}`);
    return v;
  };
}

/** A number in (lo, hi]. */
export function numberIn(name: string, lo: number, hi: number) {
  return (value: string): number => {
    const v = Number(value);
    if (value.trim() === '' || !Number.isFinite(v) || v <= lo || v > hi) {
      throw new UserError(`${name} must be a number > ${lo}${Number.isFinite(hi) ? ` and <= ${hi}` : ''}, got "${value}". Fix: e.g. ${name} 1`);
    }
    return v;
  };
}

/** A positive finite number. */
export function positive(name: string) {
  return numberIn(name, 0, Number.POSITIVE_INFINITY);
}

/** A finite number >= 0. */
export function nonNegative(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UserError(`${name} must be a non-negative number, got "${value}". Fix: e.g. ${name} 3e-4`);
    return n;
  };
}

/** Any finite number. */
export function finiteNumber(name: string) {
  return (value: string): number => {
    const x = Number(value);
    if (value.trim() === '' || !Number.isFinite(x)) throw new UserError(`${name} must be a number, got "${value}". Fix: e.g. ${name} 0.2`);
    return x;
  };
}
