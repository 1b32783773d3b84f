/**
 * `pretrain` end to end on a small slice (CEFR-SP only, two steps): corpus, examples, training, evaluation per
 * corpus and the float16 export with config.json, manifest.json and README.md; the export loads with the
 * project's loader, and the manifest's rebuild command names the checkpoint's step.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PRETRAIN_DEFAULTS, pretrain, rebuildCommand, wallClock } from '../src/pretrain/pretrain';
import { CORPUS_DEFAULTS } from '../src/pretrain/corpus';

test('pretrain: a two-step run on CEFR-SP exports a loadable float16 base with its manifest', { timeout: 10 * 60 * 1000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pt-pipe-'));
  const out = path.join(dir, 'base');
  const lines: string[] = [];
  const r = await pretrain({
    workDir: path.join(dir, 'work'), outDir: out, corpora: ['cefr-sp'], examplesPerDoc: 1, seqLen: 64,
    batchSize: 2, maxSteps: 2, evalEverySteps: 2, evalMaxExamples: 4, validMaxExamples: 4, log: (l) => lines.push(l),
  });
  assert.equal(r.outDir, out);
  for (const f of ['config.json', 'model.safetensors', 'manifest.json', 'README.md']) assert.ok(fs.existsSync(path.join(out, f)), f);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.equal(m.checkpoint.step, 2);
  assert.deepEqual(Object.keys(m.validation), ['all', 'cefr-sp']);
  assert.ok(m.validation['cefr-sp'].infillTextPerplexity > 1);
  assert.match(m.rebuild, /^npx cefrlab pretrain .*--max-steps 2\b/);
  assert.equal(m.data.corpora[0].corpus, 'cefr-sp');
  assert.match(m.data.corpora[0].files[0].sha256, /^[0-9a-f]{64}$/);
  assert.ok(m.versions && m.training.backend);
  const cfg = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(cfg.torch_dtype, 'float16');
  assert.equal(cfg.resid_pdrop, 0.1, 'the preset\'s dropout for fine-tuning');
  assert.equal(m.options.dropout, 0, 'no dropout while pretraining');
  assert.match(fs.readFileSync(path.join(out, 'README.md'), 'utf8'), /npx cefrlab pretrain/);
  const { loadModel } = await import('../src/model/checkpoint');
  const model = loadModel(out);
  assert.equal(model.config.vocab_size, 50264);
  model.dispose();
  assert.ok(wallClock(path.join(dir, 'work', 'run', 'metrics.jsonl'), 2)! >= 0);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('rebuildCommand: only the options that differ from the defaults', () => {
  const base = { ...PRETRAIN_DEFAULTS, ...CORPUS_DEFAULTS, workDir: 'w', outDir: 'o', corpora: [] };
  assert.equal(rebuildCommand(base as never), 'npx cefrlab pretrain');
  assert.equal(rebuildCommand({ ...base, maxSteps: 1701, lr: 5e-4 } as never), 'npx cefrlab pretrain --max-steps 1701 --lr 0.0005');
});
