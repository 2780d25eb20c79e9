/**
 * `POST /admin/v1/session` (log in: the admin token in the body buys a session cookie) and
 * `DELETE /admin/v1/session` (log out). The cookie is HttpOnly (no script reads it), SameSite=Strict
 * (no other site's page sends it: no CSRF), Path=/admin, Max-Age 12 h, and Secure when the request
 * came over HTTPS (directly or per `x-forwarded-proto`). What the value is: middleware/admin-auth/credentials.ts.
 */
import { ADMIN_SESSION_COOKIE, parseAdminSessionRequest } from '@distillgate/protocol';
import type { Context, Handler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CookieOptions } from 'hono/utils/cookie';
import type { GatewayDeps, GatewayEnv } from '../../env.ts';
import { type AdminCredentials, adminUnauthorized, SESSION_TTL_MS, throttleIfGuessing } from '../../middleware/admin-auth/index.ts';

function cookieOptions(c: Context<GatewayEnv>): CookieOptions {
  const https = new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.trim().toLowerCase() === 'https';
  return { httpOnly: true, sameSite: 'Strict', path: '/admin', secure: https };
}

export function loginRoute(deps: GatewayDeps, credentials: AdminCredentials): Handler<GatewayEnv> {
  return async function loginHandler(c) {
    const { token } = parseAdminSessionRequest(c.get('body'));
    throttleIfGuessing(credentials);
    if (!(await credentials.matchesToken(token))) throw adminUnauthorized('Incorrect admin token.');
    const session = await credentials.issueSession();
    setCookie(c, ADMIN_SESSION_COOKIE, session.value, { ...cookieOptions(c), maxAge: SESSION_TTL_MS / 1000 });
    deps.logger.info('admin session started', { request_id: c.get('requestId') });
    return c.json({ object: 'admin_session', expires_at_ms: session.expiresAtMs });
  };
}

/** Ends the presented session (if it is one) and clears the cookie; 204 either way. */
export function logoutRoute(credentials: AdminCredentials): Handler<GatewayEnv> {
  return async function logoutHandler(c) {
    const value = getCookie(c, ADMIN_SESSION_COOKIE);
    if (value !== undefined) await credentials.endSession(value);
    deleteCookie(c, ADMIN_SESSION_COOKIE, cookieOptions(c));
    return c.body(null, 204);
  };
}
