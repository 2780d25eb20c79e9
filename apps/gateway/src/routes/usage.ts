/**
 * Usage history from the usage rows (DESIGN.md §5: rows are the truth for history):
 * `GET /v1/usage` for an API key holder — that key's own rows only — and the shared answer behind
 * the admin's `GET /admin/v1/usage` (routes/admin/). Filters `model` (served), `route`, `status`,
 * `since`/`until` (ms or ISO 8601); rows newest first, `limit` ≤ 1000, paged by `before_id`; or
 * `group_by=day|model|route` sums with their totals. Answers carry `cache-control: no-store`.
 */
import { aggregateUsage, type Database, listUsage, type UsageFilter } from '@distillgate/db';
import { errors, parseUsageQuery, USAGE_LIMIT_DEFAULT, type UsageQuery } from '@distillgate/protocol';
import type { Handler } from 'hono';
import type { GatewayDeps, GatewayEnv } from '../env.ts';
import { aggregateWire, type UsageAudience, usageRowWire } from './admin/wire.ts';

function toFilter(query: UsageQuery): UsageFilter {
  return {
    ...(query.key_id !== undefined ? { keyId: query.key_id } : {}),
    ...(query.model !== undefined ? { model: query.model } : {}),
    ...(query.route !== undefined ? { route: query.route } : {}),
    ...(query.status !== undefined ? { status: query.status } : {}),
    ...(query.since !== undefined ? { sinceMs: query.since } : {}),
    ...(query.until !== undefined ? { untilMs: query.until } : {}),
  };
}

/** The JSON answer to a parsed usage query: a page of rows, or aggregates with totals. */
export async function usageAnswer(db: Database, query: UsageQuery, audience: UsageAudience): Promise<object> {
  const filter = toFilter(query);
  if (query.group_by !== undefined) return aggregateWire(query.group_by, await aggregateUsage(db, query.group_by, filter), audience);
  const limit = query.limit ?? USAGE_LIMIT_DEFAULT;
  const rows = await listUsage(db, { ...filter, limit, ...(query.before_id !== undefined ? { beforeId: query.before_id } : {}) });
  const last = rows.at(-1);
  // one more row past the page says whether there is a next one
  const hasMore =
    rows.length === limit && last !== undefined && (await listUsage(db, { ...filter, limit: 1, beforeId: last.id })).length > 0;
  return {
    object: 'list',
    data: rows.map((row) => usageRowWire(row, audience)),
    has_more: hasMore,
    next_before_id: hasMore && last ? last.id : null,
  };
}

/** `GET /v1/usage`: the calling key's own usage (401 without a key: there is nothing to scope by). */
export function usageRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async function usageHandler(c) {
    const key = c.get('apiKey');
    const db = deps.metering?.db;
    if (!key || !db) throw errors.invalidApiKey('GET /v1/usage reports the usage of an API key: send it as Authorization: Bearer <key>.');
    const query = parseUsageQuery(c.req.query(), 'key');
    const answer = await usageAnswer(db, { ...query, key_id: key.id }, 'key');
    c.header('cache-control', 'no-store');
    return c.json(answer);
  };
}
