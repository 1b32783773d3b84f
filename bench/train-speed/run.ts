/**
 * Training speed, TensorFlow.js (ours) against PyTorch, on the same small GPT-2 configuration, in one run.
 *
 *   node --import tsx bench/train-speed/run.ts [--variants wasm+native[,cpu+native,wasm,...]] [--rounds 2]
 *     [--steps 3] [--layers 4] [--embd 256] [--heads 4] [--seq 128] [--batch 8] [--vocab 50264]
 *     [--python /usr/bin/python3] [--json FILE]
 *
 * Each round runs PyTorch (bench/train-speed/torch_train.py, Debian's python3-torch) and then every variant
 * of ours (bench/train-speed/tfjs-train.ts) in separate processes, one after the other, so that a machine
 * shared with other work slows both sides alike; the report takes each side's best round (the least
 * disturbed one). PyTorch runs twice per round, with glibc's default malloc and with freed memory kept in
 * the heap (see KEEP_FREED_MEMORY), and the ratio uses the faster. A variant is `<backend>[+native]`: `wasm+native` is the wasm backend with the OpenBLAS
 * kernels and the fused cross-entropy, `wasm` TensorFlow.js alone.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

interface RunResult {
  tokensPerSecond: number;
  medianStepSeconds: number;
  [key: string]: unknown;
}

/**
 * glibc returns every freed block above 32 MB to the kernel, so PyTorch maps fresh pages for each
 * [tokens, 50264] tensor of every step; on a virtual machine first touches are slow. These settings keep freed
 * memory in the heap, which is PyTorch's best case here; the report shows both.
 */
const KEEP_FREED_MEMORY = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: String(2 ** 36) };

function runJson(cmd: string, args: string[], env: Record<string, string> = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr ?? '').slice(-2000)}`);
  return JSON.parse(line) as RunResult;
}

function main(): void {
  const here = __dirname;
  const shape = ['layers', 'embd', 'heads', 'seq', 'batch', 'vocab'].flatMap((k) => [`--${k}`, arg(k, { layers: '4', embd: '256', heads: '4', seq: '128', batch: '8', vocab: '50264' }[k]!)]);
  const steps = arg('steps', '3');
  const rounds = Number(arg('rounds', '2'));
  const variants = arg('variants', 'wasm+native').split(',');
  const python = arg('python', '/usr/bin/python3');
  const best = new Map<string, RunResult>();
  const all: Record<string, RunResult[]> = {};
  const keep = (name: string, r: RunResult) => {
    (all[name] ??= []).push(r);
    const b = best.get(name);
    if (!b || r.tokensPerSecond > b.tokensPerSecond) best.set(name, r);
    process.stderr.write(`  ${name.padEnd(15)} ${String(r.tokensPerSecond).padStart(6)} tokens/s (median step ${r.medianStepSeconds} s)\n`);
  };
  for (let round = 1; round <= rounds; round++) {
    process.stderr.write(`round ${round}/${rounds}\n`);
    const torchArgs = [path.join(here, 'torch_train.py'), ...shape, '--steps', steps, '--warmup', '1', '--threads', String(Math.min(2, os.cpus().length))];
    keep('pytorch', runJson(python, torchArgs));
    keep('pytorch+malloc', runJson(python, torchArgs, KEEP_FREED_MEMORY));
    for (const v of variants) {
      const [backend, flag] = v.split('+');
      const native = flag === 'native' ? '1' : '0';
      keep(v, runJson(process.execPath, ['--import', 'tsx', path.join(here, 'tfjs-train.ts'), '--backend', backend, '--native', native, ...shape, '--steps', steps, '--warmup', '1']));
    }
  }
  // The ratio is taken against the faster of the two PyTorch runs.
  const torch = [best.get('pytorch')!, best.get('pytorch+malloc')!].sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0];
  const date = new Date().toISOString();
  const report = {
    date,
    machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, load average at end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
    config: torch.config,
    command: `node --import tsx bench/train-speed/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    results: [...best.entries()].map(([name, r]) => ({
      name,
      tokensPerSecond: r.tokensPerSecond,
      medianStepSeconds: r.medianStepSeconds,
      pytorchOverOurs: name.startsWith('pytorch') ? null : Number((torch.tokensPerSecond / r.tokensPerSecond).toFixed(2)),
    })),
    rounds: all,
  };
  process.stdout.write(`\ntraining speed, ${JSON.stringify(torch.config)}, ${date}\n`);
  for (const r of report.results) {
    const note = r.pytorchOverOurs == null ? (r.name === 'pytorch' ? '(default glibc malloc)' : '(freed memory kept: MALLOC_MMAP_MAX_=0)') : `ratio best PyTorch / ours = ${r.pytorchOverOurs} (${r.pytorchOverOurs <= 1 ? 'ours faster' : 'PyTorch faster'})`;
    process.stdout.write(`  ${r.name.padEnd(15)} ${String(r.tokensPerSecond).padStart(6)} tokens/s   ${note}\n`);
  }
  const out = arg('json', '');
  if (out) fs.writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
}

main();
