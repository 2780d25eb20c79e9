/**
 * @distillgate/sdk against the real gateway process (a loopback mock upstream stands in for the GPU
 * pool): completions plain and streamed, headers and the usage extension, an abort mid-stream,
 * in-band stream errors, Retry-After honoured, an idempotent retry billed once (read from the
 * gateway's SQLite usage rows), typed 400/401/413 errors, the usage endpoint and the admin API.
 * A recording `fetch` shows each attempt the client made, with its time and Idempotency-Key.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listUsage, type UsageEvent } from '@distillgate/db';
import { type NodeDatabase, openNodeDatabase } from '@distillgate/db/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  type ClientOptions,
  Distillgate,
  type Fetch,
  InBandStreamError,
  NotFoundError,
  RateLimitError,
  RequestTooLargeError,
} from '../../packages/sdk/src/index.ts';
import { type GatewayProcess, mockConfig, startGatewayProcess, TEST_API_KEY } from '../support/gateway-process.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { chatChunk, conforms, type Json, sse } from './helpers.ts';

const ADMIN_TOKEN = 'sdk-e2e-admin-token-0123456789abcdef';
/** Every client here gives up after this long per attempt, so a hang fails the test. @unit ms */
const TIMEOUT_MS = 10_000;

interface AttemptRecord {
  url: string;
  atMs: number;
  status: number | null;
  idempotencyKey: string | null;
}

let gateway: GatewayProcess;
let mock: MockUpstream;
let db: NodeDatabase;
let attempts: AttemptRecord[];

/** Wraps the global fetch: records each attempt; `lose(n)` makes attempt n's answer get lost after the gateway sent it. */
function recordingFetch(lose?: (n: number) => boolean): Fetch {
  return async (url, init) => {
    const headers = new Headers(init.headers);
    const record: AttemptRecord = { url, atMs: performance.now(), status: null, idempotencyKey: headers.get('idempotency-key') };
    attempts.push(record);
    const res = await fetch(url, init);
    record.status = res.status;
    if (lose?.(attempts.length)) {
      await res.text(); // the gateway finished its work; the answer never reaches the caller
      throw new TypeError('fetch failed: connection reset (simulated)');
    }
    return res;
  };
}

function client(options: ClientOptions = {}): Distillgate {
  return new Distillgate({
    baseURL: `${gateway.url}/v1`, // as the openai client takes it: the SDK strips `/v1`
    apiKey: TEST_API_KEY,
    adminToken: ADMIN_TOKEN,
    timeoutMs: TIMEOUT_MS,
    initialRetryDelayMs: 50,
    fetch: recordingFetch(),
    ...options,
  });
}

/** Polls the gateway's usage rows until `requestId` has one (rows are written after the answer). */
async function rowOf(requestId: string): Promise<UsageEvent> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const row = (await listUsage(db.db, { limit: 1000 })).find((r) => r.requestId === requestId);
    if (row || Date.now() > deadline) return row as UsageEvent;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const hello = { model: 'auto', messages: [{ role: 'user' as const, content: 'hello there' }] };

beforeAll(async () => {
  mock = await startMockUpstream();
  const file = join(mkdtempSync(join(tmpdir(), 'distillgate-sdk-')), 'distillgate.sqlite');
  const base = mockConfig([mock.baseUrl]) as Json;
  gateway = await startGatewayProcess(
    { ...base, edge: { models: [] }, metering: { ...base.metering, database: file } },
    { env: { DISTILLGATE_ADMIN_TOKEN: ADMIN_TOKEN } },
  );
  db = openNodeDatabase({ file, migrate: false });
});

afterAll(async () => {
  await gateway?.stop();
  await mock?.close();
  db?.close();
});

beforeEach(() => {
  attempts = [];
  mock.requests.length = 0;
  mock.fallback = { kind: 'echo' };
});

