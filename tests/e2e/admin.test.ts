/**
 * The admin API (`/admin/v1/*`) and `GET /v1/usage` against the real gateway process, its real
 * SQLite file and a loopback mock upstream: keys (secret shown once, limits, revocation), prices
 * (a new price changes the next request's cost), usage rows and aggregates (sums equal the rows),
 * models, the session cookie, every refusal (401, 503, 400 with `param`), and that no secret shows
 * up in a listing, an error body or a log line. Every admin answer is validated against the
 * component schemas of our own OpenAPI document (packages/protocol admin-openapi.ts), which are
 * closed: an extra field — a hash, a secret — fails the test.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_SESSION_COOKIE, adminOpenApi } from '@distillgate/protocol';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, mockConfig, startGatewayProcess, TEST_API_KEY } from '../support/gateway-process.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { chatBody, conforms, type Json, post, REQUEST_TIMEOUT_MS } from './helpers.ts';

const ADMIN_TOKEN = 'adm-e2e-7f3c9a1b2d4e6f8091a2b3c4d5e6f708';

// ---- our OpenAPI document as a validator -------------------------------------------------

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: 'distillgate-admin', components: JSON.parse(JSON.stringify(adminOpenApi.components)) });
const compiled = new Map<string, ValidateFunction>();

/** Asserts `value` matches `components.schemas[name]` of the admin OpenAPI document. */
function matches(name: string, value: unknown): void {
  let validate = compiled.get(name);
  if (!validate) {
    validate = ajv.getSchema(`distillgate-admin#/components/schemas/${name}`);
    if (!validate) throw new Error(`no component schema ${name}`);
    compiled.set(name, validate);
  }
  if (!validate(value)) {
    throw new Error(`not a ${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 1500)}`);
  }
}

// ---- the stack ---------------------------------------------------------------------------

/** A temporary edge models folder: `edge-test` with a live and a canary version (manifests only). */
function edgeModelsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'distillgate-admin-models-'));
  const model = join(dir, 'edge-test');
  for (const [version, perplexity] of [
    ['0.2.0', 42.5],
    ['0.3.0', 40.25],
  ] as const) {
    mkdirSync(join(model, version), { recursive: true });
    const manifest = {
      name: 'edge-test',
      version,
      created_at: '2026-01-02T03:04:05+00:00',
      parameter_count: 1234,
      context_length: 128,
      metrics: { test_perplexity: { value: perplexity, command: 'evaluate.py' }, test_top1_accuracy: { value: 0.25 } },
    };
    writeFileSync(join(model, version, 'manifest.json'), JSON.stringify(manifest));
  }
  writeFileSync(join(model, 'channels.json'), JSON.stringify({ live: '0.2.0', canary: { version: '0.3.0', share: 0.1 } }));
  return dir;
}

function stackConfig(mock: MockUpstream): Json {
  const base = mockConfig([mock.baseUrl]) as Json;
  return {
    ...base,
    edge: { modelsDir: edgeModelsDir(), models: ['edge-test'] },
    models: { ...base.models, mixed: { policy: 'failover', targets: [{ edge: 'edge-test' }, { upstream: 'mock0', model: 'mock-model' }] } },
  };
}

let mock: MockUpstream;
let gateway: GatewayProcess;
let url: string;

