/**
 * A real loopback HTTP server that speaks OpenAI's wire format, for tests, benchmarks and the
 * demo `npm start` (until the gpu-worker lands). By default it echoes the last user message back;
 * tests queue scripted behaviours (raw SSE byte pieces, status codes, hangs, cut connections) to
 * inject upstream faults. Every received request is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer. */
export type MockBehaviour =
  /** The default: echo the last user message (JSON or SSE, as the request asks); with `gate`, only once it resolves. */
  | { kind: 'echo'; delayMs?: number; chunkDelayMs?: number; finishReason?: string; omitUsage?: boolean; gate?: Promise<unknown> }
  /** A fixed status, body and headers. */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Raw bytes written in these pieces, `gapMs` apart; the connection then ends (or is destroyed). */
  | { kind: 'raw'; pieces: Array<string | Uint8Array>; gapMs?: number; contentType?: string; destroy?: boolean }
  /** Accept the request and never answer. */
  | { kind: 'hang' }
  /** Destroy the socket before answering. */
  | { kind: 'destroy' }
  /**
   * A chat stream of `chunks` content chunks of `chunkChars` characters each, written as fast as the
   * connection takes them (waiting on 'drain': TCP back-pressure); `progress.bytes` counts what was
   * written so far, so a test sees how far a slow reader let it get.
   */
  | { kind: 'flood'; chunks: number; chunkChars: number; progress: { bytes: number } };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** Resolves when the gateway closed this connection/response (ms since the request arrived). */
  closed: Promise<number>;
}

export interface MockUpstream {
  /** e.g. `http://127.0.0.1:40123/v1` */
  baseUrl: string;
  port: number;
  requests: RecordedRequest[];
  /** Queue behaviours for the next requests (FIFO); when empty, `fallback` answers. */
  enqueue(...behaviours: MockBehaviour[]): void;
  /** The behaviour used when the queue is empty. @default { kind: 'echo' } */
  fallback: MockBehaviour;
  close(): Promise<void>;
}

/** Deterministic "tokenizer" of the mock: whitespace-separated words, each its own token. */
export function mockTokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

