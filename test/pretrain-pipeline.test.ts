/**
 * `pretrain` end to end on a small slice (CEFR-SP only, two steps per stage): corpus, examples, stage 1, its
 * export, stage 2 on word blanks from it, evaluation per corpus and the float16 export with config.json,
 * manifest.json and README.md; the export loads with the project's loader, the manifest's rebuild command names
 * the steps, and a rerun reuses stage 1.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PRETRAIN_DEFAULTS, pretrain, rebuildCommand, wallClock } from '../src/pretrain/pretrain';
import { CORPUS_DEFAULTS } from '../src/corpus/pretraining';
import { UserError } from '../src/runtime/errors';
import { initBackend } from '../src/runtime/backend';

// the test file is the entry point: it chooses the backend, as the CLI does before calling pretrain()
before(async () => {
  await initBackend();
});

test('pretrain: a two-step run on CEFR-SP exports a loadable float16 base with its manifest', { timeout: 10 * 60 * 1000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-pipe-'));
  const out = path.join(dir, 'base');
  const lines: string[] = [];
  const r = await pretrain({
    workDir: path.join(dir, 'work'), outDir: out, corpora: ['cefr-sp'], examplesPerDoc: 1, seqLen: 64,
    batchSize: 2, maxSteps: 2, evalEverySteps: 2, evalMaxExamples: 4, validMaxExamples: 4, wordSteps: 2, wordBatchSize: 4, wordInitialExamplesPerDoc: 1, longSteps: 0, log: (l) => lines.push(l),
  });
  assert.equal(r.outDir, out);
  for (const f of ['config.json', 'model.safetensors', 'manifest.json', 'README.md']) assert.ok(fs.existsSync(path.join(out, f)), f);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.equal(m.checkpoint.step, 2);
  assert.deepEqual(Object.keys(m.validation), ['all', 'cefr-sp']);
  assert.ok(m.validation['cefr-sp'].infillTextPerplexity > 1);
  assert.match(m.rebuild, /^npx cefrlab pretrain .*--max-steps 2\b.*--word-steps 2\b/);
  // stage 2 continued stage 1's export (pretraining dropout 0 in its config), on denser word blanks
  assert.equal(m.stage1.checkpoint.step, 2);
  assert.match(m.training.options.init, /stage1$/);
  assert.ok(!path.isAbsolute(m.trainResult.expDir) && !path.isAbsolute(m.training.options.init), 'no absolute folders in the manifest');
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'work', 'stage1', 'config.json'), 'utf8')).resid_pdrop, 0);
  // stage 2's examples: one blanked word each, in short pieces
  const words = JSON.parse(fs.readFileSync(path.join(dir, 'work', 'examples-words', 'train', 'manifest.json'), 'utf8')).summary;
  assert.ok(words.examples > 0);
  assert.deepEqual(words.spansByType, { document: 0, paragraph: 0, sentence: 0, ngram: 0, word: words.examples });
  const pieces = fs.readFileSync(path.join(dir, 'work', 'corpus-words', 'train.txt'), 'utf8').split('\n\n\n');
  // CEFR-SP's sentences are grouped two to a piece for this stage (other corpora are cut at 40 words)
  assert.ok(pieces.length > 1 && pieces.every((t) => t.trim().split('\n').length <= 2), 'two sentences a piece');
  assert.equal(words.truncatedExamples, 0, 'examples longer than 64 tokens are dropped, never cut');
  // and stage 1's hierarchical examples are drawn in with them (cut to 64 tokens)
  const runData = JSON.parse(fs.readFileSync(path.join(dir, 'work', 'run-words', 'manifest.json'), 'utf8')).data;
  assert.match(runData.alsoTrainOn, /examples[\\/]train \(hierarchical, \d+ examples\)/);
  // with the sentence-initial word blanks: one per piece, each the first word of one of the piece's sentences
  assert.match(runData.alsoTrainOn, /examples-words[\\/]train-initial \(initial-word, \d+ examples\)/);
  const initial = JSON.parse(fs.readFileSync(path.join(dir, 'work', 'examples-words', 'train-initial', 'manifest.json'), 'utf8')).summary;
  assert.ok(initial.examples > 0 && initial.examples <= pieces.length);
  assert.equal(initial.spansByType.word, initial.examples);
  const { ExampleStore } = await import('../src/ilm/store');
  const { decodeTokens } = await import('../src/tokenize/gpt2-bpe');
  const store = ExampleStore.open(path.join(dir, 'work', 'examples-words', 'train-initial'));
  const firstWords = new Set(pieces.flatMap((t) => t.trim().split('\n').map((line) => line.trim().split(/\s+/)[0])));
  let checked = 0;
  for (const doc of store.documents()) {
    for (const ex of doc.examples) {
      const span = ex.spans[0];
      const answer = decodeTokens(doc.tokens.slice(span.tokStart, span.tokEnd)).trim();
      assert.ok(firstWords.has(answer) || [...firstWords].some((w) => w.startsWith(answer)), `"${answer}" begins a sentence`);
      checked++;
    }
    if (checked >= 50) break;
  }
  store.close();
  assert.ok(checked > 0);
  assert.match(m.rebuild, /--word-initial-examples-per-doc 1\b/);
  assert.equal(runData.train.examples, words.examples + initial.examples + JSON.parse(fs.readFileSync(path.join(dir, 'work', 'examples', 'train', 'manifest.json'), 'utf8')).summary.examples);
  assert.ok(m.stage1.validation.all.infillTextPerplexity > 1);
  assert.equal(m.data.corpora[0].corpus, 'cefr-sp');
  assert.match(m.data.corpora[0].files[0].sha256, /^[0-9a-f]{64}$/);
  assert.ok(m.versions && m.training.backend);
  const cfg = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(cfg.torch_dtype, 'float16');
  assert.equal(m.options.dropout, 0, 'no dropout while pretraining');
  assert.deepEqual([cfg.resid_pdrop, cfg.embd_pdrop, cfg.attn_pdrop], [0, 0, 0], 'and none in config.json: fine-tuning continues as pretraining ran');
  const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  assert.match(readme, /npx cefrlab pretrain/);
  assert.match(readme, /stage 1 \(hierarchical masks.*: 2 optimizer steps/);
  assert.match(readme, /stage 2 \(word blanks.*at most 40 words.*: 2 optimizer steps of 4 x 64/);
  assert.match(readme, /After stage 1 alone/);
  const { loadModel } = await import('../src/model/checkpoint');
  const model = loadModel(out);
  assert.equal(model.config.vocab_size, 50264);
  model.dispose();
  assert.ok(wallClock(path.join(dir, 'work', 'run', 'metrics.jsonl'), 2)! >= 0);
  // a rerun with the same options trains nothing again: stage 1's export is current, stage 2 is at its last step
  const again: string[] = [];
  await pretrain({
    workDir: path.join(dir, 'work'), outDir: out, corpora: ['cefr-sp'], examplesPerDoc: 1, seqLen: 64,
    batchSize: 2, maxSteps: 2, evalEverySteps: 2, evalMaxExamples: 4, validMaxExamples: 4, wordSteps: 2, wordBatchSize: 4, wordInitialExamplesPerDoc: 1, longSteps: 0, log: (l) => again.push(l),
  });
  assert.ok(again.some((l) => /^stage 1: up to date/.test(l)), again.join('\n'));
  assert.ok(!again.some((l) => /^train \d/.test(l)));
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')).checkpoint.step, 2);
  // --export-only writes the same model and keeps the run's result from its manifest
  const before = fs.readFileSync(path.join(out, 'model.safetensors'));
  await pretrain({
    workDir: path.join(dir, 'work'), outDir: out, corpora: ['cefr-sp'], examplesPerDoc: 1, seqLen: 64,
    batchSize: 2, maxSteps: 2, evalEverySteps: 2, evalMaxExamples: 4, validMaxExamples: 4, wordSteps: 2, wordBatchSize: 4, wordInitialExamplesPerDoc: 1, longSteps: 0, exportOnly: true, log: () => {},
  });
  assert.deepEqual(fs.readFileSync(path.join(out, 'model.safetensors')), before);
  const exported = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.equal(exported.trainResult.step, 2);
  assert.equal(exported.trainResult.expDir.split(path.sep).join('/').endsWith('work/run-words'), true);
  assert.ok(!path.isAbsolute(exported.trainResult.expDir));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('rebuildCommand: only the options that differ from the defaults', () => {
  const base = { ...PRETRAIN_DEFAULTS, ...CORPUS_DEFAULTS, workDir: 'w', outDir: 'o', corpora: [] };
  assert.equal(rebuildCommand(base as never), 'npx cefrlab pretrain');
  assert.equal(rebuildCommand({ ...base, maxSteps: 1701, lr: 5e-4 } as never), 'npx cefrlab pretrain --max-steps 1701 --lr 0.0005');
  assert.equal(rebuildCommand({ ...base, wordSteps: 1500 } as never), 'npx cefrlab pretrain --word-steps 1500');
  assert.equal(rebuildCommand({ ...base, wordSteps: 0 } as never), 'npx cefrlab pretrain --word-steps 0');
  assert.equal(rebuildCommand({ ...base, wordSteps: 1500, wordMix: false } as never), 'npx cefrlab pretrain --word-steps 1500 --no-word-mix');
  assert.equal(rebuildCommand({ ...base, wordMaxWords: 30, wordLr: 5e-4 } as never), 'npx cefrlab pretrain --word-max-words 30 --word-lr 0.0005');
  assert.equal(rebuildCommand({ ...base, wordLayers: 4 } as never), 'npx cefrlab pretrain --word-layers 4');
  assert.equal(rebuildCommand({ ...base, wordContextSample: 0.05 } as never), 'npx cefrlab pretrain --word-context-sample 0.05');
  // stage 3's settings appear only with stage 3
  assert.equal(rebuildCommand({ ...base, longSteps: 0, longLr: 1e-4 } as never), 'npx cefrlab pretrain --long-steps 0');
  assert.equal(rebuildCommand({ ...base, longSteps: 500, longLr: 1e-4 } as never), 'npx cefrlab pretrain --long-steps 500 --long-lr 0.0001');
  assert.equal(rebuildCommand({ ...base, denseSteps: 0, denseP: 0.3 } as never), 'npx cefrlab pretrain');
  assert.equal(rebuildCommand({ ...base, denseSteps: 900, denseP: 0.3 } as never), 'npx cefrlab pretrain --dense-steps 900 --dense-p 0.3');
  assert.equal(rebuildCommand({ ...base, wordSteps: 0, longSteps: 0, denseSteps: 0 } as never), 'npx cefrlab pretrain --word-steps 0');
});

test('pretrain --word-layers: stage 2 starts from stage 1 grown by identity blocks, and the export is that deep', { timeout: 10 * 60 * 1000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-grow-'));
  const out = path.join(dir, 'base');
  const lines: string[] = [];
  const opts = {
    workDir: path.join(dir, 'work'), outDir: out, corpora: ['cefr-sp' as const], examplesPerDoc: 1, seqLen: 64,
    batchSize: 2, maxSteps: 1, evalEverySteps: 1, evalMaxExamples: 4, validMaxExamples: 4, wordSteps: 1, wordBatchSize: 4, wordLayers: 3, wordContextSample: 0.5, longSteps: 0,
  };
  const r = await pretrain({ ...opts, log: (l) => lines.push(l) });
  assert.ok(lines.some((l) => /stage 2 starts from stage 1 grown from 2 to 3 layers/.test(l)), lines.join('\n'));
  const { loadModel } = await import('../src/model/checkpoint');
  const stage1 = loadModel(path.join(dir, 'work', 'stage1'));
  const grown = loadModel(path.join(dir, 'work', 'stage1-grown'));
  const exported = loadModel(out);
  assert.deepEqual([stage1.config.n_layer, grown.config.n_layer, exported.config.n_layer], [2, 3, 3]);
  // the grown start holds stage 1's weights as they were (fp16 on both sides) and a zero output in the new block
  const same = (name: string) => {
    const a = grown.weights.get(name)!.dataSync();
    const b = stage1.weights.get(name)!.dataSync();
    return a.length === b.length && a.every((v, i) => v === b[i]);
  };
  assert.ok(same('transformer.wte.weight') && same('transformer.h.1.mlp.c_fc.weight'));
  assert.ok((grown.weights.get('transformer.h.2.mlp.c_proj.weight')!.dataSync() as Float32Array).every((v) => v === 0));
  for (const m of [stage1, grown, exported]) m.dispose();
  const m = r.manifest as { training: { options: { init: string } }; rebuild: string };
  assert.match(m.training.options.init, /stage1-grown$/);
  assert.match(m.rebuild, /--word-layers 3\b/);
  const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  assert.match(readme, /from stage 1's weights grown to 3 layers/);
  // stage 2 has its own context share; stage 1 keeps the default, so its export stays current
  assert.match(m.rebuild, /--word-context-sample 0\.5\b/);
  assert.match(readme, /stage 2 .*the same loss with the context at 50 % of its targets/);
  const runOptions = (d: string) => JSON.parse(fs.readFileSync(path.join(dir, 'work', d, 'manifest.json'), 'utf8')).options;
  assert.deepEqual([runOptions('run').contextSample, runOptions('run-words').contextSample], [PRETRAIN_DEFAULTS.contextSample, 0.5]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A run small enough for a test, on CEFR-SP alone: one step each of stages 1 and 2, stage 3's pieces of 60 words. */
