/**
 * `GET /admin/v1/stats`: the dashboard's statistics from the usage rows (packages/db
 * usage-stats.ts; schema `UsageStats` in packages/protocol admin-stats.ts). The teacher-only cost
 * uses the price of `?teacher=` or, by default, of the first upstream model id (config order) that
 * has a price — the pool's model, what every request would have cost without the edge.
 */
import { type Database, getPrice, type ModelPrice, type StatsSums, usageStats } from '@distillgate/db';
import { errors, parseStatsQuery } from '@distillgate/protocol';
import type { Handler } from 'hono';
import type { GatewayDeps, GatewayEnv } from '../../env.ts';
import { meteringDisabled, sumFields } from './wire.ts';

/**
 * The teacher's price: the named model's, else the first priced upstream model's; null when none is priced.
 * @throws GatewayError 400 (param `teacher`) for a named model without a price
 */
async function teacherPrice(deps: GatewayDeps, db: Database, named: string | undefined): Promise<ModelPrice | null> {
  if (named !== undefined) {
    const price = await getPrice(db, named);
    if (!price)
      throw errors.invalidValue('teacher', `No price is set for '${named.slice(0, 200)}'; name a model from GET /admin/v1/prices.`);
    return price;
  }
  for (const upstream of deps.config.upstreams) {
    for (const model of upstream.models) {
      const price = await getPrice(db, model);
      if (price) return price;
    }
  }
  return null;
}

function sumsWire(s: StatsSums) {
  return {
    requests: s.requests,
    prompt_tokens: s.promptTokens,
    completion_tokens: s.completionTokens,
    total_tokens: s.promptTokens + s.completionTokens,
    cost_micro_usd: s.costMicroUsd,
    internal_cost_micro_usd: s.internalCostMicroUsd,
    teacher_only_cost_micro_usd: s.teacherOnlyCostMicroUsd,
    cascade_requests: s.cascadeRequests,
  };
}

/** Sums of the groups (every row is in exactly one route group, so these are the totals over the rows). */
function totalOf(groups: StatsSums[]): StatsSums {
  return sumFields(groups, [
    'requests',
    'promptTokens',
    'completionTokens',
    'costMicroUsd',
    'internalCostMicroUsd',
    'teacherOnlyCostMicroUsd',
    'cascadeRequests',
  ]);
}

/** `GET /admin/v1/stats[?bucket=hour|day&key_id&model&since&until&teacher]` → UsageStats. */
export function adminStatsRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async function adminStatsHandler(c) {
    const db = deps.metering?.db;
    if (!db) return meteringDisabled();
    const query = parseStatsQuery(c.req.query());
    const teacher = await teacherPrice(deps, db, query.teacher);
    const stats = await usageStats(
      db,
      query.bucket,
      {
        ...(query.key_id !== undefined ? { keyId: query.key_id } : {}),
        ...(query.model !== undefined ? { model: query.model } : {}),
        ...(query.since !== undefined ? { sinceMs: query.since } : {}),
        ...(query.until !== undefined ? { untilMs: query.until } : {}),
      },
      teacher,
    );
    const group = (g: StatsSums & { group: string | null }) => ({ group: g.group, ...sumsWire(g) });
    return c.json({
      object: 'usage_stats',
      bucket: query.bucket,
      since_ms: query.since ?? null,
      until_ms: query.until ?? null,
      teacher: teacher
        ? {
            model: teacher.model,
            input_micro_usd_per_mtok: teacher.inputMicroUsdPerMTok,
            output_micro_usd_per_mtok: teacher.outputMicroUsdPerMTok,
          }
        : null,
      totals: sumsWire(totalOf(stats.byRoute)),
      series: stats.series.map((p) => ({ bucket_start_ms: p.bucketStartMs, route: p.route, ...sumsWire(p) })),
      by_key: stats.byKey.map(group),
      by_model: stats.byModel.map(group),
      by_route: stats.byRoute.map(group),
      latency: stats.latency.map((l) => ({
        route: l.route,
        requests: l.requests,
        latency_p50_ms: l.latencyP50Ms,
        latency_p99_ms: l.latencyP99Ms,
        ttft_requests: l.ttftRequests,
        ttft_p50_ms: l.ttftP50Ms,
        ttft_p99_ms: l.ttftP99Ms,
      })),
    });
  };
}
