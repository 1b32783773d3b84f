/**
 * The web test: a Fastify server that gives a person the adaptive test in the browser.
 *
 * - GET /                     the page (plain HTML, src/cat/static/), GET /app.js, /style.css, /plotly.js (local bundle)
 * - POST /api/sessions        start a session: 201 {session, ...state}
 * - GET /api/sessions/:id     the state: the current item (public view: no keys, no difficulty), progress, or the result
 * - POST /api/sessions/:id/answers  {item, answers}: yes/no answers are booleans (one per word, true = "a real word"),
 *                             C-test answers strings (one per gap); graded by src/items (AUC; length-weighted share)
 *
 * Sessions live in memory and in an append-only journal (src/cat/journal.ts) that is flushed before every reply,
 * so a refresh resumes (the page keeps the session id in the URL and localStorage) and a restart loses nothing
 * answered. Difficulties, keys and provisional estimates never reach the page before the test is over. Every
 * request is checked: unknown session 404, answer to an item that is not the current one (a replay) or to a
 * finished test 409, malformed or wrongly shaped body 400, body over the limit 413, other content types 415.
 * A fault of the server itself (500) is logged on the server's side; the page gets a generic message, never a
 * path or a stack. The server binds 127.0.0.1 unless told otherwise.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Bank } from './bank';
import { publicItem } from './bank';
import { CatSession, catConfig, type CatConfig } from './engine';
import { Journal, type JournalEvent, type TornLine } from './journal';
import { UserError } from '../runtime/errors';
import { gradeYesNo } from '../items/yesno';
import { gradeCTest } from '../items/ctest';
import type { Item } from '../items/types';
import { logitSeToScale, logitToScale } from '../irt/scale';
import { plotlyBundlePath } from '../plot/bundle';

export interface ServeOptions {
  bank: Bank;
  /** Directory of the journal (sessions.jsonl). */
  dataDir: string;
  port?: number;
  host?: string;
  config?: Partial<CatConfig>;
  /** Largest accepted request body in bytes (default 16 KiB). */
  bodyLimit?: number;
  /** Clock (ms), for tests. */
  now?: () => number;
  logger?: boolean;
  /** Directory of index.html, app.js and style.css (default: static/ beside this module, in src/ or dist/). */
  staticDir?: string;
  /** Where a server fault (500) is logged in full (default: a line on stderr). */
  logError?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  journalFile: string;
  sessions: Map<string, CatSession>;
  /** The torn last line of the journal that was dropped at the start (a kill mid-write), or null. */
  tornLine: TornLine | null;
  close(): Promise<void>;
}

const STATIC_DIR = path.join(__dirname, 'static');
const SESSION_ID = /^[0-9a-f]{32}$/;

/** Grade the answers to an item (shape checked first: a RangeError names what is wrong). */
export function gradeAnswers(item: Item, answers: Array<boolean | string>): number {
  if (item.format === 'yesno') {
    if (answers.length !== item.stimuli.length || !answers.every((a) => typeof a === 'boolean')) {
      throw new RangeError(`item ${item.id} needs ${item.stimuli.length} true/false answers (one per word), got ${JSON.stringify(answers).slice(0, 80)}`);
    }
    return gradeYesNo(item, answers as boolean[]);
  }
  if (answers.length !== item.gaps.length || !answers.every((a) => typeof a === 'string')) {
    throw new RangeError(`item ${item.id} needs ${item.gaps.length} typed answers (one per gap), got ${JSON.stringify(answers).slice(0, 80)}`);
  }
  return gradeCTest(item, answers as string[]).score;
}

