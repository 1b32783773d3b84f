/** The session journal after a crash: a torn last line is dropped, cut from the file and reported; other damage is an error. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Journal, type JournalEvent } from '../src/cat/journal';
import { startServer } from '../src/cat/server';
import { testBank } from './cat-helpers';

const ev = (i: number): JournalEvent => ({ type: 'stop', session: `s${i}`, reason: 'time', at: i });

test('journal: a torn last line is dropped and cut off, so the next event starts on a line of its own', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-journal-'));
  const file = path.join(dir, 'sessions.jsonl');
  try {
    const whole = [ev(1), ev(2)].map((e) => JSON.stringify(e) + '\n').join('');
    fs.writeFileSync(file, whole + JSON.stringify(ev(3)).slice(0, 20));
    const opened = Journal.open(file);
    assert.equal(opened.events.length, 2);
    assert.deepEqual({ line: opened.torn!.line, bytes: opened.torn!.bytes }, { line: 3, bytes: 20 });
    opened.journal.append(ev(4));
    opened.journal.close();
    const again = Journal.read(file);
    assert.equal(again.torn, null);
    assert.deepEqual(again.events, [ev(1), ev(2), ev(4)]);
    // A complete last event that lost only its newline is kept.
    fs.writeFileSync(file, whole + JSON.stringify(ev(5)));
    const kept = Journal.open(file);
    kept.journal.append(ev(6));
    kept.journal.close();
    assert.deepEqual(Journal.read(file).events, [ev(1), ev(2), ev(5), ev(6)]);
    // Damage in the middle is no crash's doing: an error naming the file and the line.
    fs.writeFileSync(file, whole + 'garbage\n' + JSON.stringify(ev(3)) + '\n');
    assert.throws(() => Journal.read(file), (e: Error) => e.message.startsWith(`${file}:3: journal line is not a JSON event`) && /Fix:/.test(e.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('journal: a server restarted twice after a torn write keeps every session', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-journal-srv-'));
  const bank = testBank(3);
  try {
    let server = await startServer({ bank, dataDir: dir, port: 0 });
    const a = await (await fetch(server.url + '/api/sessions', { method: 'POST' })).json() as { session: string };
    await server.close();
    const text = fs.readFileSync(server.journalFile, 'utf8');
    fs.appendFileSync(server.journalFile, text.slice(0, 30));
    server = await startServer({ bank, dataDir: dir, port: 0 });
    assert.equal(server.tornLine?.line, 2);
    const b = await (await fetch(server.url + '/api/sessions', { method: 'POST' })).json() as { session: string };
    await server.close();
    server = await startServer({ bank, dataDir: dir, port: 0 });
    try {
      assert.equal(server.tornLine, null);
      assert.ok(server.sessions.has(a.session) && server.sessions.has(b.session));
    } finally {
      await server.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('journal: grouped writes reach the disk in order, and sync() waits for every event written before it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-journal-group-'));
  const file = path.join(dir, 'sessions.jsonl');
  try {
    const { journal } = Journal.open(file);
    const waits: Array<Promise<void>> = [];
    for (let i = 0; i < 300; i++) {
      journal.write(ev(i));
      if (i % 37 === 0) {
        const upTo = i;
        // Everything written up to this point is on disk when the sync resolves.
        waits.push(journal.sync().then(() => assert.ok(Journal.read(file).events.length >= upTo + 1, `sync after event ${upTo}`)));
      }
    }
    await Promise.all(waits);
    await journal.sync();
    assert.deepEqual(Journal.read(file).events, Array.from({ length: 300 }, (_, i) => ev(i)));
    await journal.closeAfterSync();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
