/**
 * A local fake OpenAI-compatible chat endpoint for the rating tests (127.0.0.1, random port). It records
 * every request (headers and JSON body) and answers through a script: a function of the request and its
 * sequence number that returns the reply content, or an HTTP error, optionally after a delay. Its replies are
 * test fixtures, never a model's output. With `models`, GET /models (the client's connection check) lists
 * those names (and is recorded like any request); without, the script answers it too.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  n: number;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

export type Action =
  | { content: string; delayMs?: number; promptTokens?: number; completionTokens?: number }
  | { status: number; headers?: Record<string, string>; error?: string; delayMs?: number };

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  maxInFlight: number;
  close(): Promise<void>;
}

/** The essay text of a request (the last user message's Response block). */
export function essayOf(body: any): string {
  const last = body.messages[body.messages.length - 1].content as string;
  const m = /Response: """\n([\s\S]*)\n"""$/.exec(last);
  return m ? m[1] : last;
}

/** The chat requests only (the connection check's GET /models left out). */
export const chatRequests = (s: FakeServer) => s.requests.filter((r) => r.url.endsWith('/chat/completions'));

export async function startFakeServer(script: (req: RecordedRequest) => Action, opts: { models?: string[] } = {}): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      let body: any = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = null;
      }
      const rec: RecordedRequest = { n: requests.length, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(rec);
      if (rec.method === 'GET' && /\/models$/.test(rec.url)) {
        inFlight--;
        // Without `models`, a server that keeps no model list: 404, as the client's check allows.
        res.writeHead(opts.models ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(opts.models
          ? { object: 'list', data: opts.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })) }
          : { error: { message: 'not found', type: 'fake', code: null } }));
        return;
      }
      const action = script(rec);
      const send = () => {
        inFlight--;
        if (res.destroyed) return;
        if ('status' in action) {
          res.writeHead(action.status, { 'content-type': 'application/json', ...(action.headers ?? {}) });
          res.end(JSON.stringify({ error: { message: action.error ?? `fake error ${action.status}`, type: 'fake', code: null } }));
          return;
        }
        const pt = action.promptTokens ?? 100 + rec.n;
        const ct = action.completionTokens ?? 3;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          id: `fake-${rec.n}`, object: 'chat.completion', created: 0, model: body?.model ?? 'fake',
          choices: [{ index: 0, message: { role: 'assistant', content: action.content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: pt, completion_tokens: ct, total_tokens: pt + ct },
        }));
      };
      if (action.delayMs) setTimeout(send, action.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
