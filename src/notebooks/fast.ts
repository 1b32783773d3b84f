/**
 * The notebooks' one switch: CEFRLAB_FAST=1 (the test suite's setting, `cefrlab run-notebooks --fast`) shrinks
 * every run while keeping the same code path. Read here, at the notebooks' entry, and handed down as a value.
 */
export function isFast(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CEFRLAB_FAST === '1';
}
