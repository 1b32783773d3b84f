/**
 * The server's append-only session journal: one JSON event a line, each written and fsync'ed before the
 * server answers, so a restart loses nothing that was answered. A session is rebuilt by replaying its
 * events (src/cat/engine.ts is deterministic given the seed and the responses).
 *
 * Writes are grouped (group commit; Gray & Reuter 1993, section 9.4.7): events queued while one flush is on its
 * way to disk go together in the next write and fsync, so a busy server pays one fsync for many answers
 * instead of one each, and the event loop keeps serving while the disk works. `sync()` resolves once every
 * event queued so far is on disk; the server answers a request only after it.
 *
 * A server killed in the middle of a write (SIGKILL, power loss) can leave a torn last line: part of an event
 * that was never acknowledged (the reply goes out only after the fsync). Opening the journal drops that line,
 * cuts the file back to the last whole line (otherwise the next event would be glued onto the fragment and the
 * journal would be unreadable at the next start) and reports what it dropped. A bad line anywhere else is
 * damage that no crash explains: an error naming the file and the line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CatConfig, StopReason } from './engine';
import { UserError } from '../runtime/errors';

export type JournalEvent =
  | { type: 'start'; session: string; seed: number; startedAt: number; config: Partial<CatConfig> }
  | { type: 'answer'; session: string; index: number; item: string; answers: Array<boolean | string>; response: number; at: number }
  | { type: 'stop'; session: string; reason: StopReason; at: number };

/** The torn last line dropped when a journal was opened. */
export interface TornLine {
  /** 1-based line number in the file as found. */
  line: number;
  bytes: number;
  /** The first characters of the fragment (events hold no secrets: item ids and the answers given). */
  preview: string;
}

export interface JournalContents {
  events: JournalEvent[];
  torn: TornLine | null;
  /** Byte length of the whole lines (where a torn tail starts). */
  wholeBytes: number;
  /** The last whole line is a complete event that lacks its newline (the kill fell just before it). */
  missingNewline: boolean;
}

type Waiter = { resolve: () => void; reject: (err: Error) => void };

export class Journal {
  private fd: number;
  /** Lines queued for the next flush, and who waits for them. */
  private queue: string[] = [];
  private queueWaiters: Waiter[] = [];
  /** Who waits for the flush under way (null: none under way). */
  private inFlight: Waiter[] | null = null;

  /** Open for appending; `open()` is what a server calls, after repairing a torn tail. */
  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.fd = fs.openSync(file, 'a');
  }

  /** Read the journal, drop a torn last line (cutting the file back to its whole lines), and open it for appending. */
  static open(file: string): { journal: Journal; events: JournalEvent[]; torn: TornLine | null } {
    const contents = Journal.read(file);
    if (contents.torn) fs.truncateSync(file, contents.wholeBytes);
    if (contents.missingNewline) fs.appendFileSync(file, '\n');
    return { journal: new Journal(file), events: contents.events, torn: contents.torn };
  }

  /** Append one event and flush it to disk. */
  append(event: JournalEvent): void {
    fs.writeSync(this.fd, JSON.stringify(event) + '\n');
    fs.fsyncSync(this.fd);
  }

  /** Queue one event for the next grouped flush (in order); `sync()` says when it is on disk. */
  write(event: JournalEvent): void {
    this.queue.push(JSON.stringify(event) + '\n');
    this.flush();
  }

  /** Resolves once every event written so far is on disk (rejects if its flush failed). */
  sync(): Promise<void> {
    if (this.queue.length) return new Promise((resolve, reject) => this.queueWaiters.push({ resolve, reject }));
    if (this.inFlight) return new Promise((resolve, reject) => this.inFlight!.push({ resolve, reject }));
    return Promise.resolve();
  }

  private flush(): void {
    if (this.inFlight || !this.queue.length || this.fd < 0) return;
    const data = Buffer.from(this.queue.join(''));
    const waiters = this.queueWaiters;
    this.queue = [];
    this.queueWaiters = [];
    this.inFlight = waiters;
    const fd = this.fd;
    const done = (err: Error | null) => {
      const all = this.inFlight!;
      this.inFlight = null;
      for (const w of all) {
        if (err) w.reject(err);
        else w.resolve();
      }
      this.flush();
    };
    const writeFrom = (offset: number) => {
      fs.write(fd, data, offset, data.length - offset, null, (err, written) => {
        if (err) return done(err);
        if (offset + written < data.length) return writeFrom(offset + written);
        fs.fsync(fd, (e) => done(e));
      });
    };
    writeFrom(0);
  }

  /** Close after the last flush. */
  async closeAfterSync(): Promise<void> {
    await this.sync().catch(() => undefined);
    this.close();
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  /** The events of a journal file; a torn last line is reported (not returned), any other bad line is an error. */
  static read(file: string): JournalContents {
    if (!fs.existsSync(file)) return { events: [], torn: null, wholeBytes: 0, missingNewline: false };
    const buf = fs.readFileSync(file);
    const events: JournalEvent[] = [];
    let start = 0;
    let line = 0;
    while (start < buf.length) {
      line++;
      const nl = buf.indexOf(0x0a, start);
      const end = nl < 0 ? buf.length : nl;
      const text = buf.subarray(start, end).toString('utf8');
      const last = nl < 0 || buf.subarray(nl + 1).every((b) => b === 0x0a || b === 0x20 || b === 0x0d || b === 0x09);
      if (text.trim()) {
        let event: JournalEvent | null = null;
        try {
          event = JSON.parse(text) as JournalEvent;
        } catch {
          event = null;
        }
        if (event == null || typeof event !== 'object' || typeof (event as { type?: unknown }).type !== 'string') {
          if (!last) {
            throw new UserError(`${file}:${line}: journal line is not a JSON event, and it is not the last line (not a write torn by a crash). Fix: restore the journal from a backup, or move it away to start with no sessions`);
          }
          return { events, torn: { line, bytes: buf.length - start, preview: text.slice(0, 60) }, wholeBytes: start, missingNewline: false };
        }
        events.push(event);
        if (nl < 0) return { events, torn: null, wholeBytes: buf.length, missingNewline: true };
      }
      start = end + 1;
    }
    return { events, torn: null, wholeBytes: buf.length, missingNewline: false };
  }
}
