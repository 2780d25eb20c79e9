/**
 * Metering against the real gateway process and its real SQLite file (read here through drizzle,
 * as the gateway writes it): budgets under a burst of concurrent requests, the exact-once usage
 * row, what a cut stream is billed, the 401 for every malformed key, and that no secret leaks
 * into logs, usage rows, error bodies or upstream requests.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey, getSpend, listAttempts, listCapturedPrompts, listUsage, type UsageEvent } from '@distillgate/db';
import { type NodeDatabase, openNodeDatabase } from '@distillgate/db/node';
import { countChatPrompt } from '@distillgate/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPromptFile } from '../../packages/distill/src/prompts/sources.ts';
import { type GatewayProcess, mockConfig, startGatewayProcess, TEST_API_KEY } from '../support/gateway-process.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { chatBody, conforms, type Json, post, REQUEST_TIMEOUT_MS } from './helpers.ts';

/** mockConfig's price of `mock-model`: USD per 1M tokens = micro-USD per token. */
const PRICE = { input: 1, output: 2 };

/** Polls `read` until `done(value)`, at most `timeoutMs`. */
async function until<T>(read: () => Promise<T> | T, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface MeteredStack {
  gateway: GatewayProcess;
  mock: MockUpstream;
  db: NodeDatabase;
  url: string;
  stop(): Promise<void>;
}

async function startMetered(env: Record<string, string> = {}, upstreamApiKey?: string): Promise<MeteredStack> {
  const mock = await startMockUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'distillgate-metering-'));
  const file = join(dir, 'distillgate.sqlite');
  const base = mockConfig([mock.baseUrl]) as Json;
  if (upstreamApiKey) base.upstreams[0].apiKey = upstreamApiKey;
  const gateway = await startGatewayProcess({ ...base, metering: { ...base.metering, database: file } }, { env });
  const db = openNodeDatabase({ file, migrate: false });
  return {
    gateway,
    mock,
    db,
    url: gateway.url,
    async stop() {
      await gateway.stop();
      await mock.close();
      db.close();
    },
  };
}

const rowsOf = (s: MeteredStack) => listUsage(s.db.db, { limit: 1000 });