describe('completions', () => {
  it('chat, not streamed: a typed body, and the headers agree with the usage row', async () => {
    const { data, gateway: meta } = await client().chat.completions.create(hello).withResponse();
    conforms('CreateChatCompletionResponse', data);
    expect(data.choices[0]?.message.content).toBe('echo: hello there');
    expect(meta).toMatchObject({ route: 'pool', model: 'mock-model', modelVersion: 'test', idempotentReplay: false });
    expect(meta.costMicroUsd).toBeGreaterThan(0);
    const row = await rowOf(meta.requestId!);
    expect(row).toMatchObject({ status: 'ok', route: 'pool', costMicroUsd: meta.costMicroUsd });
    expect(attempts).toHaveLength(1);
  });

  it('chat, streamed: typed chunks up to [DONE], with usage and the distillgate extension', async () => {
    const stream = await client().chat.completions.create({ ...hello, stream: true, stream_options: { include_usage: true } });
    expect(stream.gateway).toMatchObject({ route: 'pool', model: 'mock-model', modelVersion: 'test', costMicroUsd: null });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      conforms('CreateChatCompletionStreamResponse', chunk);
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('echo: hello there');
    expect(finish).toBe('stop');
    expect(stream.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    expect(stream.distillgate).toMatchObject({ route: 'pool', model_version: 'mock-model@test' });
    const row = await rowOf(stream.gateway.requestId!);
    expect(row.costMicroUsd).toBe(stream.distillgate?.cost_micro_usd);
  });

  it('legacy completions, plain and streamed; models list', async () => {
    const dg = client();
    const plain = await dg.completions.create({ model: 'auto', prompt: 'one two' });
    expect(plain.choices[0]?.text).toBe('echo: one two');
    const stream = await dg.completions.create({ model: 'auto', prompt: 'three four', stream: true });
    const texts: string[] = [];
    for await (const chunk of stream) texts.push(chunk.choices[0]?.text ?? '');
    expect(texts.join('')).toBe('echo: three four');
    const models = await dg.models.list();
    expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(['auto', 'mock-model']));
  });

  it('an abort mid-stream ends the loop with APIUserAbortError; the gateway closes the upstream and bills client_aborted', async () => {
    mock.fallback = { kind: 'echo', chunkDelayMs: 40 };
    const aborter = new AbortController();
    const words = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    const stream = await client().chat.completions.create(
      { model: 'auto', messages: [{ role: 'user', content: words }], stream: true },
      { signal: aborter.signal },
    );
    let received = 0;
    const reading = (async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content && ++received === 5) aborter.abort();
    })();
    await expect(reading).rejects.toBeInstanceOf(APIUserAbortError);
    expect(received).toBe(5);
    const closedAfterMs = await Promise.race([mock.requests[0]!.closed, new Promise<number>((r) => setTimeout(() => r(-1), 5_000))]);
    expect(closedAfterMs).toBeGreaterThanOrEqual(0);
    expect((await rowOf(stream.gateway.requestId!)).status).toBe('client_aborted');
  });

  it('a stream cut upstream: InBandStreamError stream_truncated with the request id, no retry', async () => {
    mock.enqueue({
      kind: 'raw',
      pieces: [sse(chatChunk({ role: 'assistant', content: '' })), sse(chatChunk({ content: 'partial' }))],
      destroy: true,
    });
    const stream = await client().chat.completions.create({ model: 'auto', messages: hello.messages, stream: true });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InBandStreamError);
    expect((error as InBandStreamError).code).toBe('stream_truncated');
    expect((error as InBandStreamError).requestId).toBe(stream.gateway.requestId);
    expect(seen.join('')).toBe('partial');
    expect(attempts).toHaveLength(1);
  });
});

describe('retries', () => {
  it('503 with Retry-After (the gateway relaying an upstream 429): retried after the Retry-After, with the same Idempotency-Key', async () => {
    mock.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'busy', type: 'requests' } } });
    const answer = await client().chat.completions.create({ ...hello, model: 'auto' });
    expect(answer.choices[0]?.message.content).toBe('echo: hello there');
    expect(attempts.map((a) => a.status)).toEqual([503, 200]);
    expect(attempts[1]!.atMs - attempts[0]!.atMs).toBeGreaterThanOrEqual(1_000);
    expect(attempts[1]!.atMs - attempts[0]!.atMs).toBeLessThan(3_000);
    expect(attempts[0]!.idempotencyKey).toMatch(/^dgsdk-/);
    expect(attempts[1]!.idempotencyKey).toBe(attempts[0]!.idempotencyKey);
  });

  it("429 rate_limit_exceeded from the key's rpm: a typed RateLimitError, and the client waits out its Retry-After instead of retrying early", async () => {
    const admin = client();
    const key = await admin.admin.keys.create({ name: 'sdk-rpm', rpm: 1 });
    const limited = client({ apiKey: key.secret });
    await limited.chat.completions.create(hello);

    const error = await limited.chat.completions.create(hello, { maxRetries: 0 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RateLimitError);
    const rate = error as RateLimitError;
    expect(rate).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'requests' });
    expect(rate.requestId).toMatch(/.+/);
    const retryAfterS = Number(rate.headers.get('retry-after'));
    expect(retryAfterS).toBeGreaterThanOrEqual(50);
    expect(rate.headers.get('x-ratelimit-limit-requests')).toBe('1');

    // Retry-After ≈ 60 s: after 1.5 s the client is still waiting (no early retry); the abort ends the wait
    attempts = [];
    const aborter = new AbortController();
    const pending = limited.chat.completions.create(hello, { signal: aborter.signal }).then(
      () => null,
      (err: unknown) => err,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(attempts.map((a) => a.status)).toEqual([429]);
    aborter.abort();
    expect(await pending).toBeInstanceOf(APIUserAbortError);

    // a Retry-After above maxRetryAfterMs is not waited for: the 429 comes back at once
    const started = performance.now();
    await expect(client({ apiKey: key.secret, maxRetryAfterMs: 10_000 }).chat.completions.create(hello)).rejects.toBeInstanceOf(
      RateLimitError,
    );
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('an answer lost in transit: the retry carries the same Idempotency-Key, gets the stored answer, and is billed once', async () => {
    const dg = client({ fetch: recordingFetch((n) => n === 1) });
    const before = (await listUsage(db.db, { limit: 1000 })).length;
    const { data, gateway: meta } = await dg.chat.completions.create(hello).withResponse();
    expect(data.choices[0]?.message.content).toBe('echo: hello there');
    expect(meta.idempotentReplay).toBe(true);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts.map((a) => a.idempotencyKey)).size).toBe(1);
    expect(mock.requests).toHaveLength(1); // the upstream ran once
    await new Promise((r) => setTimeout(r, 300)); // a second row, if any, would be written by now
    const rows = (await listUsage(db.db, { limit: 1000 })).slice(0, -before || undefined);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'ok', costMicroUsd: meta.costMicroUsd });
    expect(rows[0]!.requestId).not.toBe(meta.requestId); // the replay's own id has no row
  });
});

