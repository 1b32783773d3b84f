/**
 * Stratified k-fold assignment with groups: items of one group (e.g. duplicate texts, duplicates.ts) always
 * land in the same fold, so a group never straddles training and test. Each group is one unit, stratified by
 * the label of its first item; within each label the units are shuffled and dealt to the folds in turn,
 * continuing the deal where the previous label ended (so fold sizes differ by at most one unit per label).
 * This is the usual stratified group k-fold idea (e.g. scikit-learn's StratifiedGroupKFold) in its simplest
 * deterministic form. Without groups (or with every item its own group) the assignment is exactly the plain
 * stratified k-fold one: the same units in the same order meet the same random draws.
 */
import type { Rng } from '../runtime/rng';

/**
 * The fold of every item. `groups[i]` is any key shared by the items that must stay together (e.g. the index
 * of the first copy of a text); labels are sorted numerically when all are numbers, as strings otherwise.
 */
export function stratifiedGroupFolds<L extends number | string>(labels: readonly L[], k: number, rng: Rng, groups?: readonly (number | string)[]): number[] {
  if (groups && groups.length !== labels.length) throw new RangeError(`groups has ${groups.length} entries for ${labels.length} labels`);
  // Units in order of their first item; a unit's label is its first item's.
  const unitOf = new Map<number | string, number>();
  const units: number[][] = [];
  labels.forEach((_, i) => {
    const key = groups ? groups[i] : i;
    let u = unitOf.get(key);
    if (u === undefined) {
      u = units.length;
      unitOf.set(key, u);
      units.push([]);
    }
    units[u].push(i);
  });
  const byLabel = new Map<L, number[]>();
  units.forEach((members, u) => {
    const l = labels[members[0]];
    if (!byLabel.has(l)) byLabel.set(l, []);
    byLabel.get(l)!.push(u);
  });
  const keys = [...byLabel.keys()];
  if (keys.every((x) => typeof x === 'number')) (keys as number[]).sort((a, b) => a - b);
  else keys.sort();
  const fold = new Array<number>(labels.length).fill(0);
  let offset = 0;
  for (const key of keys) {
    const order = rng.shuffle(byLabel.get(key)!.slice());
    order.forEach((u, r) => {
      for (const i of units[u]) fold[i] = (r + offset) % k;
    });
    offset += order.length;
  }
  return fold;
}
