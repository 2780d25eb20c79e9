/**
 * Reading usage history (DESIGN.md §5 "Admin API": `GET /usage`; rows are the truth for
 * history). Lists newest first with a cursor; aggregates by UTC day, served model or route.
 */
import { and, desc, eq, gte, lt, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { type Route, type UsageStatus, usageAttempts, usageEvents } from '../schema.ts';

/** A stored usage row. */
export type UsageEvent = typeof usageEvents.$inferSelect;
/** A stored attempt. */
export type StoredUsageAttempt = typeof usageAttempts.$inferSelect;

/** Filters; all optional, combined with AND. */
export interface UsageFilter {
  keyId?: string;
  /** The served model id. */
  model?: string;
  route?: Route;
  status?: UsageStatus;
  /** Inclusive lower bound on `createdAtMs`. */
  sinceMs?: number;
  /** Exclusive upper bound on `createdAtMs`. */
  untilMs?: number;
}

/** Default and largest page size of `listUsage`. */
export const USAGE_PAGE_DEFAULT = 100;
export const USAGE_PAGE_MAX = 1000;

function where(filter: UsageFilter): SQL | undefined {
  const conditions: SQL[] = [];
  if (filter.keyId !== undefined) conditions.push(eq(usageEvents.keyId, filter.keyId));
  if (filter.model !== undefined) conditions.push(eq(usageEvents.servedModel, filter.model));
  if (filter.route !== undefined) conditions.push(eq(usageEvents.route, filter.route));
  if (filter.status !== undefined) conditions.push(eq(usageEvents.status, filter.status));
  if (filter.sinceMs !== undefined) conditions.push(gte(usageEvents.createdAtMs, filter.sinceMs));
  if (filter.untilMs !== undefined) conditions.push(lt(usageEvents.createdAtMs, filter.untilMs));
  return and(...conditions);
}

/**
 * Usage rows matching `filter`, newest first (by `createdAtMs`, then id). Page on with
 * `beforeId` = the last row's `id`.
 * @param options.limit rows per page; @default 100, at most 1000
 * @throws RangeError on a limit outside 1…1000
 */
export async function listUsage(db: Database, filter: UsageFilter & { limit?: number; beforeId?: number } = {}): Promise<UsageEvent[]> {
  const limit = filter.limit ?? USAGE_PAGE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > USAGE_PAGE_MAX)
    throw new RangeError(`limit must be an integer in 1…${USAGE_PAGE_MAX}, got ${limit}`);
  const conditions = [where(filter)];
  if (filter.beforeId !== undefined) conditions.push(lt(usageEvents.id, filter.beforeId));
  return db
    .select()
    .from(usageEvents)
    .where(and(...conditions))
    .orderBy(desc(usageEvents.createdAtMs), desc(usageEvents.id))
    .limit(limit);
}

/** The attempts of one request, in order. */
export async function listAttempts(db: Database, requestId: string): Promise<StoredUsageAttempt[]> {
  return db.select().from(usageAttempts).where(eq(usageAttempts.requestId, requestId)).orderBy(usageAttempts.n);
}

export type UsageGroupBy = 'day' | 'model' | 'route';

/** Sums over one group. Tokens integers, money micro-USD. */
export interface UsageAggregate {
  /** `YYYY-MM-DD` (UTC) for day, the served model id for model, the route for route; null when the rows have none. */
  group: string | null;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costMicroUsd: number;
  internalCostMicroUsd: number;
}

const groupExpressions: Record<UsageGroupBy, SQL<string | null>> = {
  day: sql<string>`strftime('%Y-%m-%d', ${usageEvents.createdAtMs} / 1000, 'unixepoch')`,
  model: sql<string | null>`${usageEvents.servedModel}`,
  route: sql<string | null>`${usageEvents.route}`,
};

/**
 * Request count and sums of tokens and costs per group, over the rows matching `filter`, ordered
 * by group (days ascending).
 */
export async function aggregateUsage(db: Database, groupBy: UsageGroupBy, filter: UsageFilter = {}): Promise<UsageAggregate[]> {
  const group = groupExpressions[groupBy];
  return db
    .select({
      group,
      requests: sql<number>`count(*)`,
      promptTokens: sql<number>`coalesce(sum(${usageEvents.promptTokens}), 0)`,
      completionTokens: sql<number>`coalesce(sum(${usageEvents.completionTokens}), 0)`,
      costMicroUsd: sql<number>`coalesce(sum(${usageEvents.costMicroUsd}), 0)`,
      internalCostMicroUsd: sql<number>`coalesce(sum(${usageEvents.internalCostMicroUsd}), 0)`,
    })
    .from(usageEvents)
    .where(where(filter))
    .groupBy(group)
    .orderBy(group);
}
