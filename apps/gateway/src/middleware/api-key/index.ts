/**
 * API-key authentication for `/v1/*` (DESIGN.md §5 "Errors": 401 `invalid_api_key`).
 *
 * Only `Authorization: Bearer <key>`: the key is hashed (SHA-256) and looked up by hash, never
 * compared as a string, so lookup time does not depend on how much of a guess is right. A key in
 * the query string (`?api_key=`, `?key=`, …) is refused outright — it would sit in logs and
 * proxies' histories (the access log redacts query strings anyway). Every refusal has the same
 * body: it says nothing about which part was wrong. The client's Authorization header is never
 * forwarded: upstream requests carry only the upstream's own credential (packages/router).
 *
 * Without metering (`deps.metering` absent) or with `metering.requireApiKey: false`, requests pass
 * with no key (`apiKey` null).
 */
import { findActiveKeyByHash, sha256Hex } from '@distillgate/db';
import { errors } from '@distillgate/protocol';
import type { MiddlewareHandler } from 'hono';
import type { GatewayDeps, GatewayEnv } from '../../env.ts';

/** Query parameters that look like credentials. */
const KEY_PARAMS = new Set(['api_key', 'apikey', 'api-key', 'key', 'token', 'access_token', 'authorization']);
/** A query value shaped like a key (ours `dg-…`, OpenAI-style `sk-…`), whatever its parameter's name. */
const KEY_LIKE = /^(?:bearer\s+)?(?:dg|sk)-[\w-]{8,}$/i;
/** Longer bearer values are refused without hashing. Our secrets are 46 characters. */
const MAX_KEY_LENGTH = 256;
/** A bearer token: visible ASCII only (RFC 6750 §2.1 b64token is a subset). */
const BEARER = /^Bearer +([\x21-\x7e]+) *$/i;

export function apiKeyAuth(deps: GatewayDeps): MiddlewareHandler<GatewayEnv> {
  const required = deps.metering !== undefined && deps.config.metering.requireApiKey;
  return async function apiKeyMiddleware(c, next) {
    const params = new URL(c.req.url).searchParams;
    for (const [name, value] of params) {
      if (KEY_PARAMS.has(name.toLowerCase()) || KEY_LIKE.test(name) || KEY_LIKE.test(value)) {
        throw errors.invalidApiKey('API keys are not accepted in the query string; send them as Authorization: Bearer <key>.');
      }
    }
    if (!required || !deps.metering) {
      c.set('apiKey', null);
      return next();
    }
    const secret = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    if (!secret || secret.length > MAX_KEY_LENGTH) throw errors.invalidApiKey();
    const key = await findActiveKeyByHash(deps.metering.db, await sha256Hex(secret));
    if (!key) throw errors.invalidApiKey();
    c.set('apiKey', key);
    return next();
  };
}
