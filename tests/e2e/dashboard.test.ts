/**
 * The usage dashboard in a real browser: the real gateway process (the committed student on the
 * edge, a loopback mock upstream as the pool), real requests on every route (edge, pool, escalated
 * by a cascade whose threshold no draft can reach, and one failed request), then headless Chromium
 * (Debian's `chromium`, driven by playwright-core; `bash scripts/setup-browser.sh` installs it)
 * opens `/dashboard`, logs in through the form, and every total the page shows is compared with
 * SQL sums over `usage_events` — usage and cost, by route, key and model, teacher-only cost,
 * internal cost, latency percentiles (brute-force nearest rank) and each key's spend. Keys are
 * created, limited and revoked through the page and checked in the database. Screenshots at laptop
 * and phone widths are saved under `test-artifacts/dashboard/` (gitignored; CI keeps them).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NodeDatabase, openNodeDatabase } from '@distillgate/db/node';
import { adminOpenApi } from '@distillgate/protocol';
import Ajv2020 from 'ajv/dist/2020.js';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { edgeSkipReason } from './edge-models.ts';
import { type Json, post, REQUEST_TIMEOUT_MS, withAuth } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const ADMIN_TOKEN = 'dashboard-e2e-admin-token-5f1e2d3c4b5a6978';
const STUDENT = 'distillgate-student';
const POOL_MODEL = 'mock-model';
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'dashboard');
/** The pool model's price, the teacher-only price too (the first priced upstream model). @unit USD per 1M tokens */
const POOL_PRICE = { inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 };

/** Why this file cannot run here, or null. In CI a missing browser is a failure, not a skip. */
function skipReason(): string | null {
  if (!existsSync(CHROMIUM)) {
    const why = `${CHROMIUM} is missing: run \`bash scripts/setup-browser.sh\` (apt-get install chromium)`;
    if (process.env.CI) throw new Error(`dashboard e2e: ${why}; .ci/run installs it`);
    return why;
  }
  return edgeSkipReason();
}
const SKIP = skipReason();
if (SKIP) console.warn(`skipping the dashboard browser test: ${SKIP}`);

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: 'distillgate-admin', components: JSON.parse(JSON.stringify(adminOpenApi.components)) });

/** Nearest-rank percentile by brute force: the value at rank ⌈p/100 × n⌉ of the sorted values. */
function nearestRank(values: number[], percent: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((percent / 100) * sorted.length)) - 1] ?? null;
}

