/**
 * The commands end to end on real learner text: prepare a small stratified sample of the embedded corpus,
 * build ILM examples, `train` a tiny model for a few steps, `eval` it (with a single-type test set) and
 * `compare` two experiments. Numbers are checked for consistency, not hard-coded.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../src/cli/main';
import { prepare } from '../src/corpus/prepare';
import { buildExamples } from '../src/ilm/examples';
import { readMetrics } from '../src/train/metrics';

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((c: string | Uint8Array) => (chunks.push(String(c)), true)) as typeof process.stdout.write;
  try {
    const code = await main(args);
    return { code, out: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}

test('train, eval and compare from the command line', async () => {
  process.env.CEFRLAB_QUIET = '1';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'train-cli-'));
  const data = path.join(dir, 'data');
  const ex = path.join(dir, 'examples');
  await prepare({ out: data, sampleSize: 40, seed: 0, showProgress: false });
  for (const split of ['train', 'valid', 'test']) await buildExamples(split, data, ex, { seed: 0, seqLen: 256, examplesPerDoc: 2, workers: 0 });
  await buildExamples('test', data, ex, { seed: 0, seqLen: 256, mask: 'word', name: 'test-word', examplesPerDoc: 2, workers: 0 });

  const exp = path.join(dir, 'exp');
  const args = ['train', exp, ex, '--model', 'tiny', '--max-steps', '3', '--batch-size', '2', '--accum', '1', '--lr', '1e-3',
    '--eval-every-steps', '2', '--eval-max-examples', '4', '--json'];
  const trained = await run(args);
  assert.equal(trained.code, 0);
  const result = JSON.parse(trained.out);
  assert.equal(result.step, 3);
  assert.equal(result.stopped, 'max-steps');
  const manifest = JSON.parse(fs.readFileSync(path.join(exp, 'manifest.json'), 'utf8'));
  assert.equal(manifest.data.level, 'all');
  assert.equal(manifest.data.train.files[0].sha256.length, 64);
  assert.equal(manifest.options.seqLen, 256);
  assert.equal(manifest.model.parameters, 6863360);
  assert.ok(fs.readdirSync(exp).some((n) => n.startsWith('events.out.tfevents.')));
  const evals = readMetrics(path.join(exp, 'metrics.jsonl')).filter((r) => r.kind === 'eval');
  assert.deepEqual(evals.map((r) => r.step), [2, 3]);
  assert.equal(result.bestInfillLoss, Math.min(...evals.map((r) => r.infill_loss as number)));

  // Run again: the experiment is complete, nothing changes.
  const before = fs.readFileSync(path.join(exp, 'checkpoints/last/model.safetensors'));
  assert.equal((await run(args)).code, 0);
  assert.ok(fs.readFileSync(path.join(exp, 'checkpoints/last/model.safetensors')).equals(before));

  const evaluated = await run(['eval', exp, ex, '--max-examples', '4', '--json']);
  assert.equal(evaluated.code, 0);
  const e = JSON.parse(evaluated.out);
  assert.equal(e.overall.examples, 4);
  assert.ok(e.overall.infill.tokens > e.overall.infillTextOnly.tokens);
  assert.ok(Math.abs(e.overall.infillTextOnly.perplexity - Math.exp(e.overall.infillTextOnly.loss)) < 1e-6 * e.overall.infillTextOnly.perplexity);
  assert.deepEqual(e.perMaskType.map((p: { mask: string }) => p.mask), ['word']);

  // without --json: the table alone, no JSON after it
  const table = await run(['eval', exp, ex, '--max-examples', '4']);
  assert.equal(table.code, 0);
  assert.match(table.out, /Headline: infill-text-only perplexity/);
  // each set named with the mask it was built with (the main set's from its store, not assumed)
  assert.match(table.out, /^test \(hierarchical\) /m);
  assert.match(table.out, /^test-word \(word\) /m);
  assert.equal(e.mask, 'hierarchical');
  const wordTable = await run(['eval', exp, ex, '--tag', 'test-word', '--max-examples', '4']);
  assert.equal(wordTable.code, 0);
  assert.match(wordTable.out.split('\n')[2], /^test-word \(word\) /, wordTable.out);
  assert.ok(!table.out.includes('{'), 'no JSON in the table output');

  const out = path.join(dir, 'comparison.json');
  const compared = await run(['compare', '--models', `general=${exp}`, `B1=${exp}`, '--tests', `B1=${ex}`, '--max-examples', '4', '--out', out, '--json']);
  assert.equal(compared.code, 0);
  const c = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.deepEqual(c.models, ['general', 'B1']);
  assert.ok(Math.abs(c.matrix[0][0] - e.overall.infillTextOnly.perplexity) < 1e-6 * c.matrix[0][0], 'compare and eval agree on the same sample');
  assert.equal(c.gains.length, 1);
  assert.ok(Math.abs(c.gains[0].gain) < 1e-12, 'the same model on both sides gains nothing');
  assert.ok(fs.existsSync(path.join(dir, 'comparison.html')));
});
