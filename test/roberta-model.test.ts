/**
 * The `roberta:DIR` encoder on the tiny random RoBERTa of test/fixtures/roberta-tiny: the encoder built from a
 * spec gives the reference's pooled vectors (bench/bert/reference.py, float64), name variants load to the same
 * vectors, and wrong directories (a BERT, a DeBERTa, weights only as pytorch_model.bin, mismatched files) are
 * UserErrors naming the file and the fix.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../src/runtime/backend';
import { UserError } from '../src/runtime/errors';
import { BertConfig } from '../src/model/bert';
import { writeRandomBert } from '../src/model/bert-random';
import { learnMerges } from '../src/model/roberta-random';
import { readSafetensors, writeSafetensors, TensorToWrite } from '../src/model/safetensors';
import { createEncoder, parseEncoderSpec } from '../src/classify/spec';
import { createBertEncoder, createRobertaEncoder } from '../src/classify/encoder-bert';
import { main } from '../src/cli/main';
import { readLabelledCsv } from '../src/classify/data';
import { maxAbsDiff } from './array-helpers';

const FIXTURE = path.join(__dirname, 'fixtures', 'roberta-tiny');
const ref = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'reference.json'), 'utf8')) as { texts: string[]; shape: number[]; pooled: number[] };
const H = 32;

let root: string;

before(async () => {
  await initBackend();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-roberta-'));
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

test('learnMerges joins the most frequent pair first and stops at pairs seen once', () => {
  // "ab", " ab", " ab": a b 3 times, Ġ a twice -> a b; then Ġ ab twice -> Ġ ab; then nothing repeats.
  assert.deepEqual(learnMerges(['ab ab ab'], 10), [['a', 'b'], ['\u0120', 'ab']]);
  assert.deepEqual(learnMerges(['ab ab ab'], 1), [['a', 'b']]);
  // Ties go to the pair that sorts first: "x y" and "y z" both twice.
  assert.deepEqual(learnMerges(['xyz', 'xyz'], 1), [['x', 'y']]);
});

test('spec roberta:DIR parses, alone and combined', () => {
  assert.deepEqual(parseEncoderSpec('roberta:/m/roberta-base'), [{ kind: 'roberta', dir: '/m/roberta-base' }]);
  assert.deepEqual(parseEncoderSpec('features+roberta:/m/r'), [{ kind: 'features' }, { kind: 'roberta', dir: '/m/r' }]);
  assert.throws(() => parseEncoderSpec('roberta:'), (e: unknown) => e instanceof UserError && e.message.includes('needs a directory'));
});

test('the encoder of "roberta:DIR" gives the reference\'s pooled vectors, in order, whatever the batching', async () => {
  const enc = await createEncoder(`roberta:${FIXTURE}`, { maxTokens: 64 });
  try {
    assert.equal(enc.dim, H);
    assert.equal(enc.spec, `roberta:${FIXTURE}`);
    assert.match(enc.id, /^[0-9a-f]{64}$/);
    const vecs = await enc.encode(ref.texts);
    ref.texts.forEach((_, i) => {
      const d = maxAbsDiff(vecs[i], ref.pooled.slice(i * H, (i + 1) * H));
      assert.ok(d < 1e-4, `text ${i}: pooled vector differs by ${d}`);
    });
  } finally {
    enc.dispose?.();
  }
  // The default token limit is the model's 64 positions (66 minus RoBERTa's offset of 2); 65 is refused.
  const dflt = createRobertaEncoder(FIXTURE);
  dflt.dispose?.();
  assert.throws(() => createRobertaEncoder(FIXTURE, { maxTokens: 65 }), (e: unknown) => e instanceof UserError && e.message.includes('3 to 64') && e.message.includes('<s>'));
});

test('names without "roberta." load to the same vectors', async () => {
  const alt = path.join(root, 'unprefixed');
  fs.cpSync(FIXTURE, alt, { recursive: true });
  const renamed = new Map<string, TensorToWrite>();
  for (const [name, t] of readSafetensors(path.join(FIXTURE, 'model.safetensors'))) renamed.set(name.replace(/^roberta\./, ''), t);
  renamed.set('lm_head.bias', { shape: [3], data: new Float32Array(3) });
  renamed.set('embeddings.position_ids', { shape: [1, 66], data: Float32Array.from({ length: 66 }, (_, i) => i) });
  writeSafetensors(path.join(alt, 'model.safetensors'), renamed);
  const a = createRobertaEncoder(FIXTURE, { maxTokens: 64 });
  const b = createRobertaEncoder(alt, { maxTokens: 64 });
  try {
    const [va, vb] = [await a.encode(ref.texts), await b.encode(ref.texts)];
    for (let i = 0; i < ref.texts.length; i++) assert.equal(maxAbsDiff(va[i], vb[i]), 0);
  } finally {
    a.dispose?.();
    b.dispose?.();
  }
});

test('the wrong family, DeBERTa, pytorch_model.bin only and mismatched files are UserErrors with the fix', () => {
  const bert = path.join(root, 'bert');
  const TINY: BertConfig = { vocab_size: 0, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 64, hidden_act: 'gelu', max_position_embeddings: 64, type_vocab_size: 2, layer_norm_eps: 1e-12 };
  writeRandomBert(bert, { config: TINY, seed: 1 });
  const isUserError = (...parts: string[]) => (e: unknown) => e instanceof UserError && parts.every((p) => e.message.includes(p)) && e.message.includes('Fix:');
  // Each spec on the other family's directory names the right spec (before any missing file).
  assert.throws(() => createRobertaEncoder(bert), isUserError('model_type', `bert:${bert}`));
  const rob = path.join(root, 'rob');
  fs.cpSync(FIXTURE, rob, { recursive: true });
  assert.throws(() => createBertEncoder(rob), isUserError('model_type', `roberta:${rob}`));
  const cfg = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(rob, 'config.json'), JSON.stringify({ ...cfg, model_type: 'deberta-v2' }));
  assert.throws(() => createRobertaEncoder(rob), isUserError('DeBERTa', 'relative'));
  fs.writeFileSync(path.join(rob, 'config.json'), JSON.stringify({ ...cfg, pad_token_id: 0 }));
  assert.throws(() => createRobertaEncoder(rob), isUserError('pad_token_id is 0'));
  fs.writeFileSync(path.join(rob, 'config.json'), JSON.stringify({ ...cfg, vocab_size: 100 }));
  assert.throws(() => createRobertaEncoder(rob), isUserError('vocab_size 100'));
  fs.writeFileSync(path.join(rob, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 3 }));
  assert.throws(() => createRobertaEncoder(rob), isUserError('missing', 'encoder.layer.2'));
  fs.copyFileSync(path.join(FIXTURE, 'config.json'), path.join(rob, 'config.json'));
  fs.renameSync(path.join(rob, 'model.safetensors'), path.join(rob, 'pytorch_model.bin'));
  assert.throws(() => createRobertaEncoder(rob), isUserError('pytorch_model.bin', 'RobertaModel', 'safe_serialization'));
  fs.renameSync(path.join(rob, 'pytorch_model.bin'), path.join(rob, 'model.safetensors'));
  fs.rmSync(path.join(rob, 'merges.txt'));
  assert.throws(() => createRobertaEncoder(rob), isUserError(rob, 'merges.txt'));
});

/** Run the command line in-process, capturing what it writes as strings. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  // Only strings are captured: under `node --test` the runner sends its own (binary) reports over stdout.
  process.stdout.write = ((c: string | Uint8Array, ...rest: unknown[]) => (typeof c === 'string' ? (out.push(c), true) : (w1 as (...a: unknown[]) => boolean)(c, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array, ...rest: unknown[]) => (typeof c === 'string' ? (err.push(c), true) : (w2 as (...a: unknown[]) => boolean)(c, ...rest))) as typeof process.stderr.write;
  try {
    return { code: await main(args), out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

test('classify cv --encoder roberta:DIR runs on real answers; bert: on the same directory is refused with the right spec', async () => {
  process.env.CEFRLAB_QUIET = '1';
  process.env.CEFRLAB_EMBED_CACHE = path.join(root, 'cache');
  const rows = readLabelledCsv(path.join(__dirname, '..', 'data', 'cefr-asag', 'cefr_asag_4col.csv'));
  const pick = (level: string) => rows.filter((r) => r.level === level).slice(0, 20);
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const csv = path.join(root, 'asag.csv');
  fs.writeFileSync(csv, ['writing_id,l1,cefr_level,text', ...['A2', 'B1', 'B2'].flatMap(pick).map((r) => [r.id, 'x', r.level!, r.text].map(q).join(','))].join('\n') + '\n');
  const r = await cli(['classify', 'cv', '--csv', csv, '--encoder', `roberta:${FIXTURE}`, '--max-tokens', '64', '--head', 'logistic', '--folds', '3', '--json', '--resamples', '100']);
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(r.out);
  assert.equal(report.n, 60);
  assert.equal(report.foldAccuracy.length, 3);
  // Same inputs and seed, same report (the second run's vectors come from the cache).
  const again = await cli(['classify', 'cv', '--csv', csv, '--encoder', `roberta:${FIXTURE}`, '--max-tokens', '64', '--head', 'logistic', '--folds', '3', '--json', '--resamples', '100']);
  assert.equal(again.out, r.out);
  const wrong = await cli(['classify', 'cv', '--csv', csv, '--encoder', `bert:${FIXTURE}`, '--folds', '3']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /model_type = "roberta" is not supported by bert:DIR\. Fix: this is a RoBERTa model: use --encoder roberta:/);
});