beforeAll(async () => {
  mock = await startMockUpstream();
  gateway = await startGatewayProcess(stackConfig(mock), { env: { DISTILLGATE_ADMIN_TOKEN: ADMIN_TOKEN } });
  url = gateway.url;
  const probe = await fetch(`${url}/admin/v1/keys`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (probe.status === 503) {
    throw new Error(
      'the gateway ignored DISTILLGATE_ADMIN_TOKEN: server.ts must pass `adminToken: process.env.DISTILLGATE_ADMIN_TOKEN` to createApp',
    );
  }
});

/** Everything said in a response or a log line that must never carry a credential. */
const secretsSeen: string[] = [ADMIN_TOKEN];

afterAll(async () => {
  await gateway?.stop();
  await mock?.close();
  const logs = gateway?.logs ?? [];
  const failures = logs.filter((line) => /"level":"error"|Unhandled|uncaught|^\s+at /i.test(line));
  expect(failures, 'the gateway logged errors').toEqual([]);
  for (const secret of secretsSeen) {
    expect(logs.filter((line) => line.includes(secret))).toEqual([]);
    const hash = createHash('sha256').update(secret).digest('hex');
    expect(logs.filter((line) => line.includes(hash))).toEqual([]);
  }
});

// ---- request helpers ---------------------------------------------------------------------

interface Answer {
  res: Response;
  status: number;
  text: string;
  body: Json;
}

/** One admin request (Bearer admin token unless `headers` says otherwise); checks no-store and no leaked admin token. */
async function admin(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const hasAuth = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization' || h.toLowerCase() === 'cookie');
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(hasAuth ? {} : { authorization: `Bearer ${ADMIN_TOKEN}` }),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  expect(res.headers.get('cache-control'), `${method} ${path}`).toBe('no-store');
  expect(text).not.toContain(ADMIN_TOKEN);
  return { res, status: res.status, text, body: text === '' ? {} : (JSON.parse(text) as Json) };
}

/** Asserts a 2xx admin answer of `schema` and returns its body. */
async function ok(schema: string, method: string, path: string, body?: unknown, status = 200): Promise<Json> {
  const a = await admin(method, path, body);
  expect(a.status, a.text).toBe(status);
  matches(schema, a.body);
  return a.body;
}

/** Asserts an error answer in OpenAI's envelope (our schema and OpenAI's) and returns `error`. */
function expectErr(a: Answer, status: number, code: string, param?: string | null): Json {
  expect(a.status, a.text).toBe(status);
  expect(a.res.headers.get('content-type')).toMatch(/^application\/json/);
  matches('ErrorResponse', a.body);
  conforms('ErrorResponse', a.body);
  expect(a.body.error.code).toBe(code);
  if (param !== undefined) expect(a.body.error.param).toBe(param);
  return a.body.error;
}

function chat(secret: string, extra: Json = {}): Promise<Response> {
  return post(`${url}/v1/chat/completions`, chatBody({ model: 'auto', ...extra }), { headers: { authorization: `Bearer ${secret}` } });
}

async function getUsage(secret: string | null, query = ''): Promise<{ status: number; body: Json; res: Response }> {
  const res = await fetch(`${url}/v1/usage${query}`, {
    headers: secret ? { authorization: `Bearer ${secret}` } : {},
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: res.status, body: (await res.json()) as Json, res };
}

/** Polls `read` until `done(value)`, at most 10 s (usage rows are written after the response). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function createKey(body: Json): Promise<Json> {
  const created = await ok('CreatedApiKey', 'POST', '/admin/v1/keys', body, 201);
  secretsSeen.push(created.secret);
  return created;
}

// ---- tests -------------------------------------------------------------------------------

describe('authentication', () => {
  it('refuses no credential, a wrong token, another scheme, and the API key, with one 401 body', async () => {
    const bodies = new Set<string>();
    for (const headers of [
      { authorization: '' },
      { authorization: 'Bearer wrong-token' },
      { authorization: `Basic ${ADMIN_TOKEN}` },
      { authorization: `Bearer ${TEST_API_KEY}` },
      { cookie: `${ADMIN_SESSION_COOKIE}=1.2.3` },
    ] as Array<Record<string, string>>) {
      const a = await admin('GET', '/admin/v1/keys', undefined, headers);
      bodies.add(JSON.stringify(expectErr(a, 401, 'invalid_api_key', null)));
    }
    expect(bodies.size).toBe(1);
  });

  it('refuses a token in the query string even next to a valid header', async () => {
    for (const q of [`token=${ADMIN_TOKEN}`, `access_token=${ADMIN_TOKEN}`, 'admin_token=x', `${ADMIN_SESSION_COOKIE}=x`]) {
      expectErr(await admin('GET', `/admin/v1/keys?${q}`), 401, 'invalid_api_key');
    }
  });

  it('answers unknown admin paths 401 before authentication and 404 after', async () => {
    expectErr(await admin('GET', '/admin/v1/nope', undefined, { authorization: 'Bearer wrong' }), 401, 'invalid_api_key');
    expect((await admin('GET', '/admin/v1/nope')).status).toBe(404);
  });

  it('logs in with the token for an HttpOnly SameSite=Strict cookie (Path=/admin, 12 h) and logs out', async () => {
    expectErr(await admin('POST', '/admin/v1/session', { token: 'wrong' }, { authorization: '' }), 401, 'invalid_api_key');
    expectErr(await admin('POST', '/admin/v1/session', {}, { authorization: '' }), 400, 'missing_required_parameter', 'token');

    const before = Date.now();
    const login = await admin('POST', '/admin/v1/session', { token: ADMIN_TOKEN }, { authorization: '' });
    expect(login.status, login.text).toBe(200);
    matches('AdminSession', login.body);
    expect(login.body.expires_at_ms).toBeGreaterThanOrEqual(before + 12 * 3600_000 - 1000);
    const setCookie = login.res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^${ADMIN_SESSION_COOKIE}=[^;]+`));
    for (const attribute of ['HttpOnly', 'SameSite=Strict', 'Path=/admin', 'Max-Age=43200']) expect(setCookie).toContain(attribute);
    expect(setCookie).not.toContain('Secure'); // plain http on loopback
    const cookie = setCookie.split(';')[0] as string;
    secretsSeen.push(cookie.split('=')[1] as string);

    const listed = await admin('GET', '/admin/v1/keys', undefined, { cookie });
    expect(listed.status, listed.text).toBe(200);
    matches('ApiKeyList', listed.body);
    // a wrong Authorization header is not rescued by the cookie
    expectErr(await admin('GET', '/admin/v1/keys', undefined, { cookie, authorization: 'Bearer nope' }), 401, 'invalid_api_key');

    const logout = await admin('DELETE', '/admin/v1/session', undefined, { cookie });
    expect(logout.status).toBe(204);
    expect(logout.res.headers.get('set-cookie')).toMatch(new RegExp(`^${ADMIN_SESSION_COOKIE}=;.*Max-Age=0`));
    expectErr(await admin('GET', '/admin/v1/keys', undefined, { cookie }), 401, 'invalid_api_key');
  });
});

describe('keys', () => {
  it('creates a key whose secret is shown once and works; lists and gets it without secret or hash', async () => {
    const created = await createKey({ name: 'team-a', rpm: 100, tpm: 100_000, budget_micro_usd: 5_000_000 });
    expect(created).toMatchObject({ object: 'api_key', name: 'team-a', status: 'active', rpm: 100, tpm: 100_000, allowed_models: null });
    expect(created.secret).toMatch(/^dg-[A-Za-z0-9_-]{43}$/);
    expect(created.secret.startsWith(created.prefix)).toBe(true);
    expect(created.spend).toMatchObject({ spent_micro_usd: 0, reserved_micro_usd: 0 });

    const res = await chat(created.secret);
    expect(res.status, await res.clone().text()).toBe(200);
    conforms('CreateChatCompletionResponse', await res.json());

    const hash = createHash('sha256').update(created.secret).digest('hex');
    const list = await admin('GET', '/admin/v1/keys');
    matches('ApiKeyList', list.body);
    expect(list.text).not.toContain(created.secret);
    expect(list.text).not.toContain(hash);
    expect(list.body.data.map((k: Json) => k.name)).toEqual(expect.arrayContaining(['development', 'team-a']));

    const one = await until(
      () => ok('ApiKey', 'GET', `/admin/v1/keys/${created.id}`),
      (k) => k.spend.spent_micro_usd > 0,
    );
    expect(one.spend.spent_micro_usd).toBeGreaterThan(0); // the request above, settled
    expect(one.spend.reserved_micro_usd).toBe(0);
    expect(JSON.stringify(one)).not.toContain(hash);

    expectErr(await admin('GET', '/admin/v1/keys/key_doesnotexist'), 404, 'key_not_found', 'id');
  });

  it('patches limits (null clears) and the next requests obey them', async () => {
    const key = await createKey({ name: 'limits' });
    const limited = await ok('ApiKey', 'PATCH', `/admin/v1/keys/${key.id}`, { rpm: 1, name: 'limits-2' });
    expect(limited).toMatchObject({ name: 'limits-2', rpm: 1, tpm: null, budget_micro_usd: null });
    expect((await chat(key.secret)).status).toBe(200);
    expectErr(await asAnswer(await chat(key.secret)), 429, 'rate_limit_exceeded');
    expect((await ok('ApiKey', 'PATCH', `/admin/v1/keys/${key.id}`, { rpm: null })).rpm).toBeNull();
    expect((await chat(key.secret)).status).toBe(200);

    const allowed = await ok('ApiKey', 'PATCH', `/admin/v1/keys/${key.id}`, { allowed_models: ['other-model'] });
    expect(allowed.allowed_models).toEqual(['other-model']);
    expectErr(await asAnswer(await chat(key.secret)), 403, 'model_not_allowed', 'model');

    await ok('ApiKey', 'PATCH', `/admin/v1/keys/${key.id}`, { allowed_models: null, budget_micro_usd: 0 });
    expectErr(await asAnswer(await chat(key.secret)), 429, 'insufficient_quota');
    const cleared = await ok('ApiKey', 'PATCH', `/admin/v1/keys/${key.id}`, { budget_micro_usd: null });
    expect(cleared).toMatchObject({ budget_micro_usd: null, rpm: null, allowed_models: null, name: 'limits-2' });
    expect((await chat(key.secret)).status).toBe(200);

    expect(await ok('ApiKey', 'PATCH', `/admin/v1/keys/${key.id}`, {})).toMatchObject({ name: 'limits-2' }); // empty patch: unchanged
    expectErr(await admin('PATCH', '/admin/v1/keys/key_nope', { rpm: 5 }), 404, 'key_not_found');
  });

  it('revokes a key for good: its next request gets 401; revoking again keeps the first time', async () => {
    const key = await createKey({ name: 'to-revoke' });
    expect((await chat(key.secret)).status).toBe(200);
    const revoked = await ok('ApiKey', 'POST', `/admin/v1/keys/${key.id}/revoke`);
    expect(revoked.status).toBe('revoked');
    expect(revoked.revoked_at_ms).toBeGreaterThan(0);
    const refused = await asAnswer(await chat(key.secret));
    expectErr(refused, 401, 'invalid_api_key');
    expect(refused.text).not.toContain(key.secret);
    const again = await ok('ApiKey', 'POST', `/admin/v1/keys/${key.id}/revoke`);
    expect(again.revoked_at_ms).toBe(revoked.revoked_at_ms);
    const active = await ok('ApiKeyList', 'GET', '/admin/v1/keys?include_revoked=false');
    expect(active.data.map((k: Json) => k.id)).not.toContain(key.id);
    expectErr(await admin('POST', '/admin/v1/keys/key_nope/revoke'), 404, 'key_not_found');
  });

  it('refuses bad bodies with 400 and the param', async () => {
    const cases: Array<[string, string, unknown, string, string]> = [
      ['POST', '/admin/v1/keys', {}, 'missing_required_parameter', 'name'],
      ['POST', '/admin/v1/keys', { name: '   ' }, 'invalid_value', 'name'],
      ['POST', '/admin/v1/keys', { name: 'x', rpm: 0 }, 'invalid_value', 'rpm'],
      ['POST', '/admin/v1/keys', { name: 'x', tpm: 1.5 }, 'invalid_value', 'tpm'],
      ['POST', '/admin/v1/keys', { name: 'x', budget_micro_usd: -1 }, 'invalid_value', 'budget_micro_usd'],
      ['POST', '/admin/v1/keys', { name: 'x', budget_usd: 5 }, 'invalid_value', 'budget_usd'],
      ['POST', '/admin/v1/keys', { name: 'x', allowed_models: ['ok', ''] }, 'invalid_value', 'allowed_models[1]'],
      ['PATCH', '/admin/v1/keys/key_x', { rpm: 'ten' }, 'invalid_value', 'rpm'],
      ['PATCH', '/admin/v1/keys/key_x', { name: null }, 'invalid_value', 'name'],
      ['PUT', '/admin/v1/prices/m', { input_micro_usd_per_mtok: 1 }, 'missing_required_parameter', 'output_micro_usd_per_mtok'],
      [
        'PUT',
        '/admin/v1/prices/m',
        { input_micro_usd_per_mtok: -1, output_micro_usd_per_mtok: 1 },
        'invalid_value',
        'input_micro_usd_per_mtok',
      ],
      [
        'PUT',
        '/admin/v1/prices/m',
        { input_micro_usd_per_mtok: 1, output_micro_usd_per_mtok: 0.5 },
        'invalid_value',
        'output_micro_usd_per_mtok',
      ],
      ['PUT', '/admin/v1/prices/m', { input_usd_per_mtok: 1 }, 'invalid_value', 'input_usd_per_mtok'],
    ];
    for (const [method, path, body, code, param] of cases) {
      const err = expectErr(await admin(method, path, body), 400, code, param);
      expect(err.message).toContain(param);
    }
    expectErr(await admin('POST', '/admin/v1/keys', '{"name":'), 400, 'invalid_json');
    expectErr(await admin('POST', '/admin/v1/keys', { name: 'x' }, { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
  });
});

describe('prices', () => {
  it('lists and gets the config-seeded price in micro-USD per 1M tokens', async () => {
    const list = await ok('ModelPriceList', 'GET', '/admin/v1/prices');
    expect(list.data).toContainEqual(
      expect.objectContaining({ model: 'mock-model', input_micro_usd_per_mtok: 1_000_000, output_micro_usd_per_mtok: 2_000_000 }),
    );
    const one = await ok('ModelPrice', 'GET', '/admin/v1/prices/mock-model');
    expect(one).toMatchObject({ model: 'mock-model', input_micro_usd_per_mtok: 1_000_000 });
    expectErr(await admin('GET', '/admin/v1/prices/no-such-model'), 404, 'price_not_found', 'model');
  });

  it('a PUT price changes the cost header of the next request; model ids may contain a slash', async () => {
    const key = await createKey({ name: 'pricing' });
    const costOf = async () => {
      const res = await chat(key.secret, { messages: [{ role: 'user', content: 'one two three four' }] });
      expect(res.status).toBe(200);
      const body = (await res.json()) as Json;
      return { header: Number(res.headers.get('x-distillgate-cost-micro-usd')), usage: body.usage as Json };
    };
    const before = await costOf();
    expect(before.header).toBe(before.usage.prompt_tokens * 1 + before.usage.completion_tokens * 2);
    const put = await ok('ModelPrice', 'PUT', '/admin/v1/prices/mock-model', {
      input_micro_usd_per_mtok: 7_000_000,
      output_micro_usd_per_mtok: 11_000_000,
    });
    expect(put).toMatchObject({ input_micro_usd_per_mtok: 7_000_000, output_micro_usd_per_mtok: 11_000_000 });
    const after = await costOf();
    expect(after.header).toBe(after.usage.prompt_tokens * 7 + after.usage.completion_tokens * 11);
    expect(after.header).toBeGreaterThan(before.header);
    await ok('ModelPrice', 'PUT', '/admin/v1/prices/mock-model', {
      input_micro_usd_per_mtok: 1_000_000,
      output_micro_usd_per_mtok: 2_000_000,
    });

    await ok('ModelPrice', 'PUT', '/admin/v1/prices/org/some-model', {
      input_micro_usd_per_mtok: 150_000,
      output_micro_usd_per_mtok: 600_000,
    });
    expect(await ok('ModelPrice', 'GET', '/admin/v1/prices/org/some-model')).toMatchObject({
      model: 'org/some-model',
      input_micro_usd_per_mtok: 150_000,
    });
  });
});

describe('usage', () => {
  let key: Json;
  let other: Json;
  /** x-request-id → cost header of the 200s made below. */
  const costs = new Map<string, number>();

  beforeAll(async () => {
    key = await createKey({ name: 'usage', rpm: 4 });
    other = await createKey({ name: 'usage-other' });
    for (let i = 0; i < 5; i++) {
      const res = await chat(key.secret, { messages: [{ role: 'user', content: `request number ${i} with words` }] });
      if (res.status === 200) costs.set(res.headers.get('x-request-id') as string, Number(res.headers.get('x-distillgate-cost-micro-usd')));
      await res.arrayBuffer();
    }
    expect(costs.size).toBe(4); // the fifth was rate limited (rpm 4): a row with status rate_limited
    expect((await chat(other.secret)).status).toBe(200);
    await until(
      () => ok('AdminUsageList', 'GET', `/admin/v1/usage?key_id=${key.id}`),
      (page) => page.data.length === 5,
    );
    await until(
      () => ok('AdminUsageList', 'GET', `/admin/v1/usage?key_id=${other.id}`),
      (page) => page.data.length === 1,
    );
  });

  it('lists rows newest first with request ids, costs and statuses; pages by before_id', async () => {
    const all = await ok('AdminUsageList', 'GET', `/admin/v1/usage?key_id=${key.id}`);
    expect(all.data).toHaveLength(5);
    expect(all.has_more).toBe(false);
    expect(all.next_before_id).toBeNull();
    for (const row of all.data) expect(row.key_id).toBe(key.id);
    const ids = all.data.map((r: Json) => r.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    for (const row of all.data.filter((r: Json) => r.status === 'ok')) {
      expect(costs.get(row.request_id)).toBe(row.cost_micro_usd);
      expect(row).toMatchObject({ served_model: 'mock-model', route: 'pool', upstream_member: 'mock0', usage_source: 'upstream' });
      expect(row.total_tokens).toBe(row.prompt_tokens + row.completion_tokens);
    }
    expect(all.data.filter((r: Json) => r.status === 'rate_limited')).toHaveLength(1);

    const first = await ok('AdminUsageList', 'GET', `/admin/v1/usage?key_id=${key.id}&limit=2`);
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const pages = [...first.data];
    let cursor = first.next_before_id;
    while (cursor !== null) {
      const next = await ok('AdminUsageList', 'GET', `/admin/v1/usage?key_id=${key.id}&limit=2&before_id=${cursor}`);
      pages.push(...next.data);
      cursor = next.next_before_id;
    }
    expect(pages.map((r) => r.id)).toEqual(ids);
  });

  it('filters by status, model, route and time (ms or ISO 8601)', async () => {
    const limited = await ok('AdminUsageList', 'GET', `/admin/v1/usage?key_id=${key.id}&status=rate_limited`);
    expect(limited.data.map((r: Json) => r.status)).toEqual(['rate_limited']);
    const pool = await ok('AdminUsageList', 'GET', `/admin/v1/usage?key_id=${key.id}&route=pool&model=mock-model`);
    expect(pool.data).toHaveLength(4);
    const all = await ok('AdminUsageList', 'GET', `/admin/v1/usage?key_id=${key.id}`);
    const oldest = Math.min(...all.data.map((r: Json) => r.created_at_ms));
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await ok('AdminUsageList', 'GET', `/admin/v1/usage?key_id=${key.id}&since=${oldest}&until=${future}`)).data).toHaveLength(5);
    expect((await ok('AdminUsageList', 'GET', `/admin/v1/usage?key_id=${key.id}&until=${oldest}`)).data).toHaveLength(0);
    expect((await ok('AdminUsageList', 'GET', `/admin/v1/usage?key_id=${key.id}&since=${future}`)).data).toHaveLength(0);
  });

  it('aggregates by day, model and route; each group and the totals equal the sums of the rows', async () => {
    const rows = (await ok('AdminUsageList', 'GET', `/admin/v1/usage?key_id=${key.id}`)).data as Json[];
    const sum = (subset: Json[], field: string) => subset.reduce((acc, r) => acc + r[field], 0);
    const groupOf: Record<string, (r: Json) => string | null> = {
      day: (r) => new Date(r.created_at_ms).toISOString().slice(0, 10),
      model: (r) => r.served_model,
      route: (r) => r.route,
    };
    for (const groupBy of ['day', 'model', 'route']) {
      const agg = await ok('AdminUsageAggregate', 'GET', `/admin/v1/usage?group_by=${groupBy}&key_id=${key.id}`);
      expect(agg.group_by).toBe(groupBy);
      for (const g of agg.data) {
        const members = rows.filter((r) => groupOf[groupBy]?.(r) === g.group);
        expect(g.requests, `${groupBy}=${g.group}`).toBe(members.length);
        for (const field of ['prompt_tokens', 'completion_tokens', 'total_tokens', 'cost_micro_usd', 'internal_cost_micro_usd']) {
          expect(g[field], `${groupBy}=${g.group} ${field}`).toBe(sum(members, field));
        }
      }
      expect(agg.totals.requests).toBe(rows.length);
      for (const field of ['prompt_tokens', 'completion_tokens', 'total_tokens', 'cost_micro_usd']) {
        expect(agg.totals[field]).toBe(sum(rows, field));
        expect(agg.totals[field]).toBe(sum(agg.data, field));
      }
    }
    const mine = await ok('AdminUsageAggregate', 'GET', `/admin/v1/usage?group_by=model&key_id=${key.id}&status=ok`);
    expect(mine.totals.cost_micro_usd).toBe([...costs.values()].reduce((a, b) => a + b, 0));
  });

  it('refuses bad queries with 400 and the param', async () => {
    const cases: Array<[string, string]> = [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=ten', 'limit'],
      ['before_id=-3', 'before_id'],
      ['since=yesterday', 'since'],
      ['until=2026-13-45T00:00:00Z', 'until'],
      ['route=moon', 'route'],
      ['status=fine', 'status'],
      ['group_by=week', 'group_by'],
      ['group_by=day&limit=5', 'limit'],
      ['colour=blue', 'colour'],
    ];
    for (const [query, param] of cases) expectErr(await admin('GET', `/admin/v1/usage?${query}`), 400, 'invalid_value', param);
  });

  it('GET /v1/usage shows a key holder its own rows only, without internal fields', async () => {
    const own = await getUsage(key.secret);
    expect(own.status).toBe(200);
    expect(own.res.headers.get('cache-control')).toBe('no-store');
    matches('UsageList', own.body);
    expect(own.body.data).toHaveLength(5);
    for (const row of own.body.data) expect(row.key_id).toBe(key.id);
    const theirs = await getUsage(other.secret);
    matches('UsageList', theirs.body);
    expect(theirs.body.data.map((r: Json) => r.key_id)).toEqual([other.id]);

    const agg = await getUsage(key.secret, '?group_by=route');
    matches('UsageAggregate', agg.body);
    expect(agg.body.totals.requests).toBe(5);
    expect(agg.body.totals.cost_micro_usd).toBe([...costs.values()].reduce((a, b) => a + b, 0));

    const paged = await getUsage(key.secret, '?limit=3');
    matches('UsageList', paged.body);
    expect(paged.body).toMatchObject({ has_more: true });

    const noKey = await getUsage(null);
    expect(noKey.status).toBe(401);
    expect(noKey.body.error.code).toBe('invalid_api_key');
    const scoped = await getUsage(key.secret, `?key_id=${other.id}`);
    expect(scoped.status).toBe(400);
    expect(scoped.body.error).toMatchObject({ code: 'invalid_value', param: 'key_id' });
  });
});