function lastUserText(body: Record<string, unknown>): string {
  if (typeof body.prompt === 'string') return body.prompt;
  const messages = Array.isArray(body.messages) ? (body.messages as Array<Record<string, unknown>>) : [];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function answerEcho(req: RecordedRequest, res: ServerResponse, b: Extract<MockBehaviour, { kind: 'echo' }>): Promise<void> {
  const chat = req.path.endsWith('/chat/completions');
  const text = `echo: ${lastUserText(req.body)}`;
  const tokens = mockTokens(text);
  const maxTokens = typeof req.body.max_tokens === 'number' ? req.body.max_tokens : Number.POSITIVE_INFINITY;
  const out = tokens.slice(0, maxTokens);
  const finish = b.finishReason ?? (out.length < tokens.length ? 'length' : 'stop');
  const promptTokens = mockTokens(lastUserText(req.body)).length;
  const usage = { prompt_tokens: promptTokens, completion_tokens: out.length, total_tokens: promptTokens + out.length };
  const model = String(req.body.model);
  const created = Math.floor(Date.now() / 1000);
  if (b.delayMs) await sleep(b.delayMs);
  if (b.gate) await b.gate;
  if (req.body.stream !== true) {
    const choice = chat
      ? { index: 0, message: { role: 'assistant', content: out.join(''), refusal: null }, logprobs: null, finish_reason: finish }
      : { index: 0, text: out.join(''), logprobs: null, finish_reason: finish };
    const body = {
      id: 'mock-1',
      object: chat ? 'chat.completion' : 'text_completion',
      created,
      model,
      choices: [choice],
      ...(b.omitUsage ? {} : { usage }),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const object = chat ? 'chat.completion.chunk' : 'text_completion';
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ id: 'mock-1', object, created, model, choices, ...extra })}\n\n`);
  if (chat) send([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  for (const t of out) {
    if (res.destroyed) return;
    send([
      chat
        ? { index: 0, delta: { content: t }, logprobs: null, finish_reason: null }
        : { index: 0, text: t, logprobs: null, finish_reason: null },
    ]);
    if (b.chunkDelayMs) await sleep(b.chunkDelayMs);
    // respect backpressure: a reader that stops reading must not make this process buffer the stream
    else if (res.writableNeedDrain) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
  }
  send([
    chat ? { index: 0, delta: {}, logprobs: null, finish_reason: finish } : { index: 0, text: '', logprobs: null, finish_reason: finish },
  ]);
  const includeUsage = (req.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
  if (includeUsage && !b.omitUsage) send([], { usage });
  res.end('data: [DONE]\n\n');
}

async function answerFlood(res: ServerResponse, b: Extract<MockBehaviour, { kind: 'flood' }>): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const content = 'x'.repeat(b.chunkChars);
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id: 'flood', object: 'chat.completion.chunk', created: 1, model: 'mock-model', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  for (let i = 0; i < b.chunks; i++) {
    if (res.destroyed) return;
    const data = chunk(i === 0 ? { role: 'assistant', content } : { content }, null);
    b.progress.bytes += data.length;
    if (!res.write(data)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
  }
  res.end(`${chunk({}, 'length')}data: [DONE]\n\n`);
}

async function answer(req: RecordedRequest, res: ServerResponse, b: MockBehaviour): Promise<void> {
  switch (b.kind) {
    case 'echo':
      return answerEcho(req, res, b);
    case 'status':
      res.writeHead(b.status, { 'content-type': 'application/json', ...b.headers });
      res.end(b.body === undefined ? '' : typeof b.body === 'string' ? b.body : JSON.stringify(b.body));
      return;
    case 'raw':
      res.writeHead(200, { 'content-type': b.contentType ?? 'text/event-stream' });
      res.flushHeaders();
      for (const piece of b.pieces) {
        if (res.destroyed) return;
        res.write(piece);
        await sleep(b.gapMs ?? 2);
      }
      if (b.destroy) res.socket?.destroy();
      else res.end();
      return;
    case 'flood':
      return answerFlood(res, b);
    case 'hang':
      return;
    case 'destroy':
      res.socket?.destroy();
      return;
  }
}

/** Starts the mock on 127.0.0.1 (port 0 → a free port). */
export async function startMockUpstream(port = 0): Promise<MockUpstream> {
  const queue: MockBehaviour[] = [];
  const requests: RecordedRequest[] = [];
  const state = { fallback: { kind: 'echo' } as MockBehaviour };
  const server: Server = createServer(async (incoming, res) => {
    res.socket?.setNoDelay(true);
    const startedMs = Date.now();
    const closed = new Promise<number>((resolve) => res.on('close', () => resolve(Date.now() - startedMs)));
    const raw = await new Promise<string>((resolve) => {
      const parts: Buffer[] = [];
      incoming.on('data', (d: Buffer) => parts.push(d));
      incoming.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    });
    const path = incoming.url ?? '/';
    if (incoming.method === 'GET' && path.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [] }));
      return;
    }
    if (incoming.method === 'GET' && path === '/health') {
      // the gateway's active health check (not recorded: tests count completion requests)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw || '{}');
    } catch {
      // recorded as empty: the gateway never sends malformed JSON
    }
    const recorded: RecordedRequest = { method: incoming.method ?? '', path, headers: incoming.headers, body, closed };
    requests.push(recorded);
    await answer(recorded, res, queue.shift() ?? state.fallback).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${actualPort}/v1`,
    port: actualPort,
    requests,
    enqueue: (...b) => queue.push(...b),
    get fallback() {
      return state.fallback;
    },
    set fallback(b: MockBehaviour) {
      state.fallback = b;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 8000);
  const mock = await startMockUpstream(port);
  console.log(`mock upstream (echo) on ${mock.baseUrl}`);
}
