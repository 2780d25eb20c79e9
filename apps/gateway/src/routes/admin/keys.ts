/**
 * `/admin/v1/keys`: create (the secret is in that answer only), list, get, change limits, revoke.
 * Every key is shown with its current-period spend and reservations (the budget's truth, DESIGN.md
 * §5 "Usage rows"). Bodies are parsed strictly (packages/protocol admin-requests.ts).
 */
import { type ApiKey, createKey, type Database, getKey, getSpend, listKeys, revokeKey, updateKey } from '@distillgate/db';
import { errors, parseCreateKeyRequest, parseUpdateKeyRequest, type UpdateKeyRequest } from '@distillgate/protocol';
import type { Handler } from 'hono';
import type { GatewayDeps, GatewayEnv } from '../../env.ts';
import { adminError, apiKeyWire, meteringDisabled } from './wire.ts';

async function withSpend(db: Database, key: ApiKey) {
  return apiKeyWire(key, await getSpend(db, key.id));
}

function keyNotFound(id: string): Response {
  return adminError(404, 'key_not_found', `No API key has the id '${id.length > 80 ? `${id.slice(0, 80)}…` : id}'.`, 'id');
}

/** The wire's PATCH fields → the store's (only the ones present: absent leaves a field as it is). */
function toStorePatch(body: UpdateKeyRequest) {
  return {
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.allowed_models !== undefined ? { allowedModels: body.allowed_models } : {}),
    ...(body.rpm !== undefined ? { rpm: body.rpm } : {}),
    ...(body.tpm !== undefined ? { tpm: body.tpm } : {}),
    ...(body.budget_micro_usd !== undefined ? { budgetMicroUsd: body.budget_micro_usd } : {}),
  };
}

/** `POST /admin/v1/keys` → 201 CreatedApiKey. */
export function createKeyRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async function createKeyHandler(c) {
    const db = deps.metering?.db;
    if (!db) return meteringDisabled();
    const body = parseCreateKeyRequest(c.get('body'));
    const { key, secret } = await createKey(db, { name: body.name, ...toStorePatch(body) });
    deps.logger.info('api key created', { request_id: c.get('requestId'), key_id: key.id });
    return c.json({ ...(await withSpend(db, key)), secret }, 201);
  };
}

/** `GET /admin/v1/keys[?include_revoked=false]` → ApiKeyList. */
export function listKeysRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async function listKeysHandler(c) {
    const db = deps.metering?.db;
    if (!db) return meteringDisabled();
    const includeRevoked = c.req.query('include_revoked');
    if (includeRevoked !== undefined && includeRevoked !== 'true' && includeRevoked !== 'false') {
      throw errors.invalidValue('include_revoked', "Invalid value for 'include_revoked': expected 'true' or 'false'.");
    }
    const keys = await listKeys(db, { includeRevoked: includeRevoked !== 'false' });
    const data = [];
    for (const key of keys) data.push(await withSpend(db, key));
    return c.json({ object: 'list', data });
  };
}

/** `GET /admin/v1/keys/{id}` → ApiKey. */
export function getKeyRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async function getKeyHandler(c) {
    const db = deps.metering?.db;
    if (!db) return meteringDisabled();
    const id = c.req.param('id') as string;
    const key = await getKey(db, id);
    return key ? c.json(await withSpend(db, key)) : keyNotFound(id);
  };
}

/** `PATCH /admin/v1/keys/{id}` → ApiKey. */
export function updateKeyRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async function updateKeyHandler(c) {
    const db = deps.metering?.db;
    if (!db) return meteringDisabled();
    const id = c.req.param('id') as string;
    const patch = toStorePatch(parseUpdateKeyRequest(c.get('body')));
    const key = await updateKey(db, id, patch);
    if (!key) return keyNotFound(id);
    deps.logger.info('api key updated', { request_id: c.get('requestId'), key_id: key.id, fields: Object.keys(patch) });
    return c.json(await withSpend(db, key));
  };
}

/** `POST /admin/v1/keys/{id}/revoke` → ApiKey (no body). */
export function revokeKeyRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async function revokeKeyHandler(c) {
    const db = deps.metering?.db;
    if (!db) return meteringDisabled();
    const id = c.req.param('id') as string;
    const key = await revokeKey(db, id);
    if (!key) return keyNotFound(id);
    deps.logger.info('api key revoked', { request_id: c.get('requestId'), key_id: key.id });
    return c.json(await withSpend(db, key));
  };
}
