/** Commander value parsers shared by the command files: each names the option and the fix in its error. */
import { UserError } from '../runtime/errors';

/** A whole number >= min. */
export function wholeNumber(name: string, min = 0) {
  return (value: string): number => {
    const v = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || v < min) throw new UserError(`${name} must be a whole number >= ${min}, got "${value}". Fix: e.g. ${name} ${Math.max(min, 1)}`);
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