describe('models and the document', () => {
  it('lists aliases, edge models with channels and manifest metrics, and upstream models', async () => {
    const list = await ok('AdminModelList', 'GET', '/admin/v1/models');
    const byKey = new Map<string, Json>(list.data.map((m: Json) => [`${m.kind}:${m.id}`, m]));
    expect(byKey.get('alias:mixed')).toMatchObject({
      policy: 'failover',
      targets: [{ edge: 'edge-test' }, { upstream: 'mock0', model: 'mock-model' }],
    });
    expect(byKey.get('alias:auto')?.targets).toEqual([{ upstream: 'mock0', model: null }]);
    const edge = byKey.get('edge:edge-test') as Json;
    expect(edge).toMatchObject({
      version: '0.2.0',
      context_length: 128,
      channels: { live: '0.2.0', canary: { version: '0.3.0', share: 0.1 } },
    });
    expect(edge.versions).toEqual([
      {
        version: '0.2.0',
        channel: 'live',
        created_at: '2026-01-02T03:04:05+00:00',
        parameter_count: 1234,
        context_length: 128,
        metrics: { test_perplexity: 42.5, test_top1_accuracy: 0.25 },
      },
      {
        version: '0.3.0',
        channel: 'canary',
        created_at: '2026-01-02T03:04:05+00:00',
        parameter_count: 1234,
        context_length: 128,
        metrics: { test_perplexity: 40.25, test_top1_accuracy: 0.25 },
      },
    ]);
    expect(byKey.get('upstream:mock-model')?.members).toEqual([{ upstream: 'mock0', version: 'test', context_length: 8192 }]);
    expect(JSON.stringify(list)).not.toContain(mock.baseUrl);
  });

  it('serves its OpenAPI document, whose every component schema compiles', async () => {
    const doc = await admin('GET', '/admin/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body).toEqual(JSON.parse(JSON.stringify(adminOpenApi)));
    expect(doc.body.openapi).toBe('3.1.0');
    for (const name of Object.keys(adminOpenApi.components.schemas)) expect(() => matches(name, null)).toThrow(/^not a /);
    // closed schemas: an extra field (a hash, a secret) fails validation
    const listed = (await ok('ApiKeyList', 'GET', '/admin/v1/keys')).data[0] as Json;
    expect(() => matches('ApiKey', { ...listed, secret_sha256: 'ab' })).toThrow(/must NOT have additional properties/);
    expect(() => matches('ApiKey', { ...listed, secret: 'dg-x' })).toThrow();
    const refs = JSON.stringify(adminOpenApi).match(/#\/components\/(schemas|responses)\/\w+/g) ?? [];
    for (const ref of new Set(refs)) {
      const [, , kind, name] = ref.split('/') as [string, string, 'schemas' | 'responses', string];
      expect(adminOpenApi.components[kind], ref).toHaveProperty(name);
    }
  });
});

describe('without DISTILLGATE_ADMIN_TOKEN', () => {
  let bare: GatewayProcess;
  let bareMock: MockUpstream;
  beforeAll(async () => {
    bareMock = await startMockUpstream();
    bare = await startGatewayProcess(mockConfig([bareMock.baseUrl]), { env: { DISTILLGATE_ADMIN_TOKEN: '' } });
  });
  afterAll(async () => {
    await bare?.stop();
    await bareMock?.close();
  });

  it('answers every admin route 503 admin_disabled, and the rest of the gateway works', async () => {
    for (const [method, path] of [
      ['GET', '/admin/v1/keys'],
      ['POST', '/admin/v1/session'],
      ['GET', '/admin/v1/openapi.json'],
      ['GET', '/admin/v1/anything'],
    ] as const) {
      const res = await fetch(`${bare.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: JSON.stringify({ token: ADMIN_TOKEN }) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      expect(res.status, path).toBe(503);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as Json;
      matches('ErrorResponse', body);
      expect(body.error.code).toBe('admin_disabled');
      expect(body.error.message).toMatch(/DISTILLGATE_ADMIN_TOKEN/);
    }
    expect((await post(`${bare.url}/v1/chat/completions`, chatBody())).status).toBe(200);
  });
});

/** A gateway Response as an Answer (for expectErr); adds the no-store the admin helper checks elsewhere. */
async function asAnswer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { res, status: res.status, text, body: JSON.parse(text) as Json };
}
