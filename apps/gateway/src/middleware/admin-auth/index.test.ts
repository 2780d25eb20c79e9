import { ADMIN_SESSION_COOKIE, errorResponse, GatewayError } from '@distillgate/protocol';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { GatewayEnv } from '../../env.ts';
import { AdminCredentials, adminAuth, adminGate, noStore, SESSION_TTL_MS } from './index.ts';

const TOKEN = 'admin-token-0123456789abcdefghij';

function app(credentials: AdminCredentials | null): Hono<GatewayEnv> {
  const a = new Hono<GatewayEnv>();
  a.onError((err) => (err instanceof GatewayError ? errorResponse(err) : new Response('boom', { status: 500 })));
  a.use(noStore(), adminGate(credentials));
  if (credentials) a.use(adminAuth(credentials));
  a.get('/admin/v1/ping', (c) => c.json({ ok: true }));
  return a;
}

describe('AdminCredentials', () => {
  const credentials = new AdminCredentials(TOKEN);

  it('matches the token only', async () => {
    expect(await credentials.matchesToken(TOKEN)).toBe(true);
    for (const wrong of ['', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase()])
      expect(await credentials.matchesToken(wrong)).toBe(false);
  });

  it('issues sessions that verify until they expire', async () => {
    const now = 1_800_000_000_000;
    const session = await credentials.issueSession(now);
    expect(session.expiresAtMs).toBe(now + SESSION_TTL_MS);
    expect(session.value).not.toContain(TOKEN);
    expect(await credentials.verifySession(session.value, now + 1000)).not.toBeNull();
    expect(await credentials.verifySession(session.value, now + SESSION_TTL_MS)).toBeNull();
  });

  it('refuses a tampered session, one signed with another token, and one logged out', async () => {
    const session = await credentials.issueSession();
    const [expires, nonce, mac] = session.value.split('.') as [string, string, string];
    const later = `${Number(expires) + 60_000}.${nonce}.${mac}`;
    expect(await credentials.verifySession(later)).toBeNull();
    const flipped = `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    expect(await credentials.verifySession(`${expires}.${nonce}.${flipped}`)).toBeNull();
    expect(await new AdminCredentials(`${TOKEN}-rotated`).verifySession(session.value)).toBeNull();
    expect(await credentials.verifySession('garbage')).toBeNull();
    await credentials.endSession(session.value);
    expect(await credentials.verifySession(session.value)).toBeNull();
  });
});

describe('admin middleware', () => {
  it('answers 503 admin_disabled without a token, with no-store', async () => {
    const res = await app(null).request('/admin/v1/ping', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await res.json()).error.code).toBe('admin_disabled');
  });

  it('takes the bearer token or a session cookie', async () => {
    const credentials = new AdminCredentials(TOKEN);
    const a = app(credentials);
    const byToken = await a.request('/admin/v1/ping', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(byToken.status).toBe(200);
    expect(byToken.headers.get('cache-control')).toBe('no-store');
    const { value } = await credentials.issueSession();
    const byCookie = await a.request('/admin/v1/ping', { headers: { cookie: `${ADMIN_SESSION_COOKIE}=${value}` } });
    expect(byCookie.status).toBe(200);
  });

  it('refuses a wrong, missing or malformed credential, and any credential in the query string, with one 401 body', async () => {
    const a = app(new AdminCredentials(TOKEN));
    const cases: Array<[string, Record<string, string>]> = [
      ['/admin/v1/ping', {}],
      ['/admin/v1/ping', { authorization: 'Bearer wrong' }],
      ['/admin/v1/ping', { authorization: `Basic ${TOKEN}` }],
      ['/admin/v1/ping', { cookie: `${ADMIN_SESSION_COOKIE}=forged` }],
      [`/admin/v1/ping?token=${TOKEN}`, {}],
      [`/admin/v1/ping?access_token=${TOKEN}`, { authorization: `Bearer ${TOKEN}` }],
    ];
    for (const [path, headers] of cases) {
      const res = await a.request(path, { headers });
      expect(res.status, path).toBe(401);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('invalid_api_key');
      expect(text).not.toContain(TOKEN);
    }
  });

  it('does not let a valid cookie rescue a wrong Authorization header', async () => {
    const credentials = new AdminCredentials(TOKEN);
    const { value } = await credentials.issueSession();
    const res = await app(credentials).request('/admin/v1/ping', {
      headers: { authorization: 'Bearer wrong', cookie: `${ADMIN_SESSION_COOKIE}=${value}` },
    });
    expect(res.status).toBe(401);
  });

  it('after 10 wrong tokens in a minute refuses every token check with 429 and Retry-After, the right token too', async () => {
    const credentials = new AdminCredentials(TOKEN);
    const a = app(credentials);
    for (let i = 0; i < 10; i++)
      expect((await a.request('/admin/v1/ping', { headers: { authorization: `Bearer wrong-${i}` } })).status).toBe(401);
    const refused = await a.request('/admin/v1/ping', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // the window frees up: a minute later the right token works again
    expect(credentials.throttledForMs(Date.now() + 60_001)).toBeNull();
    // a session cookie is not a token guess: it still works meanwhile
    const { value } = await credentials.issueSession();
    expect((await a.request('/admin/v1/ping', { headers: { cookie: `${ADMIN_SESSION_COOKIE}=${value}` } })).status).toBe(200);
  });
});
