/**
 * Bulk draws from the project's Rng stream. Calling `Rng.nextUint32()` once per element costs about 50-100 ns
 * here; running the same xoshiro128** steps (Blackman & Vigna 2021) on local variables costs a few ns, which
 * matters for dropout masks (millions of elements per step) and the 124M model's initial weights. The values
 * are exactly those `Rng.nextUint32()` would return from the same state (test/model-forward.test.ts).
 */
import { Rng } from '../runtime/rng';

/** A function returning the next uint32 of `rng`'s stream (from its current state; `rng` itself is not advanced). */
export function uint32Stream(rng: Rng): () => number {
  let [s0, s1, s2, s3] = rng.state();
  return () => {
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  };
}
