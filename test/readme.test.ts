/**
 * The README is the script of this test: every `npx cefrlab ...` command in its ```sh blocks runs, in the
 * README's order, against the built CLI (bin/cefrlab.js on dist/, built here first), in a temporary folder.
 * What the test changes is listed in SUBSTITUTIONS (the user's own files become the embedded data, step counts
 * and sample sizes become small) and EXCEPTIONS (commands not run as written, each with its reason); nothing
 * else is changed, so a README command that stops working fails this test.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import { startFakeServer, essayOf, type FakeServer } from './rate-fake-server';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'cefrlab.js');
const ASAG = path.join(ROOT, 'data', 'cefr-asag', 'cefr_asag.csv');
const ASAG4 = path.join(ROOT, 'data', 'cefr-asag', 'cefr_asag_4col.csv');

export interface ReadmeCommand {
  /** 1-based line in README.md where the command starts. */
  line: number;
  args: string[];
  /** `> FILE` at the end of the line: stdout goes there. */
  stdoutTo?: string;
  /** Environment set by `export` lines before it in the README. */
  env: Record<string, string>;
}

/** Shell words of one logical line: quotes, $VAR, `# comment`, `> file`; optional `[...]` groups marked. */
function words(line: string, env: Record<string, string>): Array<{ text: string; quoted: boolean }> {
  const out: Array<{ text: string; quoted: boolean }> = [];
  let i = 0;
  const expand = (s: string) => s.replace(/\$([A-Z_][A-Z0-9_]*)/g, (_, v: string) => env[v] ?? process.env[v] ?? '');
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length || line[i] === '#') break;
    let text = '';
    let quoted = false;
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      const c = line[i];
      if (c === '"' || c === "'") {
        const end = line.indexOf(c, i + 1);
        assert.ok(end > i, `unterminated quote in README line: ${line}`);
        const inner = line.slice(i + 1, end);
        text += c === '"' ? expand(inner) : inner;
        quoted = true;
        i = end + 1;
      } else {
        text += c;
        i++;
      }
    }
    out.push({ text: quoted ? text : expand(text), quoted });
  }
  return out;
}

/** Every `npx cefrlab` command of README.md's ```sh blocks, with the `export`s before it. */
export function readmeCommands(markdown: string): ReadmeCommand[] {
  const lines = markdown.split('\n');
  const commands: ReadmeCommand[] = [];
  const env: Record<string, string> = {};
  let inSh = false;
  for (let n = 0; n < lines.length; n++) {
    if (/^```/.test(lines[n])) {
      inSh = !inSh && /^```sh\s*$/.test(lines[n]);
      continue;
    }
    if (!inSh) continue;
    const start = n;
    let logical = lines[n];
    while (/\\\s*$/.test(logical) && n + 1 < lines.length) logical = logical.replace(/\\\s*$/, ' ') + lines[++n];
    const trimmed = logical.trim();
    if (trimmed.startsWith('export ')) {
      for (const w of words(trimmed.slice(7), env)) {
        const eq = w.text.indexOf('=');
        if (eq > 0) env[w.text.slice(0, eq)] = w.text.slice(eq + 1);
      }
      continue;
    }
    if (!trimmed.startsWith('npx cefrlab')) continue;
    const ws = words(trimmed, env).slice(2);
    const args: string[] = [];
    let stdoutTo: string | undefined;
    for (let k = 0; k < ws.length; k++) {
      const w = ws[k];
      if (!w.quoted && w.text === '>') {
        stdoutTo = ws[++k].text;
        continue;
      }
      if (!w.quoted && w.text.startsWith('[')) {
        // An optional group of the synopsis: kept when it shows one value, left out when it lists alternatives.
        const group = [w];
        while (!group[group.length - 1].text.endsWith(']')) group.push(ws[++k]);
        if (group.some((g) => g.text.includes('|'))) continue;
        args.push(...group.map((g) => g.text.replace(/^\[/, '').replace(/\]$/, '')).filter((t) => t !== ''));
        continue;
      }
      args.push(w.text);
    }
    commands.push({ line: start + 1, args, stdoutTo, env: { ...env } });
  }
  return commands;
}

