/**
 * Batching for the neural encoders: texts are grouped by token length (longest first) so that a padded batch
 * wastes little, and the vectors are put back in the input order. The grouping depends only on the lengths,
 * so the same texts always give the same batches (and the same bytes).
 */

/**
 * Index batches over `lengths`: at most `maxBatch` sequences each, and at most `maxTokens` padded tokens
 * (batch size x its longest length) unless a single sequence is longer. Stable for equal lengths.
 */
export function lengthSortedBatches(lengths: readonly number[], maxBatch: number, maxTokens = Infinity): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const i of order) {
    const len = Math.max(1, lengths[i]);
    const wouldBe = Math.max(longest, len) * (current.length + 1);
    if (current.length > 0 && (current.length >= maxBatch || wouldBe > maxTokens)) {
      batches.push(current);
      current = [];
      longest = 0;
    }
    current.push(i);
    longest = Math.max(longest, len);
  }
  if (current.length) batches.push(current);
  return batches;
}

/** A positive integer option, or a RangeError naming it. */
export function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
