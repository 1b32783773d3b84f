/** Pairwise ranking on a synthetic set with a known order, AUC per breakpoint, passage features. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fitRanker, score, breakpointAucs, rawPassageFeatures, UnigramModel, tokens } from '../src/scale/passage';
import { sparseRow, fitSoftmax, softmaxProbs } from '../src/scale/linear';
import { auc } from '../src/metrics/auc';
import { pearson } from '../src/metrics/correlation';
import { Rng } from '../src/runtime/rng';

test('auc: Mann-Whitney with ties half', () => {
  assert.equal(auc([3, 4], [1, 2]), 1);
  assert.equal(auc([1, 2], [3, 4]), 0);
  assert.equal(auc([2, 2], [2, 2]), 0.5);
  assert.equal(auc([0.9, 0.4], [0.4, 0.1]), (1 + 1 + 0.5 + 1) / 4);
});

test('ranking by regression on pair differences recovers a known order', () => {
  // 200 items, 6 sparse features, true difficulty = x . w*; pairs labelled with the difference
  const rng = new Rng(1);
  const wTrue = [3, -2, 0.5, 0, 1.5, -1];
  const rows = Array.from({ length: 200 }, () => sparseRow(wTrue.map((_, j) => [j, rng.float() < 0.7 ? rng.normal() : 0] as [number, number])));
  const truth = rows.map((r) => score(r, wTrue));
  const pairs: Array<[number, number, number]> = [];
  for (let k = 0; k < 2000; k++) {
    const i = rng.int(200);
    const j = rng.int(200);
    if (i !== j) pairs.push([i, j, truth[i] - truth[j]]);
  }
  const w = fitRanker(rows, pairs, 6, 1e-8, 300);
  wTrue.forEach((v, j) => assert.ok(Math.abs(w[j] - v) < 1e-3, `w[${j}] ${w[j]} vs ${v}`));
  const s = rows.map((r) => score(r, w));
  assert.ok(pearson(s, truth) > 0.9999);
  // ordinal levels from the true score: every breakpoint perfectly ranked
  const sorted = [...truth].sort((a, b) => a - b);
  const cut = (q: number) => sorted[Math.floor(q * 200)];
  const levels = truth.map((t) => [0.1, 0.3, 0.5, 0.7, 0.9].filter((q) => t >= cut(q)).length);
  const r = breakpointAucs(s, levels);
  assert.equal(r.macroAuc, 1);
  assert.deepEqual(Object.keys(r.aucByBreakpoint), ['A1|A2', 'A2|B1', 'B1|B2', 'B2|C1', 'C1|C2']);
  // reversed scores: AUC 0; a breakpoint with an empty side is null and left out of the macro average
  assert.equal(breakpointAucs(s.map((x) => -x), levels).macroAuc, 0);
  const two = breakpointAucs([1, 2, 3], [0, 0, 1]);
  assert.equal(two.aucByBreakpoint['A2|B1'], null);
  assert.equal(two.macroAuc, 1);
});

test('weighted softmax separates separable classes', () => {
  const rows = [0, 1, 2, 3, 4, 5].flatMap((c) => Array.from({ length: 10 }, (_, k) => sparseRow([[0, c + 0.1 * (k - 5) * 0.5], [1, 1]])));
  const labels = [0, 1, 2, 3, 4, 5].flatMap((c) => Array(10).fill(c));
  const w = fitSoftmax(rows, labels, 6, 2, { l2: 1e-6, maxIter: 500 });
  const pred = rows.map((r) => softmaxProbs(r, w, 6, 2).reduce((s, p, j) => s + p * 20 * j, 0));
  assert.ok(pearson(pred, labels) > 0.95);
});

test('passage features: chars per word, words per sentence, unigram log-likelihood and Fisher score', () => {
  const uni = new UnigramModel([['the', 6], ['cat', 2], ['sat', 1]]);
  // C = 9, V = 3: θ = (c + .5) / (9 + .5 * 4) = (c + .5) / 11
  assert.ok(Math.abs(uni.prob('the') - 6.5 / 11) < 1e-12);
  assert.ok(Math.abs(uni.prob('dog') - 0.5 / 11) < 1e-12);
  assert.deepEqual(tokens("The cat's hat. Dogs!"), ["the", "cat's", 'hat', 'dogs']);
  const f = rawPassageFeatures(uni, 'The cat sat. The dog sat.');
  assert.equal(f.charsPerWord, 18 / 6);
  assert.equal(f.wordsPerSentence, 3);
  const ll = (2 * Math.log(6.5 / 11) + Math.log(2.5 / 11) + 2 * Math.log(1.5 / 11) + Math.log(0.5 / 11)) / 6;
  assert.ok(Math.abs(f.loglik - ll) < 1e-12);
  // d/dθ_w of (1/N) sum c log θ = c / (N θ_w); finite difference on θ_the
  const eps = 1e-7;
  const llAt = (t: number) => (2 * Math.log(t) + Math.log(2.5 / 11) + 2 * Math.log(1.5 / 11) + Math.log(0.5 / 11)) / 6;
  const fd = (llAt(6.5 / 11 + eps) - llAt(6.5 / 11 - eps)) / (2 * eps);
  assert.ok(Math.abs(f.fisher.get('the')! - fd) < 1e-5);
  assert.ok(Math.abs(f.fisher.get('<unk>')! - 1 / (6 * (0.5 / 11))) < 1e-9);
});

test('passage scale on the embedded data (small): saved, loaded without retraining, same bytes twice', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { trainPassageScale } = await import('../src/scale/passage');
  const { savePassageScale, loadPassageScale } = await import('../src/scale/store');
  const opts = { limit: 60, cefrPairs: 300, parallelPairs: 200, maxIter: 15, perLevel: 50 };
  const a = trainPassageScale(opts);
  const b = trainPassageScale(opts);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'passage-test-'));
  await savePassageScale(a, path.join(tmp, 'a'));
  await savePassageScale(b, path.join(tmp, 'b'));
  for (const f of ['passage-scale.json', 'manifest.json']) assert.ok(fs.readFileSync(path.join(tmp, 'a', f)).equals(fs.readFileSync(path.join(tmp, 'b', f))), f);
  const back = loadPassageScale(path.join(tmp, 'a'));
  const text = 'The committee postponed its deliberations. Nobody knew why.';
  assert.ok(Math.abs(back.predict(text) - a.predict(text)) < 1e-6);
  const d = a.predict(text);
  assert.ok(d >= 0 && d <= 100);
  assert.ok(a.data.heldOutArticles.length > 30);
  fs.rmSync(tmp, { recursive: true, force: true });
});