/** Set `flag value` in args (replacing a value there, else appending). */
function setOption(args: string[], flag: string, value?: string): string[] {
  const i = args.indexOf(flag);
  if (i >= 0) return value === undefined ? args : [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
  return value === undefined ? [...args, flag] : [...args, flag, value];
}

const PASSAGE =
  'Last summer my family went to the sea. We stayed in a small hotel near the beach and swam every morning. ' +
  'In the afternoons my brother and I played football with other children while our parents read books. ' +
  'One evening we ate fresh fish in a restaurant on the harbour. It was the best holiday we have ever had.';

/**
 * The user's own files the README names, and what stands for each here (the embedded CEFR-ASAG answers, split
 * into disjoint files by text, so that nothing is evaluated on what it was trained on).
 */
function userFiles(dir: string): Record<string, string> {
  return {
    'efcamdat.csv': ASAG4,
    'EFCAMDAT.csv': ASAG4,
    'train.csv': path.join(dir, 'train.csv'),
    'test.csv': path.join(dir, 'test.csv'),
    'new.csv': path.join(dir, 'new.csv'),
    'to-rate.csv': path.join(dir, 'to-rate.csv'),
    'calibration.csv': path.join(dir, 'calibration.csv'),
    'RESPONSES.csv': path.join(dir, 'RESPONSES.csv'),
    'ONE.csv': path.join(dir, 'ONE.csv'),
    'IN.csv': path.join(dir, 'new.csv'),
    'asag.csv': path.join(dir, 'train.csv'),
    'sp.csv': path.join(dir, 'sp.csv'),
    'new-labelled.csv': path.join(dir, 'calibration.csv'),
  };
}

/**
 * What the test changes in a command, and why: small step counts and samples (the README's are for real runs),
 * the scales the test trained in its folder (the README's later commands read them from their default place),
 * a free port, and Slurm's --dry-run (README: "--dry-run prints the commands").
 */
const SUBSTITUTIONS: Array<{ when: (a: string[]) => boolean; apply: (a: string[]) => string[]; why: string }> = [
  {
    when: (a) => a[0] === 'train',
    apply: (a) => ['--max-steps', '2', '--eval-max-examples', '8', '--batch-size', '4', '--accum', '1'].reduce((x, v, i, all) => (i % 2 ? x : setOption(x, v, all[i + 1])), a),
    why: '2 steps of 4 examples, 8 evaluation examples',
  },
  { when: (a) => a[0] === 'eval', apply: (a) => setOption(a, '--max-examples', '16'), why: '16 examples per set' },
  { when: (a) => a[0] === 'compare', apply: (a) => setOption(a, '--max-examples', '8'), why: '8 examples per set' },
  { when: (a) => a[0] === 'classify' && (a[1] === 'train' || a[1] === 'curve') && !a.includes('logistic') && !a.includes('ordinal'), apply: (a) => setOption(a, '--epochs', '5'), why: 'the MLP head: 5 epochs' },
  { when: (a) => a[0] === 'ilm-eval', apply: (a) => setOption(setOption(a, '--limit', '3'), '--samples-per-text', '2'), why: '3 texts, 2 samples each' },
  { when: (a) => a[0] === 'classify' && a[1] === 'curve', apply: (a) => setOption(setOption(a, '--sizes', '60,120'), '--seeds', '1'), why: 'sizes the small training file has, one seed' },
  { when: (a) => a[0] === 'classify' && a[1] === 'cv', apply: (a) => setOption(a, '--folds', '3'), why: '3 folds' },
  { when: (a) => a[0] === 'scale' && a[1] === 'vocab' && a[2] === 'eval', apply: (a) => setOption(setOption(a, '--folds', '2'), '--no-ablations'), why: '2 folds, no ablations' },
  { when: (a) => a[0] === 'scale' && a[1] === 'vocab' && a[2] === 'predict', apply: (a) => setOption(a, '--model-dir', 'experiments/scale/vocab'), why: 'the vocabulary scale trained above' },
  { when: (a) => a[0] === 'scale' && a[1] === 'passage' && (a[2] === 'eval' || a[2] === 'predict'), apply: (a) => setOption(a, '--model-dir', 'experiments/scale/passage'), why: 'the passage scale trained above' },
  { when: (a) => a[0] === 'items' && a[1] === 'pseudowords', apply: (a) => setOption(setOption(a, '--n', '20'), '--model-dir', 'experiments/scale/vocab'), why: '20 pseudowords; the scale trained above' },
  { when: (a) => a[0] === 'items' && a[1] === 'ctest', apply: (a) => setOption(setOption(a, '--text', PASSAGE), '--model-dir', 'experiments/scale/passage'), why: 'a passage for "..."; the scale trained above' },
  { when: (a) => a[0] === 'items' && a[1] === 'bank', apply: (a) => setOption(setOption(a, '--vocab-dir', 'experiments/scale/vocab'), '--passage-dir', 'experiments/scale/passage'), why: 'the scales trained above' },
  { when: (a) => a[0] === 'cat' && a[1] === 'simulate', apply: (a) => setOption(a, '--n', '40'), why: '40 simulees' },
  { when: (a) => a[0] === 'scale' && a[1] === 'passage' && a[2] === 'train', apply: (a) => setOption(a, '--per-level', '100'), why: '100 passages per level' },
  { when: (a) => a[0] === 'cat' && a[1] === 'serve', apply: (a) => setOption(a, '--port', '0'), why: 'a free port' },
  { when: (a) => a[0] === 'pipeline' && a[1] === 'run' && a.includes('slurm'), apply: (a) => setOption(a, '--dry-run'), why: 'no cluster here' },
  { when: (a) => a[0] === 'awe' && a[1] === 'train', apply: (a) => setOption(a, '--max-iter', '20'), why: '20 boosting rounds' },
  {
    when: (a) => a[0] === 'awe' && a[1] === 'train' && a.includes('--perplexity-models'),
    apply: (a) => setOption(a, '--csv', path.join(dir, 'train-small.csv')),
    why: '30 essays: each is scored by every model',
  },
];

/** Commands not run as written, each with the reason; kept short on purpose. */
const EXCEPTIONS: Array<{ when: (a: string[]) => boolean; instead: string[] | null; why: string }> = [
  { when: (a) => a[0] === 'pretrain', instead: ['pretrain', '--help'], why: 'rebuilds the base model: about 3 h on 2 cores' },
  { when: (a) => a[0] === 'train' && a.includes('gpt2'), instead: null, why: 'GPT-2 124M: its weights are not shipped, and a step takes minutes on a CPU' },
  { when: (a) => a[0] === 'pipeline' && a[1] === 'run' && a.includes('local'), instead: null, why: 'the guide\'s whole EFCAMDAT run (40-50 GPU hours)' },
];

function run(args: string[], cwd: string, env: Record<string, string>, stdin?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env, CEFRLAB_QUIET: '1', CEFRLAB_TSX: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(stdin ?? '');
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** `cat serve`, bounded: start it, ask for the page and an item, stop it. */
async function serveOnce(args: string[], cwd: string): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CEFRLAB_TSX: '' } });
  let stderr = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = /adaptive test on (http:\/\/\S+)/.exec(stderr);
        if (m) resolve(m[1]);
      });
      child.on('close', (code) => reject(new Error(`cat serve exited ${code} before listening: ${stderr}`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:/, 'binds to loopback by default');
    const page = await fetch(url + '/');
    assert.equal(page.status, 200, `GET / of the built CLI's server: ${page.status} ${await page.text()}`);
  } finally {
    child.kill('SIGTERM');
  }
}

