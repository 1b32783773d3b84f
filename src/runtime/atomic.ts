/**
 * Outputs appear whole or not at all: everything is written under a temporary name in the same directory
 * and renamed when complete, so an interrupted run never leaves half a file that looks whole.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${Date.now().toString(36)}`);
}

/** Write a file atomically (temporary name, fsync, rename). */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempName(target);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, target);
}

export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Build a directory under a temporary name and move it into place when `build` returns.
 * An existing target is replaced only after the new one is complete. On error the temporary
 * directory is removed and the error rethrown, leaving any previous target untouched.
 */
export async function buildDirAtomic<T>(target: string, build: (tmpDir: string) => Promise<T> | T): Promise<T> {
  const parent = path.dirname(path.resolve(target));
  fs.mkdirSync(parent, { recursive: true });
  const tmp = tempName(path.resolve(target));
  fs.mkdirSync(tmp);
  try {
    const result = await build(tmp);
    if (fs.existsSync(target)) {
      const old = tempName(path.resolve(target)) + '-old';
      fs.renameSync(target, old);
      fs.renameSync(tmp, target);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, target);
    }
    return result;
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