function laterStageRun(dir: string, out: string) {
  return {
    workDir: path.join(dir, 'work'), outDir: out, corpora: ['cefr-sp' as const], examplesPerDoc: 1, seqLen: 96,
    batchSize: 2, maxSteps: 1, evalEverySteps: 1, evalMaxExamples: 4, validMaxExamples: 4, wordSteps: 1, wordBatchSize: 4,
    longMaxWords: 60, longSeqLen: 96, longBatchSize: 3,
  };
}

test('pretrain --long-steps: a third stage in longer pieces from stage 2\'s export, which a rerun reuses without stage 1', { timeout: 10 * 60 * 1000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-long-'));
  const out = path.join(dir, 'base');
  const opts = { ...laterStageRun(dir, out), longSteps: 2, longContextSample: 0.5 };
  const r = await pretrain({ ...opts, log: () => {} });
  const work = (...p: string[]) => path.join(dir, 'work', ...p);
  const runManifest = (d: string) => JSON.parse(fs.readFileSync(work(d, 'manifest.json'), 'utf8'));
  // stage 3 trained from stage 2's export on its own pieces and examples, with its own settings
  assert.ok(fs.existsSync(work('stage2', 'model.safetensors')));
  const long = runManifest('run-long');
  assert.equal(long.options.init, '../stage2', 'the run records its start relative to its folder');
  assert.deepEqual([long.options.batchSize, long.options.seqLen, long.options.contextSample, long.options.maxSteps], [3, 96, 0.5, 2]);
  const pieces = fs.readFileSync(work('corpus-long', 'train.txt'), 'utf8').split('\n\n\n');
  const shortPieces = fs.readFileSync(work('corpus-words', 'train.txt'), 'utf8').split('\n\n\n');
  assert.ok(pieces.length > 1 && pieces.length <= shortPieces.length, 'pieces of at most 60 words: no more of them than of 40');
  const words = JSON.parse(fs.readFileSync(work('examples-long', 'train', 'manifest.json'), 'utf8')).summary;
  assert.deepEqual(words.spansByType, { document: 0, paragraph: 0, sentence: 0, ngram: 0, word: words.examples });
  // the export records all three stages, and its README and rebuild command say so
  const m = r.manifest as { checkpoint: { step: number }; stage1: { checkpoint: { step: number } }; stage2: { checkpoint: { step: number } }; rebuild: string };
  assert.deepEqual([m.stage1.checkpoint.step, m.stage2.checkpoint.step, m.checkpoint.step], [1, 1, 2]);
  assert.match(m.rebuild, /--word-steps 1\b.*--long-steps 2 --long-max-words 60 --long-seq-len 96 --long-batch-size 3 --long-context-sample 0\.5$/);
  const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  assert.match(readme, /stage 2 \(word blanks.*: 1 optimizer steps of 4 x 64/);
  assert.match(readme, /stage 3 \(word blanks in longer pieces.*at most 60 words.*: 2 optimizer steps of 3 x 96.*context at 50 % of its targets/);
  assert.match(readme, /After stage 2, on the same examples/);
  // a rerun needs neither stage 1 nor stage 2 again: stage 2's export is current, and stage 1's is not even read
  fs.rmSync(work('stage1'), { recursive: true });
  const again: string[] = [];
  await pretrain({ ...opts, log: (l) => again.push(l) });
  assert.ok(again.some((l) => /^stage 2: up to date/.test(l)), again.join('\n'));
  assert.ok(!again.some((l) => /^train \d/.test(l) || /^stage 1/.test(l)), again.join('\n'));
  assert.ok(!fs.existsSync(work('stage1')));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('pretrain --dense-steps: a fourth stage with several word blanks a piece from stage 3\'s export, which a rerun reuses alone', { timeout: 10 * 60 * 1000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-dense-'));
  const out = path.join(dir, 'base');
  const opts = { ...laterStageRun(dir, out), longSteps: 1, denseSteps: 2, denseP: 0.3, denseLr: 1e-4 };
  const r = await pretrain({ ...opts, log: () => {} });
  const work = (...p: string[]) => path.join(dir, 'work', ...p);
  const json = (...p: string[]) => JSON.parse(fs.readFileSync(work(...p), 'utf8'));
  // stage 4 trained from stage 3's export, on stage 3's pieces, with about 30 % of the words blanked
  assert.ok(fs.existsSync(work('stage3', 'model.safetensors')));
  const run = json('run-dense', 'manifest.json');
  assert.equal(run.options.init, '../stage3');
  assert.deepEqual([run.options.batchSize, run.options.seqLen, run.options.lr, run.options.maxSteps], [3, 96, 1e-4, 2]);
  const dense = json('examples-dense', 'train', 'manifest.json');
  assert.deepEqual([dense.options.mask, dense.options.p, dense.options.pFunction], ['random-words', 0.3, PRETRAIN_DEFAULTS.denseFunctionP]);
  assert.match(dense.regenerate, /--mask random-words --p 0\.3 --p-function 0\.25 /);
  assert.deepEqual(Object.keys(dense.inputs).map((f) => path.basename(path.dirname(f))), ['corpus-long'], 'stage 3\'s pieces');
  const s = dense.summary;
  assert.equal(s.spansByType.word, Object.values(s.spansByType as Record<string, number>).reduce((a, b) => a + b, 0), 'word blanks only');
  assert.ok(s.spansByType.word > 2 * s.examples, `${s.spansByType.word} blanks in ${s.examples} examples`);
  assert.ok(s.tokenMaskRate > 0.15 && s.tokenMaskRate < 0.45, `token mask rate ${s.tokenMaskRate}`);
  // held out: one word a piece, the measure of stage 3
  assert.deepEqual(json('examples-dense', 'valid', 'manifest.json').summary.spansByType.word, json('examples-long', 'valid', 'manifest.json').summary.examples);
  // the export records the four stages; its README and rebuild command say so; stage 3's own export says it had no stage 4
  const m = r.manifest as { checkpoint: { step: number }; stage1: { checkpoint: { step: number } }; stage2: { checkpoint: { step: number } }; stage3: { checkpoint: { step: number } }; rebuild: string };
  assert.deepEqual([m.stage1.checkpoint.step, m.stage2.checkpoint.step, m.stage3.checkpoint.step, m.checkpoint.step], [1, 1, 1, 2]);
  assert.match(m.rebuild, /--long-steps 1 .*--dense-steps 2 --dense-p 0\.3 --dense-lr 0\.0001$/);
  assert.match(json('stage3', 'manifest.json').rebuild, /--long-steps 1 --long-max-words 60 --long-seq-len 96 --long-batch-size 3$/);
  const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  assert.match(readme, /stage 3 \(word blanks in longer pieces.*: 1 optimizer steps of 3 x 96/);
  assert.match(readme, /stage 4 \(several word blanks a piece.*function words blanked with probability 0\.25 and other words with 0\.3.*: 2 optimizer steps of 3 x 96.*AdamW at 0\.0001/);
  assert.match(readme, /all four on /);
  assert.match(readme, /After stage 3, on the same examples/);
  // a rerun needs only stage 4: stage 3's export is current, and neither stage 1 nor stage 2 is read
  fs.rmSync(work('stage1'), { recursive: true });
  fs.rmSync(work('stage2'), { recursive: true });
  const again: string[] = [];
  await pretrain({ ...opts, log: (l) => again.push(l) });
  assert.ok(again.some((l) => /^stage 3: up to date/.test(l)), again.join('\n'));
  assert.ok(!again.some((l) => /^train \d/.test(l) || /^stage [12]/.test(l)), again.join('\n'));
  assert.ok(!fs.existsSync(work('stage1')) && !fs.existsSync(work('stage2')));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('pretrain --word-layers: refused before any work when it cannot apply, with the fix', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-grow-bad-'));
  const bad = (o: Parameters<typeof pretrain>[0], re: RegExp) =>
    assert.rejects(pretrain({ workDir: path.join(dir, 'work'), outDir: path.join(dir, 'out'), ...o, log: () => {} }), (e: unknown) => e instanceof UserError && re.test(e.message));
  await bad({ wordLayers: 1 }, /--word-layers 1 is fewer than stage 1's 2 layers.*Fix: give at least 2/);
  await bad({ wordLayers: 4, wordSteps: 0 }, /--word-steps 0 skips that stage\. Fix/);
  await bad({ wordContextSample: 0 }, /--word-context-sample must be in \(0, 1\], got 0\. Fix/);
  await bad({ longSteps: 100, wordSteps: 0 }, /--long-steps 100 continues stage 2, but --word-steps 0 skips it\. Fix/);
  await bad({ denseSteps: 100, longSteps: 0 }, /--dense-steps 100 continues stage 3, but --long-steps 0 skips stage 3\. Fix/);
  await bad({ denseSteps: 100, wordSteps: 0 }, /--dense-steps 100 continues stage 3, but --word-steps 0 skips stages 2 and 3\. Fix/);
  await bad({ denseP: 1 }, /--dense-p must be a probability in \(0, 1\), got 1\. Fix/);
  assert.ok(!fs.existsSync(path.join(dir, 'work')), 'nothing was built');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('cefrlab pretrain: the options reach the pipeline by name (a stage\'s settings too), refusals exit before any work', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-cli-'));
  const run = (...args: string[]) => spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'cefrlab.js'), 'pretrain', '--work-dir', path.join(dir, 'work'), '--out', path.join(dir, 'out'), ...args], { encoding: 'utf8' });
  const dense = run('--dense-steps', '5', '--long-steps', '0');
  assert.equal(dense.status, 2, dense.stderr);
  assert.match(dense.stderr, /--dense-steps 5 continues stage 3, but --long-steps 0 skips stage 3\. Fix/);
  const share = run('--long-context-sample', '0');
  assert.equal(share.status, 2, share.stderr);
  assert.match(share.stderr, /--long-context-sample must be in \(0, 1\], got 0\. Fix/);
  const p = run('--dense-function-p', '1');
  assert.match(p.stderr, /--dense-function-p must be a probability in \(0, 1\), got 1\. Fix/);
  // the help shows each stage's defaults from the one place they are kept
  const help = spawnSync(process.execPath, [path.join(__dirname, '..', 'bin', 'cefrlab.js'), 'pretrain', '--help'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
  assert.match(help, new RegExp(`--word-batch-size <n> stage 2: examples per step \\(default ${PRETRAIN_DEFAULTS.wordBatchSize}\\)`));
  assert.match(help, new RegExp(`--long-batch-size <n> stage 3: examples per step \\(default ${PRETRAIN_DEFAULTS.longBatchSize}\\)`));
  assert.ok(!fs.existsSync(path.join(dir, 'work')), 'nothing was built');
  fs.rmSync(dir, { recursive: true, force: true });
});