let dir = '';
let fake: FakeServer | null = null;

before(async () => {
  // Built here when src/ changed since the last build (a build swaps dist/ whole, so it is left alone otherwise).
  if (!require('../bin/sources').distIsFresh()) execFileSync(process.execPath, [path.join(ROOT, 'bin', 'build.js')], { stdio: 'pipe' });
  assert.ok(require('../bin/sources').distIsFresh(), 'dist/ is current after bin/build.js, so the commands run the built CLI');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-readme-'));
  // Disjoint files by text (duplicate texts stay together), from the examiner-rated answers.
  const rows = parse(fs.readFileSync(ASAG, 'utf8'), { columns: true, bom: true }) as Array<Record<string, string>>;
  const byText = new Map<string, Array<Record<string, string>>>();
  for (const r of rows) byText.set(r.text.trim(), [...(byText.get(r.text.trim()) ?? []), r]);
  const groups = [...byText.values()];
  const take = (from: number, to: number) => groups.slice(from, to).flat();
  const csv = (rs: Array<Record<string, string>>) => {
    const cols = Object.keys(rows[0]);
    const q = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    return [cols.join(','), ...rs.map((r) => cols.map((c) => q(r[c] ?? '')).join(','))].join('\n') + '\n';
  };
  fs.writeFileSync(path.join(dir, 'train.csv'), csv(take(0, 160)));
  fs.writeFileSync(path.join(dir, 'train-small.csv'), csv(take(0, 30)));
  fs.writeFileSync(path.join(dir, 'test.csv'), csv(take(160, 200)));
  fs.writeFileSync(path.join(dir, 'new.csv'), csv(take(200, 215)));
  fs.writeFileSync(path.join(dir, 'to-rate.csv'), csv(take(215, 245)));
  fs.writeFileSync(path.join(dir, 'calibration.csv'), csv(take(245, 285)));
  // A second corpus for the cross-corpus commands: every 25th CEFR-SP sentence, in CEFR-ASAG's column names.
  const sp = (parse(fs.readFileSync(path.join(ROOT, 'data', 'cefr-sp', 'cefr_sp_public.csv'), 'utf8'), { columns: true, bom: true }) as Array<Record<string, string>>)
    .filter((_, i) => i % 25 === 0);
  fs.writeFileSync(path.join(dir, 'sp.csv'), ['writing_id,cefr_level,text', ...sp.map((r) => [r.id, r.cefr_max, r.sentence].map((v) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(','))].join('\n') + '\n');
  // Rasch responses of 60 persons to 12 items, soft, from a fixed generator (no embedded response data exists).
  let s = 12345;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const resp = ['person,item,response'];
  for (let p = 0; p < 60; p++) {
    const theta = (p - 30) / 12;
    for (let i = 0; i < 12; i++) {
      const pr = 1 / (1 + Math.exp((i - 6) / 3 - theta));
      resp.push(`p${p},i${i},${Math.min(1, Math.max(0, pr + (u() - 0.5) * 0.3)).toFixed(3)}`);
    }
  }
  fs.writeFileSync(path.join(dir, 'RESPONSES.csv'), resp.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'ONE.csv'), ['item,response', ...Array.from({ length: 12 }, (_, i) => `i${i},${i < 7 ? 1 : 0}`)].join('\n') + '\n');
  // The rater: a local fake endpoint that answers each essay with its examiners' level (a fixture, not a model).
  const levelOf = new Map(rows.map((r) => [r.text.trim(), r.cefr_level]));
  fake = await startFakeServer((r) => ({ content: `Rating: [${levelOf.get(essayOf(r.body).trim()) ?? 'B1'}]` }), { models: ['my-model'] });
});