function state(id: string, s: CatSession) {
  const item = s.next();
  const base = { session: id, answered: s.steps.length, maxItems: s.config.maxItems, done: s.done };
  if (item) return { ...base, item: publicItem(item) };
  const r = s.steps.length ? s.result() : null;
  return {
    ...base,
    done: true,
    item: null,
    result: r && {
      score: r.score, se: r.sePoints, level: r.level, items: r.items, stopReason: r.stopReason, method: r.method,
      history: r.steps.map((st) => ({ index: st.index + 1, theta: logitToScale(st.theta), se: logitSeToScale(st.se) })),
    },
  };
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const bank = options.bank;
  const now = options.now ?? Date.now;
  const config = catConfig(options.config);
  const journalFile = path.join(options.dataDir, 'sessions.jsonl');
  const sessions = new Map<string, CatSession>();

  // Rebuild every session from the journal (a torn last line is dropped and reported).
  const opened = Journal.open(journalFile);
  const journal = opened.journal;
  for (const ev of opened.events) {
    if (ev.type === 'start') sessions.set(ev.session, new CatSession(bank, ev.config, ev.seed, ev.startedAt));
    else {
      const s = sessions.get(ev.session);
      if (!s) {
        journal.close();
        throw new UserError(`${journalFile}: event for unknown session ${ev.session}. Fix: restore the journal from a backup, or move it away to start with no sessions`);
      }
      if (ev.type === 'stop') s.stop(ev.reason);
      else {
        const item = s.next();
        if (!item || item.id !== ev.item) {
          journal.close();
          throw new UserError(`${journalFile}: session ${ev.session} answered ${ev.item} but the bank now gives ${item?.id ?? 'nothing'}: the journal belongs to another bank or configuration. Fix: serve the bank it was written with, or give another --data directory`);
        }
        s.answer(ev.item, ev.response, ev.at);
      }
    }
  }
  // Events go to the journal in order; every reply waits for journal.sync() (group commit: src/cat/journal.ts).
  const log = (e: JournalEvent) => journal.write(e);
  const logError = options.logError ?? ((line: string) => process.stderr.write(line + '\n'));

  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? 16 * 1024 });

  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string; validation?: unknown; stack?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      // The message of a server fault can hold paths and internals: the log gets it, the page does not.
      logError(`cat serve: error ${status} on ${req.method} ${req.url}: ${err.stack ?? err.message}`);
      reply.code(status).type('application/json').send({ error: status, message: 'the server failed to answer this request; the details are in the server\'s log' });
      return;
    }
    let message = err.message;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = `the request body is larger than ${options.bodyLimit ?? 16 * 1024} bytes`;
    else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') message = 'send the answers as application/json';
    else if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') message = 'the request body is empty: send {"item": ..., "answers": [...]}';
    else if (status === 400 && /JSON/i.test(message) && !err.validation) message = `the request body is not valid JSON (${err.message})`;
    else if (err.validation) message = `bad request body: ${err.message}`;
    reply.code(status).type('application/json').send({ error: status, message });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: 404, message: `no such page: ${req.method} ${req.url}` });
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'self'; object-src 'none'; frame-ancestors 'none'");
  });

  const staticFile = (name: string, type: string) => {
    const file = path.join(options.staticDir ?? STATIC_DIR, name);
    return async (_req: unknown, reply: FastifyReply) => reply.type(type).header('Cache-Control', 'no-cache').send(fs.readFileSync(file));
  };
  app.get('/', staticFile('index.html', 'text/html; charset=utf-8'));
  app.get('/app.js', staticFile('app.js', 'text/javascript; charset=utf-8'));
  app.get('/style.css', staticFile('style.css', 'text/css; charset=utf-8'));
  app.get('/plotly.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').header('Cache-Control', 'max-age=86400').send(fs.createReadStream(plotlyBundlePath())));

  const find = (id: string, reply: FastifyReply): CatSession | null => {
    const s = SESSION_ID.test(id) ? sessions.get(id) : undefined;
    if (!s) {
      reply.code(404).send({ error: 404, message: `unknown session "${id.slice(0, 40)}": start a new test` });
      return null;
    }
    // The time limit also ends a test that is left open.
    if (!s.done && s.config.timeLimitMs != null && now() - s.startedAt >= s.config.timeLimitMs) {
      s.stop('time');
      log({ type: 'stop', session: id, reason: 'time', at: now() });
    }
    return s;
  };

  app.post('/api/sessions', async (_req, reply) => {
    const id = randomBytes(16).toString('hex');
    const seed = randomBytes(4).readUInt32LE(0);
    const startedAt = now();
    const s = new CatSession(bank, config, seed, startedAt);
    log({ type: 'start', session: id, seed, startedAt, config });
    sessions.set(id, s);
    const body = state(id, s);
    await journal.sync();
    return reply.code(201).send(body);
  });

  app.get<{ Params: { id: string } }>('/api/sessions/:id', async (req, reply) => {
    const s = find(req.params.id, reply);
    if (!s) return;
    const body = state(req.params.id, s);
    // What the reply shows (answers of other requests still on their way to disk included) must be durable.
    await journal.sync();
    return reply.send(body);
  });

  app.post<{ Params: { id: string }; Body: { item: string; answers: Array<boolean | string> } }>(
    '/api/sessions/:id/answers',
    {
      schema: {
        body: {
          type: 'object',
          required: ['item', 'answers'],
          additionalProperties: false,
          properties: {
            item: { type: 'string', minLength: 1, maxLength: 200 },
            answers: { type: 'array', maxItems: 200, items: { anyOf: [{ type: 'boolean' }, { type: 'string', maxLength: 100 }] } },
          },
        },
      },
      attachValidation: false,
    },
    async (req, reply) => {
      const id = req.params.id;
      const s = find(id, reply);
      if (!s) return;
      // A 409 speaks of the session's state, which must be on disk before it is reported.
      const conflict = async (message: string) => {
        await journal.sync();
        return reply.code(409).send({ error: 409, message });
      };
      if (s.done) return conflict('this test is over: no more answers');
      const current = s.next();
      if (!current) return conflict('this test is over: no more answers');
      if (req.body.item !== current.id) {
        const answered = s.steps.some((st) => st.itemId === req.body.item);
        return conflict(answered ? `item ${req.body.item} was already answered (a replayed request)` : `item ${req.body.item} is not the current item of this session`);
      }
      let response: number;
      try {
        response = gradeAnswers(current, req.body.answers);
      } catch (e) {
        return reply.code(400).send({ error: 400, message: (e as Error).message });
      }
      const at = now();
      // Applied at once (so a second request for this item sees it answered), replied only once on disk.
      log({ type: 'answer', session: id, index: s.steps.length, item: current.id, answers: req.body.answers, response, at });
      s.answer(current.id, response, at);
      const body = state(id, s);
      await journal.sync();
      return reply.send(body);
    },
  );

  let address: string;
  try {
    address = await app.listen({ port: options.port ?? 8080, host: options.host ?? '127.0.0.1' });
  } catch (err) {
    journal.close();
    await app.close().catch(() => undefined);
    throw err;
  }
  return {
    url: address,
    app,
    journalFile,
    sessions,
    tornLine: opened.torn,
    close: async () => {
      await app.close();
      await journal.closeAfterSync();
    },
  };
}
