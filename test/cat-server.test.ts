import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testBank } from './cat-helpers';
import { startServer, gradeAnswers } from '../src/cat/server';
import { estimateMle } from '../src/irt/estimate';
import { logitToScale } from '../src/irt/scale';
import type { Item } from '../src/items/types';

const bank = testBank(5);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function rightAnswers(item: Item): Array<boolean | string> {
  return item.format === 'yesno' ? item.stimuli.map((s) => s.real) : item.gaps.map((g) => g.answer);
}

test('cat server: validation, replay, restart from the journal, and the final score', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cat-server-'));
  let server = await startServer({ bank, dataDir, port: 0, config: { maxItems: 6 } });
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'binds 127.0.0.1 by default');
  const post = (url: string, body: string, type = 'application/json') => fetch(server.url + url, { method: 'POST', headers: { 'content-type': type }, body });
  try {
    const page = await fetch(server.url + '/');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html lang="en">/);
    assert.equal((await fetch(server.url + '/plotly.js')).status, 200);

    const started = await fetch(server.url + '/api/sessions', { method: 'POST' });
    assert.equal(started.status, 201);
    let st = await started.json() as Json;
    const id: string = st.session;
    const text = JSON.stringify(st);
    assert.ok(!/difficulty|"real"|"answer"|"bin"|"word"/.test(text), `nothing secret on the page: ${text.slice(0, 200)}`);

    assert.equal((await fetch(server.url + '/api/sessions/0123456789abcdef0123456789abcdef')).status, 404);
    assert.equal((await fetch(server.url + '/api/sessions/not-a-session')).status, 404);
    const bad = await post(`/api/sessions/${id}/answers`, '{"item": "x", "answers": [');
    assert.equal(bad.status, 400);
    assert.match((await bad.json() as Json).message, /not valid JSON/);
    assert.equal((await post(`/api/sessions/${id}/answers`, 'item=x', 'application/x-www-form-urlencoded')).status, 415);
    const big = await post(`/api/sessions/${id}/answers`, JSON.stringify({ item: st.item.id, answers: ['x'.repeat(20000)] }));
    assert.equal(big.status, 413);
    assert.match((await big.json() as Json).message, /larger than 16384 bytes/);
    assert.equal((await post(`/api/sessions/${id}/answers`, JSON.stringify({ item: st.item.id }))).status, 400);
    assert.equal((await post(`/api/sessions/${id}/answers`, JSON.stringify({ item: st.item.id, answers: [true] }))).status, 400);
    const wrongItem = await post(`/api/sessions/${id}/answers`, JSON.stringify({ item: 'yesno-00001x', answers: [] }));
    assert.equal(wrongItem.status, 409);

    const given: Array<{ item: Item; answers: Array<boolean | string> }> = [];
    const answer = async (flip: boolean) => {
      const item = bank.items[bank.index.get(st.item.id)!];
      let answers = rightAnswers(item);
      if (flip) answers = answers.map((a) => (typeof a === 'boolean' ? !a : 'zz'));
      const res = await post(`/api/sessions/${id}/answers`, JSON.stringify({ item: item.id, answers }));
      assert.equal(res.status, 200);
      given.push({ item, answers });
      st = await res.json() as Json;
      return item;
    };
    const first = await answer(false);
    const replay = await post(`/api/sessions/${id}/answers`, JSON.stringify({ item: first.id, answers: rightAnswers(first) }));
    assert.equal(replay.status, 409);
    assert.match((await replay.json() as Json).message, /already answered/);
    await answer(true);
    await answer(false);

    // Restart: a new server on the same journal has the same session, the same answers and the same next item.
    const before = st.item.id;
    await server.close();
    server = await startServer({ bank, dataDir, port: 0, config: { maxItems: 6 } });
    const resumed = await (await fetch(`${server.url}/api/sessions/${id}`)).json() as Json;
    assert.equal(resumed.answered, 3);
    assert.equal(resumed.item.id, before);
    st = resumed;
    await answer(true);
    await answer(false);
    await answer(false);
    assert.equal(st.done, true);
    assert.equal(st.result.items, 6);
    const graded = given.map((g) => gradeAnswers(g.item, g.answers));
    const est = estimateMle(given.map((g) => bank.logits[bank.index.get(g.item.id)!]), graded);
    assert.ok(Math.abs(st.result.score - Math.min(100, Math.max(0, logitToScale(est.theta)))) < 1e-9);
    assert.ok(Math.abs(st.result.se - 10 * est.se) < 1e-9);
    assert.equal(st.result.history.length, 6);
    const after = await post(`/api/sessions/${id}/answers`, JSON.stringify({ item: first.id, answers: rightAnswers(first) }));
    assert.equal(after.status, 409);
    // The journal is append-only JSON lines.
    const lines = fs.readFileSync(server.journalFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.type), ['start', 'answer', 'answer', 'answer', 'answer', 'answer', 'answer']);
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
