/**
 * Shared e2e plumbing: a real gateway process in front of real loopback mock upstreams, request
 * helpers that always carry a timeout (a hang fails the test instead of stalling the run), SSE
 * readers and builders for scripted upstream bytes, and OpenAPI conformance checks.
 */
import { createServer } from 'node:net';
import { expect } from 'vitest';
import { type GatewayProcess, mockConfig, startGatewayProcess, TEST_API_KEY } from '../support/gateway-process.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { loadOpenApiValidator } from '../support/openapi.ts';

/** Every request made by these tests is aborted after this long. @unit ms */
export const REQUEST_TIMEOUT_MS = 15_000;

const validator = loadOpenApiValidator();
if (!validator) {
  console.warn('OpenAPI spec ../shared/reference/openai-openapi/openapi.yaml is absent: skipping schema conformance assertions');
}

/** Asserts `value` matches OpenAI's component schema (a no-op, said once above, when the spec is absent). */
export function conforms(component: string, value: unknown): void {
  validator?.assert(component, value);
}

// biome-ignore lint/suspicious/noExplicitAny: decoded wire JSON, asserted field by field
export type Json = Record<string, any>;

export interface Stack {
  gateway: GatewayProcess;
  url: string;
  /** mock0, mock1, … in config order. */
  mocks: MockUpstream[];
  /** Clears every mock's recorded requests and restores its echo fallback. */
  reset(): void;
  /**
   * Stops everything; rejects when the gateway logged an error-level line or a stack trace.
   * @param expected error lines a test provoked on purpose (matched lines are not failures)
   */
  stop(expected?: RegExp): Promise<void>;
}

export interface StackOptions {
  /** @default 2 */
  mocks?: number;
  /** Merged into the `server` section (e.g. `maxBodyBytes`, `cors`). */
  server?: Record<string, unknown>;
  /** The `edge` section. @default { models: [] } (no edge models: these stacks test the pool) */
  edge?: Record<string, unknown>;
  /** Extra aliases, merged into `models` (an `auto` here replaces the default one). */
  models?: Record<string, unknown>;
  /** Extra prices, merged into `metering.prices`. */
  prices?: Record<string, unknown>;
}

/** A port nothing listens on (connection refused). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts mocks and the gateway. Besides mockConfig's `auto` (mock0 → mock1 …) the config has the
 * aliases `solo` (mock0 only) and `refused` (a member whose port refuses connections → mock1).
 */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const mocks = await Promise.all(Array.from({ length: opts.mocks ?? 2 }, () => startMockUpstream()));
  const base = mockConfig(mocks.map((m) => m.baseUrl)) as Json;
  const dead = {
    name: 'dead',
    baseUrl: `http://127.0.0.1:${await closedPort()}/v1`,
    models: ['dead-model'],
    version: 'test',
    timeouts: { connectMs: 1000, firstByteMs: 3000, idleMs: 2000 },
  };
  const config = {
    ...base,
    server: { ...(opts.server ?? {}) },
    upstreams: [...base.upstreams, dead],
    edge: opts.edge ?? { models: [] },
    metering: { prices: { ...base.metering.prices, ...opts.prices } },
    models: {
      ...base.models,
      solo: { policy: 'failover', targets: [{ upstream: 'mock0' }] },
      refused: { policy: 'failover', targets: [{ upstream: 'dead', model: 'mock-model' }, { upstream: mocks[1] ? 'mock1' : 'mock0' }] },
      ...opts.models,
    },
  };
  const gateway = await startGatewayProcess(config);
  return {
    gateway,
    url: gateway.url,
    mocks,
    reset() {
      for (const m of mocks) {
        m.requests.length = 0;
        m.fallback = { kind: 'echo' };
      }
    },
    async stop(expected) {
      await gateway.stop();
      await Promise.all(mocks.map((m) => m.close()));
      // a 500 or a crash would show here even where a test only looked at the client side
      const failures = gateway.logs.filter((line) => /"level":"error"|Unhandled|uncaught|^\s+at /i.test(line) && !expected?.test(line));
      if (failures.length > 0) throw new Error(`the gateway logged errors:\n${failures.join('\n')}`);
    },
  };
}

export interface PostOptions {
  /** Sent as given; without an `authorization` header, `Bearer ${TEST_API_KEY}` is added. */
  headers?: Record<string, string>;
  /** Override the timeout signal (e.g. to abort mid-stream). */
  signal?: AbortSignal;
}

/** POSTs `body` (an object → JSON; a string or bytes as is) with `content-type: application/json`. */
export function post(url: string, body: unknown, opts: PostOptions = {}): Promise<Response> {
  const raw: BodyInit = typeof body === 'string' ? body : body instanceof Uint8Array ? new Uint8Array(body) : JSON.stringify(body);
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...withAuth(opts.headers) },
    body: raw,
    signal: opts.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

/** `headers` plus the test gateway's API key, unless they carry an `authorization` header already. */
export function withAuth(headers: Record<string, string> = {}): Record<string, string> {
  const has = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  return has ? headers : { ...headers, authorization: `Bearer ${TEST_API_KEY}` };
}

