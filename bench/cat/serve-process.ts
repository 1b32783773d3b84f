/**
 * `cefrlab cat serve` as a child process of the built command line (bin/cefrlab.js on dist/, as a user runs
 * it), for the load script (bench/cat/load.ts) and the tests that must exercise what `npx cefrlab` serves.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Item } from '../../src/items/types';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'bin', 'cefrlab.js');

/** Compile src/ to dist/ unless dist/ already holds exactly the current sources; fail if it still does not. */
export function ensureBuilt(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { distIsFresh } = require(path.join(ROOT, 'bin', 'sources.js')) as { distIsFresh(): boolean };
  if (distIsFresh()) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'build.js')], { encoding: 'utf8' });
  if (r.status !== 0 || !distIsFresh()) throw new Error(`node bin/build.js failed (exit ${r.status}): ${r.stdout}${r.stderr}`);
}

/** Write items as a BANK.jsonl. */
export function writeBankFile(items: Item[], file: string): string {
  fs.writeFileSync(file, items.map((it) => JSON.stringify(it)).join('\n') + '\n');
  return file;
}

export interface ServeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or the signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals>;
}

/**
 * Start `node bin/cefrlab.js cat serve --bank BANK --data DIR --port PORT ...extra` (dist/ must be fresh:
 * ensureBuilt) and wait for the line that gives its address.
 */
export async function startServeProcess(bankFile: string, dataDir: string, port: number, extra: string[] = [], timeoutMs = 60_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'cat', 'serve', '--bank', bankFile, '--data', dataDir, '--port', String(port), ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CEFRLAB_TSX: '0' },
  });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? 0)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cat serve did not start within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    const check = () => {
      const m = err.match(/adaptive test on (http:\/\/[^\s]+)/);
      if (m) {
        clearTimeout(timer);
        child.stderr!.off('data', check);
        resolve(m[1]);
      }
    };
    child.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`cat serve exited (${code}) before listening: ${err}`));
    });
  });
  return { url, port: Number(new URL(url).port), child, stderr: () => err, exited };
}
