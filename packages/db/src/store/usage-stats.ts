/**
 * Usage statistics for the dashboard (`GET /admin/v1/stats`), computed from the usage rows (the
 * truth for history, DESIGN.md §5): sums per time bucket (UTC hour or day) × route, per key, per
 * served model and per route; the teacher-only cost of the same traffic at a given price; and
 * latency / time-to-first-token percentiles per route (nearest rank).
 *
 * Every sum is an integer SQL `sum` over rows, and each grouping covers every matching row exactly
 * once, so the totals of any grouping are equal to each other and to the sums over the rows.
 */
import { and, eq, gte, lt, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { type Route, type UsageStatus, usageEvents } from '../schema.ts';

/** Width of a time bucket. */
export type StatsBucket = 'hour' | 'day';
/** Bucket widths. @unit ms */
export const STATS_BUCKET_MS: Record<StatsBucket, number> = { hour: 3_600_000, day: 86_400_000 };

/** Which rows the statistics cover; all optional, combined with AND. */
export interface StatsFilter {
  keyId?: string;
  /** The served model id. */
  model?: string;
  /** Inclusive lower bound on `createdAtMs`. @unit ms since the Unix epoch */
  sinceMs?: number;
  /** Exclusive upper bound on `createdAtMs`. @unit ms since the Unix epoch */
  untilMs?: number;
}

/** A price in the stored unit. @unit micro-USD per 1M tokens */
export interface TokenPrice {
  inputMicroUsdPerMTok: number;
  outputMicroUsdPerMTok: number;
}

/** Sums over a set of rows. Tokens integers; money integer micro-USD. */
export interface StatsSums {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Charged to customers. @unit micro-USD */
  costMicroUsd: number;
  /** Not charged: student drafts of escalated requests, shadow runs. @unit micro-USD */
  internalCostMicroUsd: number;
  /**
   * What the same rows would have cost served by the teacher: per row
   * ⌈(prompt × input + completion × output) / 10⁶⌉ (metering's rounding), summed; 0 without a price.
   * @unit micro-USD
   */
  teacherOnlyCostMicroUsd: number;
  /**
   * Rows a cascade routed (`routing_policy = 'cascade'`): the denominator of the escalation rate,
   * escalated ÷ cascade requests (requests naming the student directly are not drafts).
   */
  cascadeRequests: number;
}

/** One time bucket × route. */
export interface StatsSeriesPoint extends StatsSums {
  /** Start of the UTC hour or day. @unit ms since the Unix epoch */
  bucketStartMs: number;
  route: Route | null;
}

/** Sums of one group (key id, served model or route; null for rows without one). */
export interface StatsGroup extends StatsSums {
  group: string | null;
}

/** Nearest-rank percentiles of one route's successful rows. */
export interface RouteLatency {
  route: Route | null;
  /** Rows with status `ok` (the latency sample). */
  requests: number;
  /** @unit ms */
  latencyP50Ms: number | null;
  /** @unit ms */
  latencyP99Ms: number | null;
  /** Rows with status `ok` and a time to first token (the TTFT sample). */
  ttftRequests: number;
  /** @unit ms */
  ttftP50Ms: number | null;
  /** @unit ms */
  ttftP99Ms: number | null;
}

export interface UsageStats {
  series: StatsSeriesPoint[];
  byKey: StatsGroup[];
  byModel: StatsGroup[];
  byRoute: StatsGroup[];
  latency: RouteLatency[];
}

function where(filter: StatsFilter, extra: SQL[] = []): SQL | undefined {
  const conditions: SQL[] = [...extra];
  if (filter.keyId !== undefined) conditions.push(eq(usageEvents.keyId, filter.keyId));
  if (filter.model !== undefined) conditions.push(eq(usageEvents.servedModel, filter.model));
  if (filter.sinceMs !== undefined) conditions.push(gte(usageEvents.createdAtMs, filter.sinceMs));
  if (filter.untilMs !== undefined) conditions.push(lt(usageEvents.createdAtMs, filter.untilMs));
  return and(...conditions);
}

/**
 * A bound integer. Drivers bind JS numbers as REAL, and SQLite's `/` on a REAL does not truncate:
 * the cast keeps the ceilings and bucket starts integral.
 */
const int = (value: number) => sql`CAST(${value} AS INTEGER)`;

/** The selected sums; integer arithmetic throughout (SQLite integers are 64-bit). */
function sums(teacher: TokenPrice | null) {
  const e = usageEvents;
  const teacherOnly = teacher
    ? sql<number>`coalesce(sum((${e.promptTokens} * ${int(teacher.inputMicroUsdPerMTok)} + ${e.completionTokens} * ${int(teacher.outputMicroUsdPerMTok)} + 999999) / 1000000), 0)`
    : sql<number>`0`;
  return {
    requests: sql<number>`count(*)`,
    promptTokens: sql<number>`coalesce(sum(${e.promptTokens}), 0)`,
    completionTokens: sql<number>`coalesce(sum(${e.completionTokens}), 0)`,
    costMicroUsd: sql<number>`coalesce(sum(${e.costMicroUsd}), 0)`,
    internalCostMicroUsd: sql<number>`coalesce(sum(${e.internalCostMicroUsd}), 0)`,
    teacherOnlyCostMicroUsd: teacherOnly,
    cascadeRequests: sql<number>`coalesce(sum(CASE WHEN ${e.routingPolicy} = 'cascade' THEN 1 ELSE 0 END), 0)`,
  };
}

async function groupedBy(db: Database, group: SQL<string | null>, filter: StatsFilter, teacher: TokenPrice | null): Promise<StatsGroup[]> {
  return db
    .select({ group, ...sums(teacher) })
    .from(usageEvents)
    .where(where(filter))
    .groupBy(group)
    .orderBy(group);
}

/**
 * Sums per bucket × route, per key, per model and per route, and latency percentiles per route.
 * @param bucket the series' bucket width (UTC hours or days)
 * @param teacher the teacher's price for `teacherOnlyCostMicroUsd`; null → those sums are 0
 */
export async function usageStats(db: Database, bucket: StatsBucket, filter: StatsFilter, teacher: TokenPrice | null): Promise<UsageStats> {
  const width = STATS_BUCKET_MS[bucket];
  const bucketStart = sql<number>`(${usageEvents.createdAtMs} / ${int(width)}) * ${int(width)}`;
  const series = await db
    .select({ bucketStartMs: bucketStart, route: usageEvents.route, ...sums(teacher) })
    .from(usageEvents)
    .where(where(filter))
    .groupBy(bucketStart, usageEvents.route)
    .orderBy(bucketStart, usageEvents.route);
  return {
    series,
    byKey: await groupedBy(db, sql<string | null>`${usageEvents.keyId}`, filter, teacher),
    byModel: await groupedBy(db, sql<string | null>`${usageEvents.servedModel}`, filter, teacher),
    byRoute: await groupedBy(db, sql<string | null>`${usageEvents.route}`, filter, teacher),
    latency: await routeLatency(db, filter),
  };
}

const OK: UsageStatus = 'ok';

/** p50/p99 of one column per route over `ok` rows where it is not null, by nearest rank (window functions). */
async function percentilesOf(
  db: Database,
  column: typeof usageEvents.latencyMs | typeof usageEvents.ttftMs,
  filter: StatsFilter,
): Promise<Map<Route | null, { n: number; p50: number | null; p99: number | null }>> {
  const e = usageEvents;
  const ranked = sql`SELECT ${e.route} AS route, ${column} AS value,
      row_number() OVER (PARTITION BY ${e.route} ORDER BY ${column}) AS rn,
      count(*) OVER (PARTITION BY ${e.route}) AS n
    FROM ${e} WHERE ${where(filter, [eq(e.status, OK), sql`${column} IS NOT NULL`])}`;
  // ⌈p × n / 100⌉ in integer arithmetic: (p × n + 99) / 100
  const rows = (await db.all(sql`SELECT route, n,
      max(CASE WHEN rn = (50 * n + 99) / 100 THEN value END) AS p50,
      max(CASE WHEN rn = (99 * n + 99) / 100 THEN value END) AS p99
    FROM (${ranked}) GROUP BY route, n`)) as Array<{ route: Route | null; n: number; p50: number | null; p99: number | null }>;
  return new Map(rows.map((r) => [r.route, { n: r.n, p50: r.p50, p99: r.p99 }]));
}

async function routeLatency(db: Database, filter: StatsFilter): Promise<RouteLatency[]> {
  const latency = await percentilesOf(db, usageEvents.latencyMs, filter);
  const ttft = await percentilesOf(db, usageEvents.ttftMs, filter);
  const routes = [...latency.keys()].sort((a, b) => String(a).localeCompare(String(b)));
  return routes.map((route) => {
    const l = latency.get(route);
    const t = ttft.get(route);
    return {
      route,
      requests: l?.n ?? 0,
      latencyP50Ms: l?.p50 ?? null,
      latencyP99Ms: l?.p99 ?? null,
      ttftRequests: t?.n ?? 0,
      ttftP50Ms: t?.p50 ?? null,
      ttftP99Ms: t?.p99 ?? null,
    };
  });
}
