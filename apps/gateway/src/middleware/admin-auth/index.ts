/**
 * Authentication of the admin API, `/admin/v1/*` (DESIGN.md §5 "Admin API"), in three middlewares
 * the admin route table (routes/admin/index.ts) puts in this order:
 *
 *   noStore()      `cache-control: no-store` on every admin answer, errors included
 *   adminGate()    503 `admin_disabled` when DISTILLGATE_ADMIN_TOKEN is unset; 401 for a
 *                  credential in the query string (it would sit in logs and histories)
 *   adminAuth()    `Authorization: Bearer <admin token>` (compared in constant time), or the
 *                  session cookie from `POST /admin/v1/session`; else 401 `invalid_api_key`
 *
 * Every 401 has the same body: it says nothing about which part was wrong. Nothing here logs a
 * credential; the access log redacts query strings and never logs headers.
 */
import { ADMIN_SESSION_COOKIE, errors, type GatewayError } from '@distillgate/protocol';
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { GatewayEnv } from '../../env.ts';
import type { AdminCredentials } from './credentials.ts';

export { AdminCredentials, SESSION_TTL_MS } from './credentials.ts';

/** Query parameters that look like credentials. */
const CREDENTIAL_PARAMS = new Set([
  'token',
  'admin_token',
  'access_token',
  'api_key',
  'apikey',
  'api-key',
  'key',
  'authorization',
  'session',
  ADMIN_SESSION_COOKIE,
]);
/** A bearer token: visible ASCII only (RFC 6750 §2.1). */
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;
/** Longer bearer values are refused without hashing. */
const MAX_TOKEN_LENGTH = 1024;

const UNAUTHORIZED =
  'Incorrect or missing admin credentials. Send Authorization: Bearer $DISTILLGATE_ADMIN_TOKEN, or log in at POST /admin/v1/session.';

/** The 503 of a gateway started without DISTILLGATE_ADMIN_TOKEN (OpenAI's envelope; code `admin_disabled`). */
export function adminDisabledResponse(): Response {
  const body = {
    error: {
      message: 'The admin API is disabled: start the gateway with DISTILLGATE_ADMIN_TOKEN set to enable it.',
      type: 'server_error',
      param: null,
      code: 'admin_disabled',
    },
  };
  return new Response(JSON.stringify(body), { status: 503, headers: { 'content-type': 'application/json' } });
}

/** 401 `invalid_api_key` for the admin API. */
export function adminUnauthorized(message = UNAUTHORIZED): GatewayError {
  return errors.invalidApiKey(message);
}

/** Sets `cache-control: no-store` on whatever answers below it (an error thrown below included). */
export function noStore(): MiddlewareHandler<GatewayEnv> {
  return async function noStoreMiddleware(c, next) {
    await next();
    c.res.headers.set('cache-control', 'no-store');
  };
}

/** @param credentials null when DISTILLGATE_ADMIN_TOKEN is unset: every request gets the 503 */
export function adminGate(credentials: AdminCredentials | null): MiddlewareHandler<GatewayEnv> {
  return async function adminGateMiddleware(c, next) {
    if (!credentials) return adminDisabledResponse();
    for (const name of new URL(c.req.url).searchParams.keys()) {
      if (CREDENTIAL_PARAMS.has(name.toLowerCase())) {
        throw adminUnauthorized('Credentials are not accepted in the query string; send Authorization: Bearer $DISTILLGATE_ADMIN_TOKEN.');
      }
    }
    await next();
  };
}

/**
 * 429 while too many wrong admin tokens were presented recently (credentials.ts `throttledForMs`).
 * @throws GatewayError 429 rate_limit_exceeded with Retry-After
 */
export function throttleIfGuessing(credentials: AdminCredentials): void {
  const waitMs = credentials.throttledForMs();
  if (waitMs !== null) throw errors.rateLimited('requests', Math.max(1, Math.ceil(waitMs / 1000)));
}

/** Requires the admin token or a live session cookie. */
export function adminAuth(credentials: AdminCredentials): MiddlewareHandler<GatewayEnv> {
  return async function adminAuthMiddleware(c, next) {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      throttleIfGuessing(credentials);
      // a wrong Authorization header is refused even next to a valid cookie: it is what the caller meant
      const token = BEARER.exec(header)?.[1];
      if (!token || token.length > MAX_TOKEN_LENGTH || !(await credentials.matchesToken(token))) throw adminUnauthorized();
      return next();
    }
    const session = getCookie(c, ADMIN_SESSION_COOKIE);
    if (session === undefined || !(await credentials.verifySession(session))) throw adminUnauthorized();
    return next();
  };
}
