/**
 * What a new user meets on the built command line (bin/cefrlab.js on dist/, built here first): output paths
 * checked before the work, --model against --init, the blank-type bound on generated tokens, progress on long
 * work, messages that name the path and the fix, and help that fits a screen.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import { SUMMARIES, SUMMARY_MAX } from '../src/cli/summaries';
import { buildProgram } from '../src/cli/main';
import type { Command } from 'commander';
import { MAX_NEW_TOKENS_PER_BLANK, defaultMaxNewTokens } from '../src/infill/defaults';
import { encodeText } from '../src/infill/vocab';
import { scheduleApplies } from '../src/train/run-manifest';
import { textTable } from '../src/runtime/text-table';
import { evalTable } from '../src/evaluate/run';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'cefrlab.js');
const ASAG = path.join(ROOT, 'data', 'cefr-asag', 'cefr_asag.csv');
const ASAG4 = path.join(ROOT, 'data', 'cefr-asag', 'cefr_asag_4col.csv');
const BASE = path.join(ROOT, 'data', 'models', 'base');

let dir = '';

function cli(args: string[], opts: { input?: string; env?: Record<string, string>; cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? dir, input: opts.input ?? '', encoding: 'utf8', env: { ...process.env, CEFRLAB_TSX: '', ...opts.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStack = (s: string) => assert.doesNotMatch(s, /\n\s+at .+:\d+:\d+/, `no stack trace: ${s}`);

before(() => {
  // Built here when src/ changed since the last build (a build swaps dist/ whole, so it is left alone otherwise).
  if (!require('../bin/sources').distIsFresh()) execFileSync(process.execPath, [path.join(ROOT, 'bin', 'build.js')], { stdio: 'pipe' });
  assert.ok(require('../bin/sources').distIsFresh(), 'the commands run the built CLI');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-newcomer-'));
  fs.writeFileSync(path.join(dir, 'file.csv'), 'a,b\n1,2\n');
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('item 2: an output path that cannot be created stops every writing command first, with exit 2 and no stack', () => {
  const bad = path.join(dir, 'file.csv', 'x.csv'); // under a file
  const badDir = path.join(dir, 'file.csv', 'out');
  const missing = path.join(dir, 'missing');
  // Inputs are missing on purpose: the output check must come first, so the message is about the output.
  const commands: string[][] = [
    ['baseline', 'length', '--csv', ASAG, '--label', 'cefr_level', '--predict', ASAG, '-o', bad],
    ['classify', 'predict', missing, '--csv', ASAG4, '-o', bad],
    ['classify', 'eval', missing, '--csv', ASAG4, '-o', bad],
    ['classify', 'train', '--csv', ASAG4, '--out', badDir],
    ['awe', 'predict', missing, '--csv', ASAG, '-o', bad],
    ['awe', 'train', '--csv', ASAG, '--label', 'cefr_level', '--out', badDir],
    ['prepare', '--csv', ASAG4, '--out', badDir],
    ['items', 'bank', '--out', bad],
    ['irt', 'calibrate', '--responses', missing, '-o', bad],
    ['cat', 'simulate', '--bank', missing, '-o', bad],
    ['agreement', '--csv', missing, '--human', 'examiner1', '-o', bad],
    ['rate', '--csv', missing, '--model', 'm', '-o', bad],
    ['scale', 'passage', 'predict', '--csv', missing, '-o', bad],
    ['scale', 'vocab', 'train', '--out', badDir],
    ['ilm-eval', '--models', `ilm:${missing}`, '-o', bad],
    ['compare', '--models', missing, '--tests', missing, '--out', bad],
    ['eval', missing, missing, '--out', bad],
    ['train', badDir, missing],
    ['examples', 'train', missing, badDir],
    ['pipeline', 'init', '--out', bad],
  ];
  for (const args of commands) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /cannot be created, because .*file\.csv is a file, not a folder\. Fix: /, args.join(' '));
    noStack(r.stderr);
  }
  // A folder where the file should go.
  const r = cli(['baseline', 'length', '--csv', ASAG, '--label', 'cefr_level', '--predict', ASAG, '-o', dir]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /is a folder, not a file/);
  assert.ok(!fs.existsSync(path.join(dir, 'file.csv', 'out')));
});

test('item 5: --model that contradicts --init is refused; an unknown preset creates nothing; help says what training costs', () => {
  const exp = path.join(dir, 'exp-small');
  const r = cli(['train', exp, path.join(dir, 'no-examples'), '--model', 'small', '--init', 'base']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--model small \(4 layers, 256 wide, 4 heads\) contradicts --init .*\(2 layers, 128 wide, 4 heads\).*Fix: leave out --model \(or write --model tiny\)/);
  assert.ok(!fs.existsSync(exp), 'nothing created');
  // The same shape is accepted: the next problem is the missing examples, not the model.
  const same = cli(['train', exp, path.join(dir, 'no-examples'), '--model', 'tiny', '--init', 'base']);
  assert.doesNotMatch(same.stderr, /contradicts/);
  const huge = cli(['train', path.join(dir, 'exp-huge'), path.join(dir, 'no-examples'), '--model', 'huge']);
  assert.equal(huge.status, 2);
  assert.match(huge.stderr, /--model huge is not a preset. Fix: use one of gpt2, tiny, small/);
  assert.ok(!fs.existsSync(path.join(dir, 'exp-huge')), 'no empty experiment folder');
  const help = cli(['train', '--help']).stdout.replace(/\s+/g, ' ');
  assert.match(help, /recommended on a laptop: --init base/);
  assert.match(help, /Cost on a 2-core laptop.*s per step/s);
  assert.doesNotMatch(help, /train on a CPU in minutes/);
});

test('item 7: a blank\'s type bounds the generated tokens; the table is in --help and fits every word of the corpus', () => {
  assert.equal(defaultMaxNewTokens(['word']), MAX_NEW_TOKENS_PER_BLANK.word);
  assert.equal(defaultMaxNewTokens(['word', 'sentence']), MAX_NEW_TOKENS_PER_BLANK.word + MAX_NEW_TOKENS_PER_BLANK.sentence);
  // Every word of the embedded learner answers, with the end-of-answer token, fits a word blank's budget.
  const words = new Set(fs.readFileSync(ASAG4, 'utf8').match(/[A-Za-z']+/g) ?? []);
  let longest = 0;
  for (const w of words) longest = Math.max(longest, encodeText(` ${w}`).length);
  assert.ok(longest + 1 <= MAX_NEW_TOKENS_PER_BLANK.word, `longest word: ${longest} tokens`);
  assert.match(cli(['infill', '--help']).stdout.replace(/\s+/g, ' '), /by its type: word 8, ngram 24/);
  // A hot sampler on a one-word blank: no sample runs past the word budget (it ran to the model's end before).
  const r = cli(['infill', '--model', BASE, '--text', 'Yesterday I [MASK] to the cinema.', '--n', '6', '--temperature', '4', '--nucleus', '1', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const results = JSON.parse(r.stdout).results as Array<{ tokens: number[] }>;
  assert.equal(results.length, 6);
  for (const x of results) assert.ok(x.tokens.length <= MAX_NEW_TOKENS_PER_BLANK.word, `${x.tokens.length} tokens`);
});

test('item 11: eval, awe train --perplexity-models and awe predict show progress with an ETA', () => {
  assert.equal(cli(['prepare', '--csv', ASAG4, '--out', 'data', '--sample-size', '60']).status, 0);
  const ex = cli(['examples', 'test', 'data', 'ex']);
  assert.equal(ex.status, 0, ex.stderr);
  const ev = cli(['eval', BASE, 'ex', '--max-examples', '16']);
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stderr, /^eval \d+\/16 \(\d+%\) eta \S+/m);
  assert.match(ev.stderr, /^eval 16\/16 done in/m);
  const rows = parse(fs.readFileSync(ASAG, 'utf8'), { columns: true, bom: true }) as Array<Record<string, string>>;
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
  fs.writeFileSync(path.join(dir, 'small.csv'), ['text,cefr_level', ...rows.slice(0, 12).map((r) => `${q(r.text)},${r.cefr_level}`)].join('\n') + '\n');
  const tr = cli(['awe', 'train', '--csv', 'small.csv', '--label', 'cefr_level', '--out', 'awe', '--min-samples-leaf', '2', '--max-iter', '5', '--perplexity-models', BASE]);
  assert.equal(tr.status, 0, tr.stderr);
  assert.match(tr.stderr, /^perplexity under 1 model\(s\) \d+\/12 \(\d+%\) eta /m);
  const pr = cli(['awe', 'predict', 'awe', '--csv', 'small.csv', '-o', 'rated.csv']);
  assert.equal(pr.status, 0, pr.stderr);
  assert.match(pr.stderr, /^awe predict \d+\/12 \(\d+%\) eta /m);
});

test('item 12: messages name the path and the fix, in one form', () => {
  const preview = cli(['preview', '/missing']);
  assert.equal(preview.status, 2);
  assert.match(preview.stderr, /\/missing: example store not found\. Fix: check the path/);
  assert.doesNotMatch(preview.stderr, /delete it/);
  const compare = cli(['compare', '--models', path.join(dir, 'nope'), '--tests', path.join(dir, 'nope')]);
  assert.match(compare.stderr, /nope: model directory not found\. Fix: check the path, or train the model first/);
  assert.doesNotMatch(compare.stderr, /cannot tell which CEFR level/);
  const ctest = cli(['items', 'ctest', '--text', 'Only one sentence here.']);
  assert.equal(ctest.status, 2);
  assert.match(ctest.stderr, /^cefrlab: --text: the passage needs at least 3 sentences/);
  assert.doesNotMatch(ctest.stderr, /buildCTest/);
  const port = cli(['cat', 'serve', '--bank', 'x', '--port', '70000']);
  assert.match(port.stderr, /--port must be a whole number from 0 to 65535, got "70000"\. Fix: .*e\.g\. --port 8080/);
  const n = cli(['preview', 'x', '--n', '0']);
  assert.match(n.stderr, /--n must be a whole number of 1 or more, got "0"/);
  assert.doesNotMatch(n.stderr, /e\.g\. --n 1\b/);
  // A bad row is FILE:LINE in prepare and in awe alike (line 3: the header is line 1).
  fs.writeFileSync(path.join(dir, 'bad.csv'), 'writing_id,l1,cefr_level,text\n1,fr,B1,"A text\nof two lines."\n2,fr,Q9,Another text.\n');
  const prep = cli(['prepare', '--csv', 'bad.csv', '--out', 'p']);
  assert.match(prep.stderr, /bad\.csv:4: /);
  const awe = cli(['awe', 'train', '--csv', 'bad.csv', '--label', 'cefr_level', '--out', 'a']);
  assert.match(awe.stderr, /bad\.csv:4: label "Q9" is not a CEFR level.*Fix: /);
  // pretrain passes its own rate: the log must not speak of a --lr the user never gave.
  assert.doesNotMatch(scheduleApplies({ name: 'given', lr: 1e-3, warmupSteps: 0, kind: 'constant', totalSteps: 10, minLrRatio: 1 }), /--lr/);
  // interactive: `:rank eggs bread` (the command line's form) ranks two candidates and says how it read them.
  const rep = cli(['interactive', '--model', BASE, '--n', '1'], { input: 'For breakfast I like [MASK].\n:rank eggs bread\nquit\n' });
  assert.equal(rep.status, 0, rep.stderr);
  assert.match(rep.stdout, /read as 2 one-word candidates/);
  assert.match(rep.stdout, /^1\. (eggs|bread) /m);
  assert.match(rep.stdout, /^2\. (eggs|bread) /m);
});

test('item 13: one-line summaries, a one-screen --help, --version, a short pretrain --help, aligned tables', () => {
  const help = cli(['--help']);
  assert.equal(help.status, 0);
  const lines = help.stdout.trimEnd().split('\n');
  assert.ok(lines.length <= 40, `${lines.length} lines`);
  for (const l of lines) assert.ok(l.length <= 80, `too wide: ${l}`);
  const walk = (c: Command, prefix: string) => {
    for (const sub of c.commands) {
      const name = prefix ? `${prefix} ${sub.name()}` : sub.name();
      const summary = sub.summary() || sub.description();
      assert.ok(!summary.includes('\n') && summary.length <= SUMMARY_MAX, `${name}: summary of ${summary.length} characters; add one to src/cli/summaries.ts`);
      walk(sub, name);
    }
  };
  walk(buildProgram(), '');
  for (const key of Object.keys(SUMMARIES)) assert.ok(SUMMARIES[key].length <= SUMMARY_MAX, key);
  const version = cli(['--version']);
  assert.equal(version.stdout.trim(), JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  const pre = cli(['pretrain', '--help']).stdout;
  assert.ok(pre.split('\n').length <= 80, `pretrain --help: ${pre.split('\n').length} lines`);
  const docs = fs.readFileSync(path.join(ROOT, 'docs', 'pretrain.md'), 'utf8');
  const hidden = buildProgram().commands.find((c) => c.name() === 'pretrain')!.options.filter((o) => (o as unknown as { hidden: boolean }).hidden);
  assert.ok(hidden.length > 10);
  for (const o of hidden) assert.ok(docs.includes(`\`${o.flags}`), `docs/pretrain.md describes ${o.flags}`);
  // Tables: every line of a block as long as the others, so right-aligned columns end together.
  const t = textTable(['set', 'examples', 'loss'], [['test (hierarchical)', '1000', '3.1234'], ['w', '5', '12.5']]);
  assert.equal(new Set(t.split('\n').map((l) => l.length)).size, 1, t);
  const g = (loss: number, tokens: number) => ({ loss, tokens, perplexity: Math.exp(loss) });
  const m = (n: number, l: number) => ({ examples: n, context: g(l, n * 90), infill: g(l / 2, n * 9), infillTextOnly: g(l * 1.5, n * 7) });
  const ev = evalTable({ expDir: 'e', modelDir: 'e/checkpoints/best', examplesDir: 'x', tag: 'test', mask: 'hierarchical', seed: 0, maxExamples: 1000, overall: m(1000, 3.2), perMaskType: [{ mask: 'word', set: 'test-word', metrics: m(7, 11.25) }] });
  const evRows = ev.split('\n').slice(1, 4);
  assert.equal(new Set(evRows.map((l) => l.length)).size, 1, `eval table aligned:\n${ev}`);
  const ag = cli(['agreement', '--csv', ASAG, '--human', 'examiner2,examiner3', '--machine', 'examiner1', '--groups', 'sex', '--resamples', '50', '--allow-missing']);
  assert.equal(ag.status, 0, ag.stderr);
  const blocks = ag.stdout.split('\n\n').slice(1).map((b) => b.split('\n').filter((l) => l && !l.startsWith('by ')));
  assert.ok(blocks.length >= 3);
  for (const b of blocks) assert.equal(new Set(b.map((l) => l.length)).size, 1, `aligned:\n${b.join('\n')}`);
});
