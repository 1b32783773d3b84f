/**
 * The web test under load and through a crash: N simulated test-takers at once against `cefrlab cat serve`
 * (the built command line, loopback only), the server killed with SIGKILL in the middle and restarted on the
 * same port and journal. Bounded in count (at most 1000 takers, each at most --max-items answers) and in time
 * (--timeout-s; the run fails past it). Clients are Node's own fetch (undici): no load tool to install.
 *
 * Each taker is a Rasch simulee (θ drawn on the 100-point scale) that starts a session and answers every item
 * it is given (each yes/no stimulus and each C-test gap right with probability p_i(θ)). When a request fails
 * because the server is down, the taker waits for the restart, asks for its session (GET) and goes on from
 * what the server has: the answers it saw accepted must all be there, plus at most the one whose reply the kill
 * cut off. At the end the run checks, and reports as failures:
 *
 * - every answer a taker saw accepted is in the journal, for its session, in order, with the same answers;
 * - every final score equals the library's estimate (src/irt/estimate.ts) for the same graded responses;
 * - every session in progress at the kill resumed after the restart;
 * - a torn last line in the journal (a write cut by the kill) was dropped and reported by the restarted
 *   server. A SIGKILL seldom lands inside a write of a few hundred bytes, so with --tear (the default) the run
 *   also cuts a copy of an event in half at the end of the journal after the kill, before the restart: the
 *   state a kill mid-write leaves.
 *
 * Reported: requests per second over the run (restart included) and over the part before the kill, latency
 * percentiles of the requests that were answered, and the restart time.
 *
 *   node bin/build.js && node --import tsx bench/cat/load.ts [--takers 200] [--max-items 25] [--kill-after 0.5]
 *     [--no-kill] [--no-tear] [--seed 0] [--timeout-s 300] [--bank BANK.jsonl] [--out report.json]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../../src/runtime/rng';
import { loadBank, type Bank } from '../../src/cat/bank';
import { syntheticBank } from '../../src/cat/synthetic-bank';
import { gradeAnswers } from '../../src/cat/server';
import { Journal, type JournalEvent } from '../../src/cat/journal';
import { estimateMle } from '../../src/irt/estimate';
import { irf } from '../../src/irt/rasch';
import { logitToScale, scaleToLogit } from '../../src/irt/scale';
import type { Item } from '../../src/items/types';
import { ensureBuilt, startServeProcess, writeBankFile, type ServeProcess } from './serve-process';

export const MAX_TAKERS = 1000;

export interface LoadOptions {
  takers: number;
  bankFile: string;
  dataDir: string;
  maxItems?: number;
  /** Kill the server once this share of all answers (takers × max items) has been accepted; null: no kill. */
  killAfter?: number | null;
  /** After the kill, leave a torn event at the end of the journal (what a kill mid-write leaves). */
  tear?: boolean;
  seed?: number;
  timeoutMs?: number;
}

export interface LoadReport {
  takers: number;
  maxItems: number;
  finished: number;
  answers: number;
  requests: number;
  failedRequests: number;
  seconds: number;
  requestsPerSecond: number;
  beforeKill: { requests: number; seconds: number; requestsPerSecond: number } | null;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  killed: boolean;
  restartMs: number | null;
  /** Sessions that were in progress at the kill and went on after the restart. */
  resumed: number;
  /** Answers whose reply the kill cut off but which the journal holds (taken from the server's state). */
  cutOffButKept: number;
  tornLineInjected: boolean;
  tornLineReported: string | null;
  failures: string[];
}

