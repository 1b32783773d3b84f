/**
 * The server's append-only session journal: one JSON event a line, each written and fsync'ed before the
 * server answers, so a restart loses nothing that was answered. A session is rebuilt by replaying its
 * events (src/cat/engine.ts is deterministic given the seed and the responses).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CatConfig, StopReason } from './engine';

export type JournalEvent =
  | { type: 'start'; session: string; seed: number; startedAt: number; config: Partial<CatConfig> }
  | { type: 'answer'; session: string; index: number; item: string; answers: Array<boolean | string>; response: number; at: number }
  | { type: 'stop'; session: string; reason: StopReason; at: number };

export class Journal {
  private fd: number;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.fd = fs.openSync(file, 'a');
  }

  /** Append one event and flush it to disk. */
  append(event: JournalEvent): void {
    fs.writeSync(this.fd, JSON.stringify(event) + '\n');
    fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** The events of a journal file; a torn last line (a crash mid-write) is ignored, any other bad line is an error. */
  static read(file: string): JournalEvent[] {
    if (!fs.existsSync(file)) return [];
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const out: JournalEvent[] = [];
    lines.forEach((line, n) => {
      if (!line.trim()) return;
      try {
        out.push(JSON.parse(line));
      } catch {
        if (n < lines.length - 1 && lines.slice(n + 1).some((l) => l.trim())) throw new Error(`${file}:${n + 1}: journal line is not JSON`);
      }
    });
    return out;
  }
}