describe('budgets under concurrency', () => {
  let s: MeteredStack;
  beforeAll(async () => {
    s = await startMetered();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('20 concurrent requests, a budget for exactly 4 worst cases: 4 × 200, 16 × 429 insufficient_quota; spend = the rows, reserved 0', async () => {
    const maxTokens = 1000;
    const messages = [{ role: 'user' as const, content: 'count my budget please' }];
    const prompt = countChatPrompt(messages); // the gateway's own estimate
    const worst = prompt * PRICE.input + maxTokens * PRICE.output;
    const { key, secret } = await createKey(s.db.db, { name: 'budget-4', budgetMicroUsd: 4 * worst + Math.floor(worst / 2) });

    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    s.mock.fallback = { kind: 'echo', gate }; // every admitted request waits at the upstream
    const body = { model: 'auto', messages, max_tokens: maxTokens };
    const answers = Array.from({ length: 20 }, () =>
      post(`${s.url}/v1/chat/completions`, body, { headers: { authorization: `Bearer ${secret}` } }),
    );
    // all 20 decisions are made while the admitted ones are held: 16 refusals answered, 4 waiting upstream
    await until(
      () => s.mock.requests.length,
      (n) => n >= 4,
    );
    await new Promise((r) => setTimeout(r, 300)); // a fifth admission would have reached the mock by now
    expect(s.mock.requests).toHaveLength(4);
    release();
    const responses = await Promise.all(answers);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((st) => st === 200)).toHaveLength(4);
    expect(statuses.filter((st) => st === 429)).toHaveLength(16);
    for (const r of responses.filter((x) => x.status === 429)) {
      const err = (await r.json()) as Json;
      conforms('ErrorResponse', err);
      expect(err.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
    }
    const costs = await Promise.all(
      responses.filter((r) => r.status === 200).map(async (r) => Number(r.headers.get('x-distillgate-cost-micro-usd'))),
    );

    const rows = await until(
      () => listUsage(s.db.db, { keyId: key.id }),
      (r) => r.length === 20,
    );
    expect(rows).toHaveLength(20);
    const ok = rows.filter((r) => r.status === 'ok');
    expect(ok).toHaveLength(4);
    expect(rows.filter((r) => r.status === 'rate_limited')).toHaveLength(16);
    expect(rows.filter((r) => r.status === 'rate_limited').every((r) => r.costMicroUsd === 0)).toBe(true);
    expect(ok.map((r) => r.costMicroUsd).sort()).toEqual(costs.sort());
    const spend = await until(
      () => getSpend(s.db.db, key.id),
      (sp) => sp.reservedMicroUsd === 0,
    );
    expect(spend.reservedMicroUsd).toBe(0);
    expect(spend.spentMicroUsd).toBe(ok.reduce((sum, r) => sum + r.costMicroUsd, 0));
    s.mock.fallback = { kind: 'echo' };
  });

  it('one usage row per request, with its attempts; an explicit usage of 0 tokens is kept', async () => {
    const before = (await rowsOf(s)).length;
    const res = await post(`${s.url}/v1/chat/completions`, chatBody());
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id')!;
    const rows = await until(
      () => rowsOf(s),
      (r) => r.length === before + 1,
    );
    const row = rows.find((r) => r.requestId === id)!;
    expect(row).toMatchObject({ status: 'ok', route: 'pool', servedModel: 'mock-model', upstreamMember: 'mock0', usageSource: 'upstream' });
    expect(row.costMicroUsd).toBe(Number(res.headers.get('x-distillgate-cost-micro-usd')));
    expect(await listAttempts(s.db.db, id)).toEqual([expect.objectContaining({ n: 1, member: 'mock0', outcome: 'ok' })]);

    s.mock.enqueue({
      kind: 'status',
      status: 200,
      body: {
        id: 'x',
        object: 'chat.completion',
        created: 1,
        model: 'mock-model',
        choices: [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      },
    });
    const zero = await post(`${s.url}/v1/chat/completions`, chatBody());
    const zeroId = zero.headers.get('x-request-id')!;
    const zeroRow = (
      await until(
        () => rowsOf(s),
        (r) => r.some((x) => x.requestId === zeroId),
      )
    ).find((x) => x.requestId === zeroId)!;
    expect(zeroRow).toMatchObject({ promptTokens: 0, completionTokens: 0, usageSource: 'upstream', costMicroUsd: 0 });
  });

  it('a stream cut by the client: one row, client_aborted, completion tokens = tokens received (±1), upstream closed within 5 s', async () => {
    const words = Array.from({ length: 80 }, (_, i) => `w${i}`).join(' ');
    s.mock.enqueue({ kind: 'echo', chunkDelayMs: 40 });
    const aborter = new AbortController();
    const res = await post(`${s.url}/v1/chat/completions`, chatBody({ stream: true }, words), { signal: aborter.signal });
    const id = res.headers.get('x-request-id')!;
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let received = 0;
    while (received < 10) {
      const { value } = await reader.read();
      text += decoder.decode(value, { stream: true });
      const events = text.split('\n\n');
      text = events.pop()!;
      for (const e of events) {
        const data = JSON.parse(e.replace(/^data: /, '')) as Json;
        if (data.choices?.[0]?.delta?.content) received++;
      }
    }
    aborter.abort();
    const upstream = s.mock.requests.at(-1)!;
    const closedAfter = await Promise.race([upstream.closed, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
    expect(closedAfter).toBeGreaterThanOrEqual(0);
    const row = (
      await until(
        () => rowsOf(s),
        (r) => r.some((x) => x.requestId === id),
      )
    ).find((x) => x.requestId === id) as UsageEvent;
    expect(row.status).toBe('client_aborted');
    expect(row.usageSource).toBe('estimated');
    expect(Math.abs(row.completionTokens - received)).toBeLessThanOrEqual(1);
    expect(row.promptTokens).toBeGreaterThan(0);
    expect(row.costMicroUsd).toBe(row.promptTokens * PRICE.input + row.completionTokens * PRICE.output);
  });
});

describe('API keys', () => {
  let s: MeteredStack;
  beforeAll(async () => {
    s = await startMetered();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('the valid key passes; changed first/last character, 3 and 2,000 characters, empty bearer, non-ASCII, other schemes, query keys: the same 401', async () => {
    const url = `${s.url}/v1/chat/completions`;
    expect((await post(url, chatBody())).status).toBe(200);
    const flip = (c: string) => (c === 'x' ? 'y' : 'x');
    const variants = [
      `Bearer ${flip(TEST_API_KEY[0]!)}${TEST_API_KEY.slice(1)}`,
      `Bearer ${TEST_API_KEY.slice(0, -1)}${flip(TEST_API_KEY.at(-1)!)}`,
      'Bearer abc',
      `Bearer ${'k'.repeat(2000)}`,
      'Bearer ',
      'Bearer',
      `Bearer ${TEST_API_KEY}é`,
      'Bearer dg-clé-ñandú',
      `Basic ${Buffer.from(`user:${TEST_API_KEY}`).toString('base64')}`,
      TEST_API_KEY,
    ];
    const bodies = new Set<string>();
    for (const authorization of variants) {
      const res = await post(url, chatBody(), { headers: { authorization } });
      expect(res.status, authorization.slice(0, 40)).toBe(401);
      const body = await res.text();
      conforms('ErrorResponse', JSON.parse(body));
      bodies.add(body);
    }
    expect(bodies.size).toBe(1);
    const missing = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody()),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    expect(missing.status).toBe(401);
    expect(await missing.text()).toBe([...bodies][0]);
    const inQuery = await post(`${url}?api_key=${TEST_API_KEY}`, chatBody());
    expect(inQuery.status).toBe(401);
    expect(await inQuery.text()).not.toContain(TEST_API_KEY);
    expect(s.mock.requests).toHaveLength(1); // only the valid request went upstream
  });

  it('a key limited to some models gets 403 model_not_allowed for others', async () => {
    const { secret } = await createKey(s.db.db, { name: 'solo', allowedModels: ['mock-model'] });
    const auth = { authorization: `Bearer ${secret}` };
    expect((await post(`${s.url}/v1/chat/completions`, chatBody({ model: 'mock-model' }), { headers: auth })).status).toBe(200);
    const refused = await post(`${s.url}/v1/chat/completions`, chatBody({ model: 'auto' }), { headers: auth });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as Json).error).toMatchObject({ code: 'model_not_allowed', param: 'model' });
  });

  it('rpm: the second request in a minute gets 429 requests with Retry-After and x-ratelimit headers', async () => {
    const { secret } = await createKey(s.db.db, { name: 'rpm-1', rpm: 1 });
    const auth = { authorization: `Bearer ${secret}` };
    const first = await post(`${s.url}/v1/chat/completions`, chatBody(), { headers: auth });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('1');
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const second = await post(`${s.url}/v1/chat/completions`, chatBody(), { headers: auth });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(second.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(((await second.json()) as Json).error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
  });
});

describe('no secret leaks', () => {
  const CLIENT = 'dg-CANARY-client-4f1d9a7e3c2b8d6a';
  const UPSTREAM = 'sk-CANARY-upstream-9e8d7c6b5a4f3e2d';
  const ADMIN = 'adm-CANARY-admin-1a2b3c4d5e6f7a8b';
  let s: MeteredStack;
  beforeAll(async () => {
    s = await startMetered(
      { DISTILLGATE_DEV_KEY: CLIENT, DISTILLGATE_ADMIN_TOKEN: ADMIN, CANARY_UPSTREAM_KEY: UPSTREAM },
      'env:CANARY_UPSTREAM_KEY',
    );
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('logs, usage rows, the database file, error bodies and upstream request headers never hold a canary secret', async () => {
    const url = `${s.url}/v1/chat/completions`;
    const auth = { authorization: `Bearer ${CLIENT}` };
    const bodies: string[] = [];
    const keep = async (res: Response) => bodies.push(await res.text());
    await keep(await post(url, chatBody(), { headers: auth }));
    await keep(await post(url, chatBody({ stream: true }), { headers: auth }));
    await keep(await post(url, chatBody({ model: 'nope' }), { headers: auth }));
    await keep(await post(url, { model: 'auto', messages: [] }, { headers: auth }));
    await keep(await post(url, chatBody(), { headers: { authorization: `Bearer ${CLIENT}x` } }));
    await keep(await post(`${url}?api_key=${CLIENT}&key=${UPSTREAM}`, chatBody(), { headers: auth }));
    await keep(await post(`${s.url}/admin/v1/keys?token=${ADMIN}`, {}, { headers: { authorization: `Bearer ${ADMIN}x` } }));
    s.mock.enqueue({ kind: 'status', status: 500, body: { error: { message: 'boom' } } });
    await keep(await post(url, chatBody({ model: 'mock-model' }), { headers: auth }));
    // an upstream that echoes the credential it got (as OpenAI's 401 does, in part)
    s.mock.enqueue({ kind: 'status', status: 401, body: { error: { message: `Incorrect API key provided: Bearer ${UPSTREAM}` } } });
    await keep(await post(url, chatBody({ model: 'mock-model' }), { headers: auth }));
    s.mock.enqueue({ kind: 'status', status: 400, body: { error: { message: `bad request from key ${UPSTREAM}`, param: 'messages' } } });
    await keep(await post(url, chatBody({ model: 'mock-model' }), { headers: auth }));
    await until(
      () => rowsOf(s),
      (r) => r.length >= 5, // two served, three upstream errors; the refusals before admission are not rows
    );
    await new Promise((r) => setTimeout(r, 300)); // the batched log sink flushes
    const rows = JSON.stringify(await rowsOf(s));
    const dbBytes = readFileSync(s.db.file, 'latin1') + readFileSync(`${s.db.file}-wal`, 'latin1');
    const logs = s.gateway.logs.join('\n');
    for (const canary of [CLIENT, UPSTREAM, ADMIN]) {
      expect(logs, 'logs').not.toContain(canary);
      expect(rows, 'usage rows').not.toContain(canary);
      expect(dbBytes, 'database file').not.toContain(canary);
      for (const body of bodies) expect(body, 'error/response body').not.toContain(canary);
    }
    for (const req of s.mock.requests) {
      // the upstream gets its own credential and nothing of the client's
      expect(req.headers.authorization).toBe(`Bearer ${UPSTREAM}`);
      const { authorization: _own, ...others } = req.headers;
      expect(JSON.stringify(others)).not.toMatch(/CANARY/);
      expect(JSON.stringify(req.body)).not.toMatch(/CANARY/);
    }
    expect(s.mock.requests.length).toBeGreaterThanOrEqual(3);
  });
});

describe('Idempotency-Key', () => {
  let s: MeteredStack;
  beforeAll(async () => {
    s = await startMetered();
  });
  afterAll(async () => {
    await s?.stop();
  });
  const url = () => `${s.url}/v1/chat/completions`;
  const rowsFor = async (ids: string[]) => (await rowsOf(s)).filter((r) => ids.includes(r.requestId));

  it('a repeat (JSON or stream) replays the stored response, marked, with no second usage row and no upstream call', async () => {
    for (const stream of [false, true]) {
      const headers = { 'idempotency-key': `same-${stream}` };
      const first = await post(url(), chatBody({ stream }, 'once only'), { headers });
      const firstText = await first.text();
      expect(first.status).toBe(200);
      const calls = s.mock.requests.length;
      const again = await post(url(), chatBody({ stream }, 'once only'), { headers });
      expect(again.status).toBe(200);
      expect(again.headers.get('x-distillgate-idempotent-replay')).toBe('true');
      expect(again.headers.get('x-distillgate-original-request-id')).toBe(first.headers.get('x-request-id'));
      expect(again.headers.get('x-distillgate-model')).toBe(first.headers.get('x-distillgate-model'));
      expect(await again.text()).toBe(firstText);
      expect(s.mock.requests.length).toBe(calls);
      const ids = [first.headers.get('x-request-id')!, again.headers.get('x-request-id')!];
      await new Promise((r) => setTimeout(r, 300));
      expect(await rowsFor(ids)).toHaveLength(1);
    }
  });

  it('another body under the same key → 400 idempotency_key_reused; while the first runs → 409 with Retry-After 1', async () => {
    await post(url(), chatBody({}, 'body one'), { headers: { 'idempotency-key': 'k-reuse' } }).then((r) => r.text());
    const reused = await post(url(), chatBody({}, 'body two'), { headers: { 'idempotency-key': 'k-reuse' } });
    expect(reused.status).toBe(400);
    expect(((await reused.json()) as Json).error.code).toBe('idempotency_key_reused');

    let release: () => void = () => {};
    s.mock.enqueue({ kind: 'echo', gate: new Promise<void>((r) => (release = r)) });
    const held = post(url(), chatBody({}, 'slow'), { headers: { 'idempotency-key': 'k-held' } });
    await until(
      () => s.mock.requests.at(-1)?.body.messages,
      (m) => JSON.stringify(m ?? '').includes('slow'),
    );
    const busy = await post(url(), chatBody({}, 'slow'), { headers: { 'idempotency-key': 'k-held' } });
    expect(busy.status).toBe(409);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(((await busy.json()) as Json).error.code).toBe('idempotency_key_in_flight');
    release();
    expect((await held).status).toBe(200);
  });

  it('a failed first attempt gives the key back: the retry runs (and is billed) once', async () => {
    s.mock.enqueue({ kind: 'status', status: 500, body: { error: { message: 'boom' } } });
    const failed = await post(url(), chatBody({ model: 'mock-model' }, 'retry me'), { headers: { 'idempotency-key': 'k-retry' } });
    expect(failed.status).toBe(502);
    const retried = await post(url(), chatBody({ model: 'mock-model' }, 'retry me'), { headers: { 'idempotency-key': 'k-retry' } });
    expect(retried.status).toBe(200);
    expect(retried.headers.get('x-distillgate-idempotent-replay')).toBeNull();
    await retried.text();
    const replayed = await post(url(), chatBody({ model: 'mock-model' }, 'retry me'), { headers: { 'idempotency-key': 'k-retry' } });
    expect(replayed.headers.get('x-distillgate-idempotent-replay')).toBe('true');
    const ids = [failed, retried, replayed].map((r) => r.headers.get('x-request-id')!);
    const rows = await until(
      () => rowsFor(ids),
      (r) => r.length >= 2,
    );
    expect(rows.map((r) => r.status).sort()).toEqual(['ok', 'upstream_error']);
    expect(rows.filter((r) => r.costMicroUsd > 0)).toHaveLength(1);
  });
});

describe('hostile amounts and edges', () => {
  let s: MeteredStack;
  beforeAll(async () => {
    s = await startMetered();
  });
  afterAll(async () => {
    await s?.stop();
  });
  const url = () => `${s.url}/v1/chat/completions`;

  it('max_tokens of 2^53−1 (and n: 2) is reserved up to the context, never a 500', async () => {
    for (const extra of [
      { max_tokens: Number.MAX_SAFE_INTEGER },
      { max_tokens: 4e15, n: 2 },
      { max_completion_tokens: Number.MAX_SAFE_INTEGER },
    ]) {
      const res = await post(url(), chatBody(extra));
      expect(res.status, JSON.stringify(extra)).not.toBe(500);
      expect([200, 400]).toContain(res.status);
      await res.text();
    }
  });

  it('a JSON answer without usage: completion counted with tiktoken (estimated); the header equals the row', async () => {
    s.mock.enqueue({ kind: 'echo', omitUsage: true });
    const res = await post(url(), chatBody({}, 'one two three four five six'));
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id')!;
    const row = (
      await until(
        () => rowsOf(s),
        (r) => r.some((x) => x.requestId === id),
      )
    ).find((x) => x.requestId === id)!;
    expect(row.usageSource).toBe('estimated');
    expect(row.completionTokens).toBeGreaterThan(3);
    expect(row.costMicroUsd).toBe(Number(res.headers.get('x-distillgate-cost-micro-usd')));
  });

  it('an absurd upstream usage (9e15 tokens) is not believed: estimated, and the reservation is released', async () => {
    const { key, secret } = await createKey(s.db.db, { name: 'absurd', budgetMicroUsd: 1_000_000 });
    s.mock.enqueue({
      kind: 'status',
      status: 200,
      body: {
        id: 'x',
        object: 'chat.completion',
        created: 1,
        model: 'mock-model',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 9e15, completion_tokens: 9e15, total_tokens: 1.8e16 },
      },
    });
    const res = await post(url(), chatBody(), { headers: { authorization: `Bearer ${secret}` } });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('x-distillgate-cost-micro-usd'))).toBeLessThan(1000);
    const spend = await until(
      () => getSpend(s.db.db, key.id),
      (sp) => sp.reservedMicroUsd === 0 && sp.spentMicroUsd > 0,
    );
    expect(spend).toMatchObject({ reservedMicroUsd: 0 });
  });

  it('a budget of 0 admits no priced request; one bigger than the whole TPM gets a 400 naming max_tokens', async () => {
    const zero = await createKey(s.db.db, { name: 'zero', budgetMicroUsd: 0 });
    const refused = await post(url(), chatBody({ max_tokens: 1 }), { headers: { authorization: `Bearer ${zero.secret}` } });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as Json).error.code).toBe('insufficient_quota');
    const small = await createKey(s.db.db, { name: 'tpm-100', tpm: 100 });
    const big = await post(url(), chatBody({ max_tokens: 500 }), { headers: { authorization: `Bearer ${small.secret}` } });
    expect(big.status).toBe(400);
    expect(((await big.json()) as Json).error).toMatchObject({ code: 'invalid_value', param: 'max_tokens' });
  });

  it('a key-shaped query value is refused under any parameter name', async () => {
    for (const q of [`x=${TEST_API_KEY}`, `secret=${TEST_API_KEY}`, TEST_API_KEY, 'auth=sk-proj-abcdefghijkl']) {
      const res = await post(`${url()}?${q}`, chatBody());
      expect(res.status, q).toBe(401);
      expect(await res.text()).not.toContain(TEST_API_KEY);
    }
    expect((await post(`${url()}?trace=on`, chatBody())).status).toBe(200);
  });
});

describe('opt-in prompt capture for the distillation job', () => {
  let s: MeteredStack;
  beforeAll(async () => {
    s = await startMetered({ DISTILLGATE__DISTILL__CAPTURE_PROMPTS: 'true' });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('stores the prompts the pool served (never in logs), and npm run distill reads them from the database', async () => {
    const secretPrompt = 'capture-me: the quick brown fox';
    expect((await post(`${s.url}/v1/chat/completions`, chatBody({}, secretPrompt))).status).toBe(200);
    expect((await post(`${s.url}/v1/completions`, { model: 'auto', prompt: 'legacy capture' })).status).toBe(200);
    const rows = await until(
      () => listCapturedPrompts(s.db.db),
      (r) => r.length >= 2,
    );
    expect(rows.map((r) => [r.endpoint, r.servedModel])).toEqual([
      ['chat.completions', 'mock-model'],
      ['completions', 'mock-model'],
    ]);
    const { prompts } = await readPromptFile(s.db.file, 'captured');
    expect(prompts.map((p) => p.text)).toEqual([expect.stringContaining(secretPrompt), 'legacy capture']);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.gateway.logs.join('\n')).not.toContain('capture-me');
  });
});