describe.skipIf(SKIP !== null)('dashboard in headless Chromium', () => {
  let mock: MockUpstream;
  let gateway: GatewayProcess;
  let db: NodeDatabase;
  let browser: Browser;
  let otherKey: { id: string; secret: string };
  let sent = 0;
  const pageErrors: string[] = [];

  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}/admin/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  const sql = <T = Json>(query: string, ...params: unknown[]) => db.sqlite.prepare(query).all(...params) as T[];
  const one = <T = Json>(query: string, ...params: unknown[]) => sql<T>(query, ...params)[0] as T;

  async function send(model: string, opts: { stream?: boolean; key?: string; prompt?: string } = {}): Promise<string | null> {
    const headers: Record<string, string> = opts.key ? { authorization: `Bearer ${opts.key}` } : {};
    const res = await post(
      `${gateway.url}/v1/chat/completions`,
      {
        model,
        messages: [{ role: 'user', content: opts.prompt ?? 'In the beginning' }],
        max_tokens: 8,
        temperature: 0,
        stream: opts.stream ?? false,
      },
      { headers: withAuth(headers) },
    );
    await res.text();
    sent++;
    return res.headers.get('x-distillgate-route');
  }

  beforeAll(async () => {
    mock = await startMockUpstream();
    const file = join(mkdtempSync(join(tmpdir(), 'distillgate-dashboard-')), 'distillgate.sqlite');
    gateway = await startGatewayProcess(
      {
        upstreams: [
          { name: 'mock0', baseUrl: mock.baseUrl, models: [POOL_MODEL], version: 'test', health: { failureThreshold: 1_000_000 } },
        ],
        edge: { modelsDir: 'models', models: [STUDENT], maxConcurrent: 2 },
        models: { cascaded: { policy: 'cascade', targets: [{ edge: STUDENT }, { upstream: 'mock0', model: POOL_MODEL }] } },
        // a mean log-probability is ≤ 0: a threshold of 1 escalates every draft (route `escalated`, draft = internal cost)
        routing: {
          aliases: { cascaded: { cascade: { probeTokens: 4, signal: 'mean_logprob', threshold: 1 }, calibration: { enabled: false } } },
        },
        metering: {
          database: file,
          prices: { [POOL_MODEL]: POOL_PRICE, [STUDENT]: { inputUsdPerMTok: 0.02, outputUsdPerMTok: 0.08 } },
        },
      },
      { env: { DISTILLGATE_ADMIN_TOKEN: ADMIN_TOKEN }, startTimeoutMs: 60_000 },
    );
    db = openNodeDatabase({ file, migrate: false });
    const created = (await (
      await admin('/keys', { method: 'POST', body: JSON.stringify({ name: 'team-b', budget_micro_usd: 2_000_000 }) })
    ).json()) as Json;
    otherKey = { id: created.id, secret: created.secret };

    expect(await send(STUDENT)).toBe('edge');
    expect(await send(STUDENT, { stream: true, prompt: 'And God said' })).toBe('edge');
    expect(await send(STUDENT, { key: otherKey.secret, prompt: 'The LORD is my shepherd' })).toBe('edge');
    expect(await send(POOL_MODEL)).toBe('pool');
    expect(await send(POOL_MODEL, { stream: true, prompt: 'a longer prompt for the pool to echo back' })).toBe('pool');
    expect(await send(POOL_MODEL, { key: otherKey.secret })).toBe('pool');
    expect(await send('cascaded')).toBe('escalated');
    expect(await send('cascaded', { key: otherKey.secret, prompt: 'zq xv 93' })).toBe('escalated');
    mock.enqueue({ kind: 'status', status: 500, body: { error: { message: 'boom' } } });
    await send(POOL_MODEL, { prompt: 'this one fails' });
    // usage rows are written just after each answer
    for (let i = 0; i < 100 && one<{ n: number }>('SELECT count(*) AS n FROM usage_events').n < sent; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(one<{ n: number }>('SELECT count(*) AS n FROM usage_events').n).toBe(sent);

    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    db?.close();
    await gateway?.stop();
    await mock?.close();
  });

  async function openPage(viewport: { width: number; height: number }, mobile = false): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(`console: ${m.text()} (${m.location().url})`));
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    await page.goto(`${gateway.url}/dashboard`);
    return { context, page };
  }

  async function logIn(page: Page): Promise<void> {
    await page.getByTestId('login-token').fill(ADMIN_TOKEN);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('stats-ready').waitFor({ timeout: 30_000 });
  }

  const value = async (page: Page, testId: string) => Number(await page.getByTestId(testId).getAttribute('data-value'));

  it('serves the static page on Node: redirect, client-route fallback, content types, no traversal', async () => {
    const root = await fetch(`${gateway.url}/dashboard`, { redirect: 'manual' });
    expect(root.status).toBe(308);
    expect(root.headers.get('location')).toBe('/dashboard/');
    const page = await fetch(`${gateway.url}/dashboard/keys`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    const script = html.match(/src="(\/dashboard\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${gateway.url}${script}`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${gateway.url}/dashboard/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/dashboard/..%2F..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/dashboard/%2e%2e/package.json`)).status).toBe(404);
  });

  it('GET /admin/v1/stats matches its schema and its totals are the sums of the rows', async () => {
    const res = await admin('/stats?bucket=hour');
    const stats = (await res.json()) as Json;
    const validate = ajv.getSchema('distillgate-admin#/components/schemas/UsageStats')!;
    expect(validate(stats), ajv.errorsText(validate.errors)).toBe(true);
    const rows = one('SELECT count(*) AS n, sum(cost_micro_usd) AS cost, sum(internal_cost_micro_usd) AS internal FROM usage_events');
    expect(stats.totals).toMatchObject({ requests: rows.n, cost_micro_usd: rows.cost, internal_cost_micro_usd: rows.internal });
    expect(rows.internal).toBeGreaterThan(0);
    expect((await admin('/stats?bucket=week')).status).toBe(400);
    expect((await fetch(`${gateway.url}/admin/v1/stats`)).status).toBe(401);
  });

  it('logs in through the form (a wrong token is refused), and every total equals the SQL sums over usage_events', async () => {
    const { context, page } = await openPage({ width: 1366, height: 900 });
    await page.getByTestId('login-token').fill('not-the-token');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('Incorrect');
    await logIn(page);
    expect(page.url()).not.toContain(ADMIN_TOKEN);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });

    const totals = one(
      'SELECT count(*) AS n, sum(cost_micro_usd) AS cost, sum(prompt_tokens + completion_tokens) AS tokens, sum(internal_cost_micro_usd) AS internal FROM usage_events',
    );
    expect(totals.n).toBeGreaterThan(0);
    expect(await value(page, 'total-requests')).toBe(totals.n);
    expect(await value(page, 'total-tokens')).toBe(totals.tokens);
    expect(await value(page, 'total-cost')).toBe(totals.cost);
    expect(await value(page, 'total-internal-cost')).toBe(totals.internal);
    // every chart's drawn data sums to the rows
    for (const chart of ['chart-cost-time-total', 'chart-cost-route-total', 'chart-cost-key-total', 'chart-cost-model-total']) {
      expect(await value(page, chart), chart).toBe(totals.cost);
    }
    expect(await value(page, 'chart-requests-time-total')).toBe(totals.n);
    const byRoute = new Map(
      sql<{ route: string | null; n: number }>('SELECT route, count(*) AS n FROM usage_events GROUP BY route').map((r) => [
        r.route ?? 'none',
        r.n,
      ]),
    );
    for (const route of ['edge', 'pool', 'escalated', 'none']) {
      expect(await value(page, `route-requests-${route}`), route).toBe(byRoute.get(route) ?? 0);
      expect(byRoute.get(route) ?? 0, `traffic on ${route}`).toBeGreaterThan(0);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'usage-laptop.png'), fullPage: true });

    await page.getByTestId('tab-savings').click();
    const price = { in: POOL_PRICE.inputUsdPerMTok * 1e6, out: POOL_PRICE.outputUsdPerMTok * 1e6 };
    const rows = sql<{ p: number; c: number }>('SELECT prompt_tokens AS p, completion_tokens AS c FROM usage_events');
    const teacherOnly = rows.reduce((s, r) => s + Math.ceil((r.p * price.in + r.c * price.out) / 1e6), 0);
    expect(teacherOnly).toBeGreaterThan(0);
    expect(await value(page, 'savings-teacher-only')).toBe(teacherOnly);
    expect(await value(page, 'chart-teacher-only-total')).toBe(teacherOnly);
    expect(await value(page, 'savings-cost')).toBe(totals.cost);
    expect(await value(page, 'savings-saved')).toBe(teacherOnly - totals.cost - totals.internal);
    expect(await value(page, 'savings-internal')).toBe(totals.internal);
    expect(await value(page, 'chart-internal-total')).toBe(totals.internal);
    await page.screenshot({ path: join(ARTIFACTS, 'savings-laptop.png'), fullPage: true });

    await page.getByTestId('tab-latency').click();
    for (const route of ['edge', 'pool', 'escalated']) {
      const ok = sql<{ l: number; t: number | null }>(
        "SELECT latency_ms AS l, ttft_ms AS t FROM usage_events WHERE status = 'ok' AND route = ?",
        route,
      );
      const ttft = ok.map((r) => r.t).filter((t): t is number => t !== null);
      expect(await value(page, `latency-${route}-p50`), route).toBe(
        nearestRank(
          ok.map((r) => r.l),
          50,
        ),
      );
      expect(await value(page, `latency-${route}-p99`), route).toBe(
        nearestRank(
          ok.map((r) => r.l),
          99,
        ),
      );
      expect(await value(page, `latency-${route}-ttft-p50`), route).toBe(nearestRank(ttft, 50));
      expect(await value(page, `latency-${route}-ttft-p99`), route).toBe(nearestRank(ttft, 99));
    }
    await page.screenshot({ path: join(ARTIFACTS, 'latency-laptop.png'), fullPage: true });

    await page.getByTestId('tab-models').click();
    const live = readFileSync(join('models', STUDENT, 'channels.json'), 'utf8');
    const liveVersion = (JSON.parse(live) as { live: string }).live;
    await expect.poll(() => page.getByTestId(`model-channel-${STUDENT}-${liveVersion}`).textContent()).toBe('live');
    await page.screenshot({ path: join(ARTIFACTS, 'models-laptop.png'), fullPage: true });
    await context.close();
  });

  it('keys: spend against budget as the database has it; create, set limits and revoke through the page', async () => {
    const { context, page } = await openPage({ width: 1366, height: 900 });
    await logIn(page);
    await page.getByTestId('tab-keys').click();
    await page.getByTestId('keys-table').waitFor();
    const spent = one<{ spent: number }>('SELECT sum(cost_micro_usd) AS spent FROM usage_events WHERE key_id = ?', otherKey.id).spent;
    expect(spent).toBeGreaterThan(0);
    await expect.poll(() => value(page, `key-spend-${otherKey.id}`)).toBe(spent);

    await page.getByTestId('create-key-open').click();
    await page.getByTestId('create-key-name').fill('from the dashboard');
    await page.getByTestId('create-key-budget').fill('5');
    await page.getByTestId('create-key-submit').click();
    const secret = (await page.getByTestId('created-key-secret').textContent()) ?? '';
    expect(secret).toMatch(/^dg-/);
    const created = one<Json>("SELECT * FROM api_keys WHERE name = 'from the dashboard'");
    expect(created).toMatchObject({ budget_micro_usd: 5_000_000, rpm: null, revoked_at_ms: null });
    const works = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
    expect(works.status).toBe(200);

    await page.getByTestId(`key-edit-${created.id}`).click();
    await page.getByTestId(`edit-${created.id}-rpm`).fill('60');
    await page.getByTestId(`key-save-${created.id}`).click();
    await expect.poll(() => one<Json>('SELECT rpm FROM api_keys WHERE id = ?', created.id).rpm).toBe(60);

    page.once('dialog', (d) => d.accept());
    await page.getByTestId(`key-revoke-${created.id}`).click();
    await expect.poll(() => one<Json>('SELECT revoked_at_ms FROM api_keys WHERE id = ?', created.id).revoked_at_ms).not.toBeNull();
    expect((await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(401);
    await page.screenshot({ path: join(ARTIFACTS, 'keys-laptop.png'), fullPage: true });
    await context.close();
  });

  it('works at phone width: the same totals, nothing wider than the screen', async () => {
    const { context, page } = await openPage({ width: 390, height: 844 }, true);
    await logIn(page);
    const totals = one('SELECT count(*) AS n, sum(cost_micro_usd) AS cost FROM usage_events');
    expect(await value(page, 'total-requests')).toBe(totals.n);
    expect(await value(page, 'chart-cost-time-total')).toBe(totals.cost);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'usage-phone.png'), fullPage: true });
    await page.getByTestId('tab-keys').click();
    await page.getByTestId('keys-table').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'keys-phone.png'), fullPage: true });
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();
    await context.close();
  });

  it('the page logged no errors (CSP violations included)', () => {
    // the probe before logging in and the wrong token are 401s on purpose
    expect(pageErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});