after(async () => {
  await fake?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('every `npx cefrlab` command of README.md runs on the built CLI, in order', { timeout: 30 * 60_000 }, async (t) => {
  const commands = readmeCommands(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  assert.ok(commands.length >= 50, `found ${commands.length} commands in README.md`);
  const files = userFiles(dir);
  const ran: string[] = [];
  const timings: string[] = [];
  const served: string[] = [];
  t.after(() => t.diagnostic(`time per command:\n${timings.join('\n')}`));
  for (const c of commands) {
    // A local BERT directory: the project's tiny test BERT stands for bert-base-uncased.
    let args = c.args.map((a) => files[a] ?? (a.startsWith('data/') ? path.join(ROOT, a) : a.replace('/path/to/bert-base-uncased', path.join(ROOT, 'test', 'fixtures', 'bert-tiny'))));
    const where = `README.md:${c.line}: cefrlab ${c.args.join(' ')}`;
    const exception = EXCEPTIONS.find((e) => e.when(args));
    if (exception) {
      if (!exception.instead) continue;
      args = exception.instead;
    }
    for (const s of SUBSTITUTIONS) if (s.when(args)) args = s.apply(args);
    const env = { ...c.env };
    if (env.OPENAI_BASE_URL) env.OPENAI_BASE_URL = fake!.url;
    if (args[0] === 'cat' && args[1] === 'serve') {
      // Nothing later needs the server, so the commands after it run even when it fails; it is reported at the end.
      await serveOnce(args, dir).then(
        () => ran.push('cat serve'),
        (e: Error) => served.push(`${where}: ${e.message}`),
      );
      continue;
    }
    // interactive reads piped input: a text, a ranking, a setting, and quit.
    const stdin = args[0] === 'interactive' ? 'He [MASK] to school every day.\n:rank goes go\n:n 1\nquit\n' : undefined;
    const started = Date.now();
    const r = await run(args, dir, env, stdin);
    timings.push(`${((Date.now() - started) / 1000).toFixed(1)} s  cefrlab ${args.join(' ').slice(0, 120)}`);
    assert.equal(r.status, 0, `${where}\n(ran: cefrlab ${args.join(' ')})\nstderr: ${r.stderr}\nstdout: ${r.stdout.slice(-2000)}`);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, `${where}: a stack trace on stderr`);
    if (c.stdoutTo) fs.writeFileSync(path.join(dir, c.stdoutTo), r.stdout);
    if (args[0] === 'interactive') assert.match(r.stdout, /share/, `${where}: :rank goes go answered`);
    ran.push(args.slice(0, 2).join(' '));
  }
  // The sequence's outputs are there: the results of ilm-eval, the comparison, the ratings and the bank.
  for (const f of ['results.json', 'compare.json', 'compare.html', 'ratings.csv', 'awe-ratings.csv', 'length-ratings.csv', 'BANK.jsonl', 'ITEMS.json']) {
    assert.ok(fs.existsSync(path.join(dir, f)), `${f} written`);
  }
  assert.deepEqual(served, [], 'cat serve answers its page');
  for (const name of ['ilm-eval', 'agreement', 'cat serve', 'pipeline init']) assert.ok(ran.some((r) => r === name || r.startsWith(`${name} `)), `${name} ran: ${ran.join(', ')}`);
  assert.ok(require('../bin/sources').distIsFresh(), 'src/ unchanged during the run: every command ran the built CLI');
});

test('the README parser reads continuations, quotes, variables, optional groups and redirections', () => {
  const md = ['```sh', 'export A=x B=y', 'npx cefrlab rate --csv "a b.csv" --model "$B" \\', '    --o c.csv   # note', 'npx cefrlab t [--n 5] [--m a|b] > OUT.json', '```', 'npx cefrlab not-in-a-block'].join('\n');
  assert.deepEqual(readmeCommands(md), [
    { line: 3, args: ['rate', '--csv', 'a b.csv', '--model', 'y', '--o', 'c.csv'], stdoutTo: undefined, env: { A: 'x', B: 'y' } },
    { line: 5, args: ['t', '--n', '5'], stdoutTo: 'OUT.json', env: { A: 'x', B: 'y' } },
  ]);
});