describe('typed errors', () => {
  it('400 with param, 401, 413: their classes, status, code and request id, never retried', async () => {
    const dg = client();
    const bad = await dg.chat.completions.create({ model: 'auto', messages: [] }).catch((err: unknown) => err);
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(bad).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'messages' });
    expect((bad as BadRequestError).requestId).toMatch(/.+/);

    const unauthorized = await client({ apiKey: 'dg-not-a-key-0123456789' })
      .chat.completions.create(hello)
      .catch((err: unknown) => err);
    expect(unauthorized).toBeInstanceOf(AuthenticationError);
    expect(unauthorized).toMatchObject({ status: 401, code: 'invalid_api_key' });

    const huge = await dg.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }] })
      .catch((err: unknown) => err);
    expect(huge).toBeInstanceOf(RequestTooLargeError);
    expect(huge).toMatchObject({ status: 413, code: 'request_too_large' });
    expect((huge as RequestTooLargeError).requestId).toMatch(/.+/);

    expect(attempts.map((a) => a.status)).toEqual([400, 401, 413]);
    expect(mock.requests).toHaveLength(0);
  });
});

describe('usage and admin API', () => {
  it('keys with limits and budgets, prices, usage with filters, revoke', async () => {
    const dg = client();
    const created = await dg.admin.keys.create({ name: 'sdk-admin', tpm: 100_000, budget_micro_usd: 5_000_000 });
    expect(created.secret).toMatch(/^dg-/);
    const updated = await dg.admin.keys.update(created.id, { rpm: 100, budget_micro_usd: 7_000_000 });
    expect(updated).toMatchObject({ rpm: 100, tpm: 100_000, budget_micro_usd: 7_000_000, budget_period: 'month' });
    expect((await dg.admin.keys.list()).data.map((k) => k.id)).toContain(created.id);

    const price = await dg.admin.prices.set('mock-model', { input_micro_usd_per_mtok: 3_000_000, output_micro_usd_per_mtok: 4_000_000 });
    expect(price).toMatchObject({ model: 'mock-model', input_micro_usd_per_mtok: 3_000_000 });
    expect(await dg.admin.prices.retrieve('mock-model')).toMatchObject({ output_micro_usd_per_mtok: 4_000_000 });

    const user = client({ apiKey: created.secret });
    const { gateway: meta } = await user.chat.completions.create(hello).withResponse();
    await rowOf(meta.requestId!);
    const own = await user.usage.list({ model: 'mock-model', status: 'ok', since: new Date(Date.now() - 60_000), limit: 10 });
    expect(own.data.map((r) => r.request_id)).toEqual([meta.requestId]);
    expect(own.data[0]?.cost_micro_usd).toBe(meta.costMicroUsd);
    const sums = await user.usage.list({ group_by: 'route' });
    expect(sums.totals).toMatchObject({ requests: 1, cost_micro_usd: meta.costMicroUsd });
    const adminRows = await dg.admin.usage.list({ key_id: created.id });
    expect(adminRows.data[0]).toMatchObject({ request_id: meta.requestId, upstream_member: 'mock0' });
    expect((await dg.admin.models.list()).data.map((m) => m.id)).toContain('auto');

    await expect(dg.admin.keys.retrieve('key_doesnotexist0000')).rejects.toBeInstanceOf(NotFoundError);
    expect((await dg.admin.keys.revoke(created.id)).status).toBe('revoked');
    await expect(user.chat.completions.create(hello)).rejects.toBeInstanceOf(AuthenticationError);
    await expect(client({ adminToken: 'wrong-token' }).admin.keys.list()).rejects.toBeInstanceOf(AuthenticationError);
  });
});