interface Answered {
  item: string;
  answers: Array<boolean | string>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type State = any;

function percentile(sorted: number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The simulee's answers to an item: each stimulus or gap right with probability p. */
function answersFor(item: Item, p: number, rng: Rng): Array<boolean | string> {
  if (item.format === 'yesno') return item.stimuli.map((s) => (rng.float() < p ? s.real : !s.real));
  return item.gaps.map((g) => (rng.float() < p ? g.answer : 'x'));
}

/** The score the library gives these answers (the MLE on the 100-point scale, clamped as the test reports it). */
export function libraryScore(bank: Bank, answered: Answered[]): number {
  const items = answered.map((a) => bank.items[bank.index.get(a.item)!]);
  const est = estimateMle(items.map((it) => bank.logits[bank.index.get(it.id)!]), items.map((it, k) => gradeAnswers(it, answered[k].answers)));
  return Math.min(100, Math.max(0, logitToScale(est.theta)));
}

export async function runLoad(bank: Bank, options: LoadOptions): Promise<LoadReport> {
  const { takers, bankFile, dataDir } = options;
  if (!Number.isInteger(takers) || takers < 1 || takers > MAX_TAKERS) throw new RangeError(`takers must be 1..${MAX_TAKERS}, got ${takers}`);
  const maxItems = options.maxItems ?? 25;
  const killAfter = options.killAfter === undefined ? 0.5 : options.killAfter;
  const tear = options.tear ?? true;
  const seed = options.seed ?? 0;
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const failures: string[] = [];
  const fail = (m: string) => {
    if (failures.length < 50) failures.push(m);
  };
  const extra = ['--max-items', String(maxItems)];
  let server: ServeProcess = await startServeProcess(bankFile, dataDir, 0, extra);
  const port = server.port;
  let url = server.url;
  // Resolved while the server is up; replaced by a pending promise while it is down.
  let up: Promise<void> = Promise.resolve();
  let killed = false;
  let aborted = false;
  let restartMs: number | null = null;
  let tornLineReported: string | null = null;
  let tornLineInjected = false;
  let accepted = 0;
  let requests = 0;
  let failedRequests = 0;
  const latencies: number[] = [];
  let beforeKill: LoadReport['beforeKill'] = null;
  const started = Date.now();
  const killAt = killAfter == null ? Infinity : Math.max(1, Math.floor(killAfter * takers * maxItems));
  const finishedFlags = new Uint8Array(takers);
  let inProgressAtKill: number[] = [];
  let cutOffButKept = 0;

  const killAndRestart = async () => {
    killed = true;
    inProgressAtKill = Array.from({ length: takers }, (_, k) => k).filter((k) => !finishedFlags[k]);
    beforeKill = { requests, seconds: (Date.now() - started) / 1000, requestsPerSecond: requests / ((Date.now() - started) / 1000) };
    let release!: () => void;
    up = new Promise<void>((r) => (release = r));
    server.child.kill('SIGKILL');
    await server.exited;
    const t0 = Date.now();
    const file = path.join(dataDir, 'sessions.jsonl');
    const text = fs.readFileSync(file, 'utf8');
    if (tear && text.endsWith('\n')) {
      const lines = text.trimEnd().split('\n');
      const last = lines[lines.length - 1];
      fs.appendFileSync(file, last.slice(0, Math.floor(last.length / 2)));
      tornLineInjected = true;
    }
    try {
      server = await startServeProcess(bankFile, dataDir, port, extra);
    } catch (e) {
      // The restart failed (e.g. the journal could not be read): the run is over, as a failure, not a hang.
      fail(`the server did not restart after the kill: ${(e as Error).message.slice(0, 400)}`);
      aborted = true;
      release();
      return;
    }
    restartMs = Date.now() - t0;
    url = server.url;
    const m = server.stderr().match(/dropped a torn last line[^\n]*/);
    tornLineReported = m ? m[0] : null;
    release();
  };

  /** A request that counts and times itself; null when the server could not be reached (it was killed). */
  const request = async (method: string, p: string, body?: unknown): Promise<{ status: number; json: State } | null> => {
    for (;;) {
      await up;
      if (aborted) throw new Error('the run was aborted');
      if (Date.now() > deadline) throw new Error('the load run passed its time limit');
      const t = performance.now();
      const base = url;
      try {
        const res = await fetch(base + p, body === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const json = await res.json();
        latencies.push(performance.now() - t);
        requests++;
        return { status: res.status, json };
      } catch {
        failedRequests++;
        if (!killed) {
          // Not the kill: a real failure (the server may have died by itself); give up on this taker.
          fail(`${method} ${p}: the server did not answer before any kill`);
          throw new Error('server unreachable');
        }
        return null;
      }
    }
  };

  const taker = async (k: number): Promise<{ answered: Answered[]; result: State } | null> => {
    const rng = new Rng(Rng.derive(seed, 'taker', k).nextUint32());
    const theta = scaleToLogit(50 + 20 * rng.normal());
    let st: State = null;
    while (!st) {
      const r = await request('POST', '/api/sessions');
      if (r && r.status === 201) st = r.json;
      else if (r) {
        fail(`taker ${k}: starting a session gave ${r.status}`);
        return null;
      }
    }
    const id: string = st.session;
    const answered: Answered[] = [];
    while (!st.done) {
      const item = bank.items[bank.index.get(st.item.id)!];
      if (!item) {
        fail(`taker ${k}: the server gave item ${st.item.id}, not in the bank`);
        return null;
      }
      const answers = answersFor(item, irf(theta, bank.logits[bank.index.get(item.id)!]), rng);
      const r = await request('POST', `/api/sessions/${id}/answers`, { item: item.id, answers });
      if (r && r.status === 200) {
        answered.push({ item: item.id, answers });
        st = r.json;
        if (++accepted === killAt) void killAndRestart();
        continue;
      }
      if (r) {
        fail(`taker ${k}: answer ${answered.length + 1} gave ${r.status} ${JSON.stringify(r.json).slice(0, 120)}`);
        return null;
      }
      // The server went down with this answer in flight: resume from what it has.
      let again: { status: number; json: State } | null = null;
      while (!again) again = await request('GET', `/api/sessions/${id}`);
      if (again.status !== 200) {
        fail(`taker ${k}: session ${id} not found after the restart (${again.status})`);
        return null;
      }
      const has = again.json.answered as number;
      if (has === answered.length + 1) {
        // Journalled before the kill, reply lost: the server's record is the answer given.
        answered.push({ item: item.id, answers });
        cutOffButKept++;
      } else if (has !== answered.length) {
        fail(`taker ${k}: ${answered.length} answers accepted, the restarted server has ${has}`);
        return null;
      }
      st = again.json;
    }
    return { answered, result: st.result };
  };

  const ids = await Promise.all(Array.from({ length: takers }, (_, k) => taker(k).then(
    (r) => {
      finishedFlags[k] = 1;
      return r;
    },
    (e: Error) => {
      finishedFlags[k] = 1;
      fail(`taker ${k}: ${e.message}`);
      return null;
    },
  )));
  const seconds = (Date.now() - started) / 1000;
  await up;
  server.child.kill('SIGTERM');
  await server.exited;
  if (aborted) return { ...emptyReport(takers, maxItems), seconds, failures };

  // Every answer accepted is in the journal, in order; every score is the library's.
  const journal = Journal.read(path.join(dataDir, 'sessions.jsonl'));
  if (journal.torn) fail(`the journal ends in a torn line after a clean stop: ${journal.torn.preview}`);
  const bySession = new Map<string, Array<Extract<JournalEvent, { type: 'answer' }>>>();
  for (const ev of journal.events) if (ev.type === 'answer') (bySession.get(ev.session) ?? bySession.set(ev.session, []).get(ev.session)!).push(ev);
  let finished = 0;
  let answersTotal = 0;
  for (const [k, o] of ids.entries()) {
    if (o) answersTotal += o.answered.length;
    if (o?.result) finished++;
    if (!o || !o.result) {
      if (o) fail(`taker ${k}: finished without a result`);
      continue;
    }
    const want = libraryScore(bank, o.answered);
    if (!(Math.abs(o.result.score - want) < 1e-9)) fail(`taker ${k}: the server scored ${o.result.score}, the library ${want}`);
    if (o.result.items !== o.answered.length) fail(`taker ${k}: ${o.answered.length} answers, the result counts ${o.result.items}`);
  }
  // Match sessions to takers through their answer sequences (the session id is the first journalled event's).
  const journalled = new Map<string, Answered[]>();
  for (const [s, evs] of bySession) journalled.set(s, evs.map((e) => ({ item: e.item, answers: e.answers })));
  const usedSessions = new Set<string>();
  for (const [k, o] of ids.entries()) {
    if (!o) continue;
    const match = [...journalled.entries()].find(([s, list]) => !usedSessions.has(s) && list.length === o.answered.length && list.every((a, i) => a.item === o.answered[i].item && JSON.stringify(a.answers) === JSON.stringify(o.answered[i].answers)));
    if (!match) fail(`taker ${k}: its ${o.answered.length} accepted answers are not in the journal as one session`);
    else usedSessions.add(match[0]);
  }
  if (killed && tornLineInjected && !tornLineReported) fail('the restarted server did not report the torn line it dropped');
  const resumed = inProgressAtKill.filter((k) => ids[k]?.result).length;
  if (killed && resumed !== inProgressAtKill.length) fail(`${inProgressAtKill.length - resumed} of ${inProgressAtKill.length} sessions in progress at the kill did not finish after the restart`);
  if (killAfter != null && !killed) fail('the run ended before the kill point: nothing was tested across a restart');
  latencies.sort((a, b) => a - b);
  return {
    takers, maxItems, finished, answers: answersTotal, requests, failedRequests, seconds, requestsPerSecond: requests / seconds, beforeKill,
    latencyMs: { p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] ?? Number.NaN },
    killed, restartMs, resumed, cutOffButKept, tornLineInjected, tornLineReported, failures,
  };
}

function emptyReport(takers: number, maxItems: number): LoadReport {
  return {
    takers, maxItems, finished: 0, answers: 0, requests: 0, failedRequests: 0, seconds: 0, requestsPerSecond: 0, beforeKill: null,
    latencyMs: { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN }, killed: true, restartMs: null, resumed: 0, cutOffButKept: 0,
    tornLineInjected: false, tornLineReported: null, failures: [],
  };
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<number> {
  ensureBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cefrlab-cat-load-'));
  try {
    const bankFile = process.argv.includes('--bank') ? arg('--bank', '') : writeBankFile(syntheticBank({ perBin: 20, seed: 0 }), path.join(dir, 'bank.jsonl'));
    const bank = loadBank(bankFile);
    const report = await runLoad(bank, {
      takers: Number(arg('--takers', '200')), bankFile, dataDir: path.join(dir, 'data'), maxItems: Number(arg('--max-items', '25')),
      killAfter: process.argv.includes('--no-kill') ? null : Number(arg('--kill-after', '0.5')), tear: !process.argv.includes('--no-tear'),
      seed: Number(arg('--seed', '0')), timeoutMs: 1000 * Number(arg('--timeout-s', '300')),
    });
    const out = arg('--out', '');
    if (out) fs.writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    const f = (x: number) => x.toFixed(1);
    process.stderr.write(
      `${report.takers} takers, ${report.answers} answers, ${report.requests} requests in ${f(report.seconds)} s: ${f(report.requestsPerSecond)} requests/s` +
        (report.beforeKill ? ` (${f(report.beforeKill.requestsPerSecond)} before the kill; restart ${report.restartMs} ms)` : '') +
        `; latency p50 ${f(report.latencyMs.p50)} ms, p99 ${f(report.latencyMs.p99)} ms; ${report.failures.length} failures\n`,
    );
    return report.failures.length ? 1 : 0;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then((code) => (process.exitCode = code), (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  });
}
