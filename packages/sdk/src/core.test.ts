import { describe, expect, it } from 'vitest';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  BadRequestError,
  ConflictError,
  Distillgate,
  type Fetch,
  InternalServerError,
  RateLimitError,
} from './index.ts';
import { apiError, json } from './test-support.ts';

const completion = { id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [] };
const hello = { model: 'auto', messages: [{ role: 'user' as const, content: 'hi' }] };

/** A fetch answering from `script` in order, recording each request. */
function scripted(script: Array<() => Response | Promise<Response>>) {
  const seen: Array<{ url: string; headers: Headers; body: unknown; atMs: number }> = [];
  const fetch: Fetch = async (url, init) => {
    seen.push({ url, headers: new Headers(init.headers), body: init.body && JSON.parse(String(init.body)), atMs: performance.now() });
    const next = script.shift();
    if (!next) throw new Error('unexpected request');
    return next();
  };
  return { fetch, seen };
}

const client = (fetch: Fetch, extra = {}) =>
  new Distillgate({ baseURL: 'http://gw.test/v1/', apiKey: 'dg-key', adminToken: 'adm', fetch, initialRetryDelayMs: 1, ...extra });

describe('core transport', () => {
  it('sends the API key, JSON and one Idempotency-Key reused across retries of connection errors and 5xx', async () => {
    const { fetch, seen } = scripted([
      () => Promise.reject(new TypeError('fetch failed')),
      () => apiError(502, 'upstream_error'),
      () =>
        json(200, completion, { 'x-request-id': 'r1', 'x-distillgate-route': 'edge', 'x-distillgate-model': 'distillgate-student@0.1.1' }),
    ]);
    const { data, gateway } = await client(fetch).chat.completions.create(hello).withResponse();
    expect(data).toEqual(completion);
    expect(gateway).toMatchObject({
      requestId: 'r1',
      route: 'edge',
      model: 'distillgate-student',
      modelVersion: '0.1.1',
      costMicroUsd: null,
    });
    expect(seen.map((s) => s.url)).toEqual(Array(3).fill('http://gw.test/v1/chat/completions'));
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer dg-key');
    expect(seen[0]!.headers.get('content-type')).toBe('application/json');
    expect(new Set(seen.map((s) => s.headers.get('idempotency-key'))).size).toBe(1);
    expect(seen[0]!.body).toEqual(hello);
  });

  it('a new logical request gets a new key; a given idempotencyKey is used as is', async () => {
    const { fetch, seen } = scripted([() => json(200, completion), () => json(200, completion)]);
    const dg = client(fetch);
    await dg.chat.completions.create(hello);
    await dg.chat.completions.create(hello, { idempotencyKey: 'mine-1' });
    expect(seen[0]!.headers.get('idempotency-key')).toMatch(/^dgsdk-/);
    expect(seen[1]!.headers.get('idempotency-key')).toBe('mine-1');
  });

  it('waits out Retry-After on 429 and on 409 idempotency_key_in_flight', async () => {
    const { fetch, seen } = scripted([
      () => apiError(429, 'rate_limit_exceeded', { 'retry-after-ms': '120' }),
      () => apiError(409, 'idempotency_key_in_flight', { 'retry-after-ms': '60' }),
      () => json(200, completion),
    ]);
    await client(fetch).chat.completions.create(hello);
    expect(seen[1]!.atMs - seen[0]!.atMs).toBeGreaterThanOrEqual(115);
    expect(seen[2]!.atMs - seen[1]!.atMs).toBeGreaterThanOrEqual(55);
  });

  it('throws typed errors at once for 400, insufficient_quota and other 409s, and after maxRetries for 5xx', async () => {
    const cases: Array<[Response, unknown, number]> = [
      [apiError(400, 'invalid_value', { 'x-request-id': 'r400' }), BadRequestError, 1],
      [apiError(429, 'insufficient_quota'), RateLimitError, 1],
      [apiError(409, 'other'), ConflictError, 1],
    ];
    for (const [response, Class, calls] of cases) {
      const { fetch, seen } = scripted([() => response]);
      const err = await client(fetch)
        .chat.completions.create(hello)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Class);
      expect(seen).toHaveLength(calls);
    }
    const { fetch, seen } = scripted(Array.from({ length: 3 }, () => () => apiError(503, 'model_unavailable')));
    const err = await client(fetch)
      .chat.completions.create(hello)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    expect(err).toMatchObject({ status: 503, code: 'model_unavailable' });
    expect(seen).toHaveLength(3);
    const bad = await client(scripted([() => apiError(400, 'invalid_value', { 'x-request-id': 'r400' })]).fetch)
      .models.list()
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, requestId: 'r400', error: { code: 'invalid_value', type: 'invalid_request_error' } });
  });

  it('times out an attempt (APIConnectionTimeoutError, retried), and maps fetch failures to APIConnectionError', async () => {
    const hang: Fetch = (_url, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const err = await client(hang, { timeoutMs: 30, maxRetries: 1 })
      .models.list()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIConnectionTimeoutError);
    const refused = await client(() => Promise.reject(new TypeError('ECONNREFUSED')), { maxRetries: 0 })
      .models.list()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(APIConnectionError);
    expect(refused).not.toBeInstanceOf(APIConnectionTimeoutError);
  });

  it('an AbortSignal ends the request and any retry wait with APIUserAbortError', async () => {
    const aborter = new AbortController();
    const { fetch, seen } = scripted([() => apiError(503, 'model_unavailable', { 'retry-after': '30' })]);
    const pending = client(fetch)
      .chat.completions.create(hello, { signal: aborter.signal })
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    aborter.abort();
    expect(await pending).toBeInstanceOf(APIUserAbortError);
    expect(seen).toHaveLength(1);
  });

  it('admin calls use the admin token, encode path segments and do not retry key creation', async () => {
    const { fetch, seen } = scripted([() => apiError(503, 'admin_disabled'), () => json(200, {})]);
    const dg = client(fetch);
    await expect(dg.admin.keys.create({ name: 'x' })).rejects.toBeInstanceOf(InternalServerError);
    await dg.admin.prices.retrieve('org/model a');
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer adm');
    expect(seen[1]!.url).toBe('http://gw.test/admin/v1/prices/org/model%20a');
  });

  it('usage queries encode Dates and skip undefined filters', async () => {
    const { fetch, seen } = scripted([() => json(200, { object: 'list', data: [], has_more: false, next_before_id: null })]);
    await client(fetch).usage.list({ since: new Date(0), model: undefined, limit: 5 });
    expect(seen[0]!.url).toBe('http://gw.test/v1/usage?since=1970-01-01T00%3A00%3A00.000Z&limit=5');
  });
});
