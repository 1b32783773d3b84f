/**
 * An error a user can act on: what went wrong, where (file and line when known) and how to fix it.
 * The command line prints `message` alone (no stack) and exits with `exitCode`.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** Format "FILE:LINE: problem. Fix: ..." consistently. */
export function locate(file: string, line: number | null, problem: string, fix: string): string {
  return `${file}${line != null ? `:${line}` : ''}: ${problem}. Fix: ${fix}`;
}
