/**
 * Checks that an output path can be written before a command starts its work, so that an hour of evaluation
 * is never lost to an output folder that cannot be created (writeFileAtomic and buildDirAtomic would only fail
 * at the end). Only the file system is asked; nothing is created.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './errors';

/** What the path names: a file to write, or a folder to create (or replace) whole. */
export type OutputKind = 'file' | 'dir';

function stat(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

/**
 * Throws a UserError (exit 2) naming the option, the path and the fix when `target` cannot be written:
 * a file where a folder is needed on the way to it, a folder where the file should go (or the reverse), or a
 * first existing folder on the way that this user cannot write to.
 */
export function checkOutputPath(target: string, option: string, kind: OutputKind = 'file'): void {
  const abs = path.resolve(target);
  const fix = 'Fix: choose a path whose folders exist or can be created, e.g. under experiments/';
  const here = stat(abs);
  if (here) {
    if (kind === 'file' && here.isDirectory()) throw new UserError(`${option} ${target}: is a folder, not a file. ${fix}`);
    if (kind === 'dir' && !here.isDirectory()) throw new UserError(`${option} ${target}: is a file, not a folder. ${fix}`);
  }
  // The first existing folder on the way must be a folder this user may write to.
  let dir = path.dirname(abs);
  for (;;) {
    const s = stat(dir);
    if (s) {
      if (!s.isDirectory()) throw new UserError(`${option} ${target}: cannot be created, because ${dir} is a file, not a folder. ${fix}`);
      try {
        fs.accessSync(dir, fs.constants.W_OK);
      } catch {
        throw new UserError(`${option} ${target}: cannot be created, because ${dir} is not writable. ${fix}`);
      }
      return;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}
