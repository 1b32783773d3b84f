/**
 * Seeded splits of labelled items for model selection: stratified k folds (optionally keeping groups together),
 * a stratified hold-out and a stratified sample. Labels are any numbers or strings; classes are visited in
 * sorted order (numerically when every label is a number, else by UTF-16 code units), so the same labels and
 * random stream always give the same split. Each class is shuffled with the stream (Fisher-Yates, src/runtime/rng.ts).
 */
import { Rng } from '../runtime/rng';

type Label = number | string;

/** Members of each class in item order, and the classes in their visiting order. */
function byClass<L extends Label>(labels: readonly L[]): { classes: L[]; members: Map<L, number[]> } {
  const members = new Map<L, number[]>();
  labels.forEach((l, i) => {
    const m = members.get(l);
    if (m) m.push(i);
    else members.set(l, [i]);
  });
  const classes = [...members.keys()];
  if (classes.every((c) => typeof c === 'number')) (classes as number[]).sort((a, b) => a - b);
  else classes.sort();
  return { classes, members };
}

/**
 * Stratified k-fold assignment (the idea of scikit-learn's StratifiedKFold / StratifiedGroupKFold, in a simple
 * deterministic form): the fold (0..k-1) of every item. Within each class, in class order, the units are
 * shuffled and dealt to the folds in turn, the deal continuing where the previous class ended, so fold sizes
 * differ by at most one unit per class. A unit is one item, or with `groups` all the items that share a group
 * key (e.g. copies of one text): a group never straddles two folds, and it is stratified by the label of its
 * first item. Without groups (or with every item its own group) the folds are the plain stratified ones.
 * A seed number stands for the stream `Rng.derive(seed, 'folds')`.
 */
export function stratifiedFolds<L extends Label>(labels: readonly L[], k: number, seed: Rng | number, groups?: readonly Label[]): number[] {
  const rng = typeof seed === 'number' ? Rng.derive(seed, 'folds') : seed;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`stratifiedFolds: k must be a positive integer, got ${k}`);
  if (groups && groups.length !== labels.length) throw new RangeError(`stratifiedFolds: ${groups.length} groups for ${labels.length} labels`);
  // Units in order of their first item.
  const units: number[][] = [];
  const unitOf = new Map<Label, number>();
  labels.forEach((_, i) => {
    const key = groups ? groups[i] : i;
    const u = unitOf.get(key);
    if (u === undefined) {
      unitOf.set(key, units.length);
      units.push([i]);
    } else units[u].push(i);
  });
  const { classes, members } = byClass(units.map((m) => labels[m[0]]));
  const fold = new Array<number>(labels.length).fill(0);
  let offset = 0;
  for (const c of classes) {
    const order = rng.shuffle(members.get(c)!.slice());
    order.forEach((u, r) => {
      for (const i of units[u]) fold[i] = (r + offset) % k;
    });
    offset += order.length;
  }
  return fold;
}

/** Plain (unstratified) k-fold assignment: the items in a seeded shuffle, dealt to the folds in turn. */
export function shuffledFolds(n: number, k: number, rng: Rng): number[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`shuffledFolds: k must be a positive integer, got ${k}`);
  const fold = new Array<number>(n).fill(0);
  rng.shuffle(Array.from({ length: n }, (_, i) => i)).forEach((i, r) => (fold[i] = r % k));
  return fold;
}

/** The train and test indices (ascending) of each of the k folds; a fold may have no test item. */
export function foldSplits(fold: readonly number[], k: number): Array<{ train: number[]; test: number[] }> {
  const splits = Array.from({ length: k }, () => ({ train: [] as number[], test: [] as number[] }));
  fold.forEach((f, i) => {
    for (let s = 0; s < k; s++) (s === f ? splits[s].test : splits[s].train).push(i);
  });
  return splits;
}

export interface GroupSplit {
  group: string;
  train: number[];
  test: number[];
}

/**
 * Leave-one-group-out splits (scikit-learn's LeaveOneGroupOut): one split per distinct group, in order of first
 * appearance, whose test rows are that group's and whose training rows are all the others.
 */
export function leaveOneGroupOut(groups: readonly string[]): GroupSplit[] {
  const names = [...new Set(groups)];
  return names.map((g) => ({
    group: g,
    train: groups.map((v, i) => (v !== g ? i : -1)).filter((i) => i >= 0),
    test: groups.map((v, i) => (v === g ? i : -1)).filter((i) => i >= 0),
  }));
}

/** Stratified hold-out: about `share` of each class (rounded) goes to `dev`; a class of one stays in training. */
export function stratifiedHoldout<L extends Label>(labels: readonly L[], share: number, rng: Rng): { train: number[]; dev: number[] } {
  const { classes, members } = byClass(labels);
  const train: number[] = [];
  const dev: number[] = [];
  for (const c of classes) {
    const idx = rng.shuffle(members.get(c)!.slice());
    const nDev = idx.length >= 2 ? Math.round(idx.length * share) : 0;
    dev.push(...idx.slice(0, nDev));
    train.push(...idx.slice(nDev));
  }
  return { train: train.sort((a, b) => a - b), dev: dev.sort((a, b) => a - b) };
}

/**
 * Up to `k` items of each class, drawn without replacement, always leaving at least `keep` of each class out
 * (e.g. so a held-out class keeps a row to evaluate). Indices ascending.
 */
export function perClassSample<L extends Label>(labels: readonly L[], k: number, rng: Rng, keep = 0): number[] {
  const { classes, members } = byClass(labels);
  const out: number[] = [];
  for (const c of classes) {
    const idx = rng.shuffle(members.get(c)!.slice());
    out.push(...idx.slice(0, Math.max(0, Math.min(k, idx.length - keep))));
  }
  return out.sort((a, b) => a - b);
}

/**
 * A stratified sample of `size` items that keeps the class proportions (largest-remainder apportionment,
 * Hamilton's method; ties to the larger class, then the earlier class), as the paper's uniform subsets of
 * EFCAMDAT do. Indices ascending.
 */
export function stratifiedSample<L extends Label>(labels: readonly L[], size: number, rng: Rng): number[] {
  const { classes, members } = byClass(labels);
  const count = classes.map((c) => members.get(c)!.length);
  const quotas = count.map((n) => (n * size) / labels.length);
  const take = quotas.map(Math.floor);
  let left = size - take.reduce((a, b) => a + b, 0);
  const order = classes.map((_, i) => i).sort((a, b) => quotas[b] - take[b] - (quotas[a] - take[a]) || count[b] - count[a] || a - b);
  for (const i of order) {
    if (left <= 0) break;
    take[i]++;
    left--;
  }
  const out: number[] = [];
  classes.forEach((c, i) => out.push(...rng.shuffle(members.get(c)!.slice()).slice(0, take[i])));
  return out.sort((a, b) => a - b);
}
