/**
 * The interactive loop driven with piped input: in process through streams, and as the real command
 * (`node bin/cefrlab.js interactive`) with stdin piped. Also `infill` and `ilm-eval` on the command line.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { initBackend } from '../src/runtime/backend';
import { GPT2 } from '../src/model/gpt2';
import { PRESETS } from '../src/model/config';
import { saveModel } from '../src/model/checkpoint';
import { runRepl } from '../src/infill/repl';
import { infill } from '../src/infill/infill';

let model: GPT2;
let tmp: string;
let exp: string;
const ROOT = path.resolve(__dirname, '..');
const CSV = path.join(ROOT, 'data/cefr-asag/cefr_asag_4col.csv');

before(async () => {
  await initBackend();
  model = GPT2.create(PRESETS.tiny, 0);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'infill-repl-'));
  exp = path.join(tmp, 'exp');
  saveModel(path.join(exp, 'checkpoints', 'best'), model);
});

after(() => {
  model.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function drive(lines: string[], json = false): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk) => (text += chunk));
  const done = runRepl({ model, input, output, json, settings: { n: 2, maxNewTokens: 4 } });
  input.end(lines.map((l) => `${l}\n`).join(''));
  await done;
  return text;
}

test('the REPL fills texts, takes settings, answers bad input and goes on', async () => {
  const out = await drive([
    'Yesterday he [MASK] to school.',
    ':n 1',
    ':nucleus 0.9',
    ':nucleus 2',
    ':colour blue',
    'no blank at all',
    `${'word '.repeat(300)}[MASK]`,
    ':rank goes; go',
    ':scoring nope',
    ':scoring blank',
    ':rank goes; go',
    ':top 2',
    'I like [MASK].',
    ':settings',
    'quit',
    'this line comes after quit and is never read [MASK]',
  ]);
  assert.match(out, /^1\. Yesterday he/m);
  assert.match(out, /^2\. Yesterday he/m);
  assert.match(out, /^n = 1$/m);
  assert.match(out, /^nucleus = 0\.9$/m);
  assert.match(out, /error: :nucleus needs a number > 0 and <= 1, got "2"/);
  assert.match(out, /error: unknown setting ":colour"/);
  assert.match(out, /error: the text has no blank/);
  assert.match(out, /error: the text is \d+ tokens .* Fix: shorten the text/);
  assert.match(out, /^1\. (goes|go) +log-prob -\d+\.\d+  per token -\d+\.\d+  share \d+\.\d %  Yesterday he go(es)? to school\./m);
  assert.match(out, /^2\. (goes|go) +log-prob -\d/m);
  // :scoring blank scores the fill alone: other log-probabilities than the default's (which adds " to"), shares still summing to 1
  assert.match(out, /error: :scoring needs one of blank, with-next-word, got "nope"/);
  assert.match(out, /^scoring = blank$/m);
  const rankLines = [...out.matchAll(/^\d\. (goes|go) +log-prob (-\d+\.\d+)  per token -\d+\.\d+  share (\d+\.\d) %/gm)];
  assert.equal(rankLines.length, 4);
  const logProbOf = (from: number, word: string) => Number(rankLines.slice(from, from + 2).find((m) => m[1] === word)![2]);
  assert.ok(logProbOf(0, 'goes') < logProbOf(2, 'goes'), 'the default scoring also pays for the next word');
  for (const from of [0, 2]) assert.ok(Math.abs(Number(rankLines[from][3]) + Number(rankLines[from + 1][3]) - 100) <= 0.1);
  assert.match(out, /most probable single-token fills: "[^"]*" \d/);
  assert.match(out, /n 1, nucleus 0\.9.*, scoring blank$/m);
  assert.doesNotMatch(out, /never read/);
  assert.match(out, /bye\n$/);
});

test('the REPL replays: same input, same output; its fills are those of infill with the same seed', async () => {
  const lines = ['My favourite food is [MASK].', 'I live in [MASK] with my [MASK].'];
  const a = await drive(lines, true);
  const b = await drive(lines, true);
  assert.equal(a, b);
  const answers = a.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(answers.length, 2);
  // The session draws from one generator seeded 0, so the first text matches infill() with seed 0.
  const direct = await infill(model, lines[0], { n: 2, seed: 0, maxNewTokens: 4 });
  assert.deepEqual(answers[0].results.map((r: { fills: string[] }) => r.fills), direct.map((r) => r.fills));
  assert.equal(answers[1].results[0].fills.length, 2);
});

test('Ctrl-D (end of input) leaves the REPL', async () => {
  const out = await drive(['He [MASK] here.']);
  assert.match(out, /bye\n$/);
});

function cli(args: string[], input?: string) {
  return spawnSync(process.execPath, [path.join(ROOT, 'bin/cefrlab.js'), ...args], {
    input,
    encoding: 'utf8',
    cwd: ROOT,
    env: { ...process.env, CEFRLAB_QUIET: '1' },
    timeout: 120_000,
  });
}

test('cefrlab interactive with piped stdin', () => {
  const r = cli(['interactive', '--model', exp, '--n', '2', '--max-new-tokens', '3'], 'She ate [MASK] for breakfast.\n:temperature 0.5\nI like [MASK].\nnothing here\n');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^1\. She ate/m);
  assert.match(r.stdout, /^temperature = 0\.5$/m);
  assert.match(r.stdout, /^2\. I like/m);
  assert.match(r.stdout, /error: the text has no blank/);
  assert.match(r.stdout, /bye\n$/);
});

test('cefrlab infill prints marked fills, ranks and JSON; errors are clear', () => {
  const r = cli(['infill', '--model', exp, '--text', 'He [MASK] to school.', '--n', '2', '--max-new-tokens', '3', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.results.length, 2);
  assert.ok(json.results.every((x: { text: string; fills: string[] }) => x.text === `He${x.fills[0]} to school.`));
  // the default scoring (with-next-word): the next word is scored inside each answer, the text printed as the candidate fills it
  const ranked = cli(['infill', '--model', exp, '--text', 'He [MASK] to school.', '--rank', 'goes', 'go']);
  assert.equal(ranked.status, 0, ranked.stderr);
  assert.match(ranked.stdout, /^scoring: with-next-word$/m);
  assert.match(ranked.stdout, /^1\. "(goes|go)"  log-prob -\d+\.\d+  per token -\d+\.\d+  share \d+\.\d %  He go(es)? to school\./m);
  assert.match(ranked.stdout, /tokens: " go(es)?" -\d+\.\d+, " to" -\d+\.\d+, "<\|endofinfill\|>" -\d/);
  const shares = [...ranked.stdout.matchAll(/share (\d+\.\d) %/g)].map((m) => Number(m[1]));
  assert.equal(shares.length, 2);
  assert.ok(Math.abs(shares[0] + shares[1] - 100) <= 0.1 && shares[0] >= shares[1], `${shares}`);
  // --scoring blank: the fill alone, then the end of the answer
  const asWritten = cli(['infill', '--model', exp, '--text', 'He [MASK] to school.', '--rank', 'goes', 'go', '--scoring', 'blank', '--json']);
  assert.equal(asWritten.status, 0, asWritten.stderr);
  const blankJson = JSON.parse(asWritten.stdout);
  assert.equal(blankJson.scoring, 'blank');
  for (const r of blankJson.rank) assert.deepEqual(r.tokens.map((t: { token: string }) => t.token), [` ${r.candidate}`, '<|endofinfill|>']);
  const badScoring = cli(['infill', '--model', exp, '--text', 'He [MASK] to school.', '--rank', 'goes', '--scoring', 'nope']);
  assert.notEqual(badScoring.status, 0);
  assert.match(badScoring.stderr, /Allowed choices are blank, with-next-word/);
  const missing = cli(['infill', '--model', path.join(tmp, 'nope'), '--text', 'a [MASK]']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /does not exist\. Fix:/);
});

test('cefrlab ilm-eval writes results and prints a table', () => {
  const out = path.join(tmp, 'results.json');
  const r = cli(['ilm-eval', '-i', CSV, '--models', `ilm:${exp}`, `lm:${exp}`, '--limit', '2', '--samples-per-text', '1', '--max-chars', '80', '--max-new-tokens', '3', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^model\s+level\s+texts/m);
  assert.match(r.stdout, new RegExp(`^lm:${exp.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+all\\s+2`, 'm'));
  const report = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(report.settings.seed, 42);
  assert.equal(report.texts.length, 2);
});
