/** The notebook's check sentences (src/pretrain/probes.ts) from hand-made reports with known answers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { baseModelInfo, describeChecks, isOneWord, oneWordShare, type HarnessLike } from '../src/pretrain/probes';
import { accuracyByCategory } from '../src/pretrain/minimal-pairs';

const report: HarnessLike = {
  texts: [
    { skipped: null, masks: [{ type: 'word' }, { type: 'ngram' }], results: { ilm: { samples: [{ fills: [' went', 'to the'] }, { fills: ['went home', 'x'] }] } } },
    { skipped: null, masks: [{ type: 'word' }], results: { ilm: { samples: [{ fills: ['  goes '] }, { fills: [''] }] } } },
    { skipped: 'too long', masks: [{ type: 'word' }], results: { ilm: { samples: [{ fills: ['a b'] }] } } },
  ],
  summary: { ilm: { overall: { perplexity: 40, tokens: 120, texts: 2 } }, lm: { overall: { perplexity: 50, tokens: 120, texts: 2 } } },
};

test('one word: trimmed, non-empty, no inner space; only word blanks of texts not skipped count', () => {
  assert.ok(isOneWord(' went'));
  assert.ok(!isOneWord('went home'));
  assert.ok(!isOneWord('   '));
  assert.deepEqual(oneWordShare(report, 'ilm'), { fills: 4, oneWord: 2, share: 0.5 });
  assert.deepEqual(oneWordShare(report, 'other'), { fills: 0, oneWord: 0, share: null });
});

test('the check sentences carry the measured numbers and the sign test', () => {
  const results = [
    ...Array.from({ length: 40 }, (_, i) => ({ category: 'agreement', right: i < 36 })),
    ...Array.from({ length: 21 }, (_, i) => ({ category: 'article', right: i < 10 })),
  ];
  const pairs = { scoring: 'blank' as const, results: [], ...accuracyByCategory(results) };
  const lines = describeChecks({ ilmLabel: 'ilm', lmLabel: 'lm', report, pairs });
  assert.match(lines[0], /ILM 40\.0, left-to-right baseline 50\.0: the ILM is lower by 20 %/);
  assert.match(lines[1], /2 of 4 \(50\.0 %; target at least 80 %: not met\)/);
  // 46 of 61: P(X >= 46) for Binomial(61, 1/2) is about 4e-5
  assert.match(lines[2], /\(rank, the blank as written\): 46 of 61 \(75\.4 %; chance 50 %, above chance by the one-sided sign test, p = 4\.\de-5; target at least 75 %: met\); agreement 36\/40, article 10\/21\./);
  const worse = describeChecks({ ilmLabel: 'lm', lmLabel: 'ilm', report, pairs: { scoring: 'blank', results: [], ...accuracyByCategory(results.slice(40)) } });
  assert.match(worse[0], /the ILM is NOT lower here/);
  assert.match(worse[worse.length - 1], /10 of 21 .*not above chance by the one-sided sign test, p = 0\.\d{3}; target at least 75 %: not met/);
  // one sentence per scoring, each named
  const both = describeChecks({ ilmLabel: 'ilm', lmLabel: 'lm', report, pairs: [pairs, { ...pairs, scoring: 'with-next-word', ...accuracyByCategory(results.slice(40)) }] });
  assert.equal(both.length, 4);
  assert.match(both[2], /\(rank, the blank as written\): 46 of 61 .*met\)/);
  assert.match(both[3], /\(rank, scored with the word after the blank, rank's default\): 10 of 21 .*not met\)/);
});

test('baseModelInfo: a base of several stages counts the steps and token positions of all of them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'base-info-'));
  const manifest = (stage1: boolean) => ({
    model: { parameters: 10, preset: 'tiny' }, rebuild: 'npx cefrlab pretrain',
    checkpoint: { step: 2000, tokensSeen: 512_000 },
    validation: { all: { examples: 3, contextPerplexity: 9, infillPerplexity: 8, infillTextPerplexity: 7 } },
    ...(stage1 ? { stage1: { checkpoint: { step: 2800, tokensSeen: 716_800 } } } : {}),
  });
  fs.writeFileSync(path.join(dir, 'model.safetensors'), Buffer.alloc(16));
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest(true)));
  const two = baseModelInfo(dir);
  assert.deepEqual([two.steps, two.tokenPositions, two.bytes], [4800, 1_228_800, 16]);
  assert.deepEqual(two.validation, [{ heldOut: 'all', examples: 3, context: 9, infill: 8, infillText: 7 }]);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest(false)));
  assert.equal(baseModelInfo(dir).steps, 2000);
  // four stages: the last at the top level, the earlier three as stage1..stage3
  const four = { ...manifest(true), stage2: { checkpoint: { step: 4000, tokensSeen: 16_384_000 } }, stage3: { checkpoint: { step: 9600, tokensSeen: 39_321_600 } } };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(four));
  const all = baseModelInfo(dir);
  assert.deepEqual([all.steps, all.tokenPositions], [2000 + 2800 + 4000 + 9600, 512_000 + 716_800 + 16_384_000 + 39_321_600]);
  fs.rmSync(dir, { recursive: true, force: true });
});