/** A minimal valid chat request for `model` (default `auto`). */
export function chatBody(extra: Json = {}, text = 'hello there'): Json {
  return { model: 'auto', messages: [{ role: 'user', content: text }], ...extra };
}

/** Asserts a JSON error response in OpenAI's envelope and returns its `error`. */
export async function expectError(res: Response, status: number, code: string, param?: string | null): Promise<Json> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/i);
  const body = JSON.parse(text) as Json;
  conforms('ErrorResponse', body);
  expect(body.error.code).toBe(code);
  if (param !== undefined) expect(body.error.param).toBe(param);
  return body.error;
}

/** A client-side view of one SSE response. */
export interface SseRead {
  /** Every event's `data`, in order, `[DONE]` included. */
  datas: string[];
  /** Decoded JSON events that are completion chunks (no `error` key). */
  chunks: Json[];
  /** Decoded in-band error events. */
  errors: Json[];
  /** How many `[DONE]` events arrived. */
  doneCount: number;
}

/** Parses a complete SSE text (the gateway writes `data: …\n\n` events). */
export function parseSse(text: string): SseRead {
  const out: SseRead = { datas: [], chunks: [], errors: [], doneCount: 0 };
  for (const block of text.split(/\r?\n\r?\n/)) {
    const lines = block.split(/\r?\n/).filter((l) => l.startsWith('data:'));
    if (lines.length === 0) continue;
    const data = lines.map((l) => l.slice(5).replace(/^ /, '')).join('\n');
    out.datas.push(data);
    if (data === '[DONE]') {
      out.doneCount++;
      continue;
    }
    const value = JSON.parse(data) as Json;
    if (value.error !== undefined) out.errors.push(value);
    else out.chunks.push(value);
  }
  return out;
}

/**
 * Reads a whole streamed response and checks it against the wire contract: SSE content type,
 * every chunk a valid `component`, every in-band error a valid ErrorResponse.
 * @param component null for legacy `/v1/completions` streams: the spec has no chunk schema for
 *   them (CreateCompletionResponse requires a non-null finish_reason, which mid-stream chunks lack)
 */
export async function readSse(res: Response, component: string | null = 'CreateChatCompletionStreamResponse'): Promise<SseRead> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const read = parseSse(await res.text());
  if (component !== null) for (const chunk of read.chunks) conforms(component, chunk);
  for (const err of read.errors) conforms('ErrorResponse', err);
  return read;
}

/** The concatenated `delta.content` (chat) or `text` (legacy) of choice 0. */
export function streamedText(chunks: Json[]): string {
  return chunks.map((c) => c.choices?.[0]?.delta?.content ?? c.choices?.[0]?.text ?? '').join('');
}

/** Asserts a normal end: exactly one `[DONE]`, as the last event, and no in-band error. */
export function expectCleanEnd(read: SseRead): void {
  expect(read.errors).toEqual([]);
  expect(read.doneCount).toBe(1);
  expect(read.datas.at(-1)).toBe('[DONE]');
}

/** Asserts a cut stream: one in-band error with `code` as the last event, no `[DONE]`, no finish_reason. */
export function expectInBandError(read: SseRead, code: string): void {
  expect(read.doneCount).toBe(0);
  expect(read.errors).toHaveLength(1);
  expect(read.errors[0]?.error.code).toBe(code);
  expect(JSON.parse(read.datas.at(-1) as string).error.code).toBe(code);
  for (const chunk of read.chunks) for (const choice of chunk.choices ?? []) expect(choice.finish_reason ?? null).toBeNull();
}

// ---- scripted upstream bytes ------------------------------------------------------------

/** One SSE event `data: <json>` with the given line end. */
export function sse(value: unknown, eol = '\n'): string {
  return `data: ${typeof value === 'string' ? value : JSON.stringify(value)}${eol}${eol}`;
}

export const UPSTREAM_DONE = 'data: [DONE]\n\n';

/** An upstream chat chunk. */
export function chatChunk(delta: Json, finishReason: string | null = null, extra: Json = {}): Json {
  return {
    id: 'up-1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'mock-model',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...extra,
  };
}

/** The final usage chunk an upstream sends for `stream_options.include_usage`. */
export function usageChunk(promptTokens: number, completionTokens: number): Json {
  return {
    id: 'up-1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'mock-model',
    choices: [],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

/** A role chunk followed by one content chunk per text. */
export function contentEvents(texts: string[]): string[] {
  return [sse(chatChunk({ role: 'assistant', content: '' })), ...texts.map((t) => sse(chatChunk({ content: t })))];
}

/** A complete, well-formed upstream stream of `texts`. */
export function fullStream(texts: string[], finishReason = 'stop'): string[] {
  return [...contentEvents(texts), sse(chatChunk({}, finishReason)), sse(usageChunk(2, texts.length)), UPSTREAM_DONE];
}

/** Resolves with `promise`, or rejects after `ms` (so an await never hangs a test). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
