/** Commander value parsers shared by the command files: each names the option and the fix in its error. */
import { UserError } from '../runtime/errors';

/**
 * The message for a whole number out of range: the range in words ("from 0 to 65535", "of 1 or more") and,
 * when the caller knows a typical value, an example of it; never the bound itself as the suggestion.
 */
export function wholeNumberMessage(name: string, value: string, min: number, max = Infinity, example?: number): string {
  const range = max < Infinity ? `from ${min} to ${max}` : `of ${min} or more`;
  return `${name} must be a whole number ${range}, got "${value}". Fix: give ${name} a whole number ${range}${example !== undefined ? `, e.g. ${name} ${example}` : ''}`;
}

/** A whole number >= min (`example`: a typical value for the fix). */
export function wholeNumber(name: string, min = 0, example?: number) {
  return (value: string): number => {
    const v = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || v < min) throw new UserError(wholeNumberMessage(name, value, min, Infinity, example));
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
