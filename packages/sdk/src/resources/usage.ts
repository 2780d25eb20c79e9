/** `client.usage`: `GET /v1/usage`, the calling API key's own usage rows or sums. */
import type { APIPromise } from '../api-promise.ts';
import type { Core, RequestOptions } from '../core.ts';
import type { components, paths } from '../generated/admin-api.ts';

type Schemas = components['schemas'];
type WireQuery = NonNullable<paths['/v1/usage']['get']['parameters']['query']>;

/** A time bound: ms since the Unix epoch, a Date, or an ISO 8601 string. */
export type TimeBound = number | Date | string;

/** Filters of a usage query: served `model`, `route`, `status`, `since` (inclusive) / `until` (exclusive). */
export type UsageQuery = Omit<WireQuery, 'since' | 'until' | 'group_by'> & { since?: TimeBound; until?: TimeBound };
/** With `group_by`: sums per UTC day, served model or route (no paging). */
export type UsageAggregateQuery = Omit<UsageQuery, 'limit' | 'before_id'> & { group_by: NonNullable<WireQuery['group_by']> };

export type UsageList = Schemas['UsageList'];
export type UsageRow = Schemas['UsageRow'];
export type UsageAggregate = Schemas['UsageAggregate'];

/** Encodes a usage query for the URL (Dates as ISO 8601). */
export function usageQueryParams(query: Record<string, unknown>): Record<string, string | number | boolean | undefined> {
  const out: Record<string, string | number | boolean | undefined> = {};
  for (const [name, value] of Object.entries(query)) {
    out[name] = value instanceof Date ? value.toISOString() : (value as string | number | boolean | undefined);
  }
  return out;
}

export class Usage {
  constructor(private readonly core: Core) {}

  /**
   * The calling key's usage rows, newest first (page with `before_id: page.next_before_id`), or
   * with `group_by` the sums per group and their totals (cost in micro-USD).
   * @throws BadRequestError for a malformed filter (its `param` names it), AuthenticationError, …
   */
  list(query: UsageAggregateQuery, options?: RequestOptions): APIPromise<UsageAggregate>;
  list(query?: UsageQuery, options?: RequestOptions): APIPromise<UsageList>;
  list(query: UsageQuery | UsageAggregateQuery = {}, options?: RequestOptions): APIPromise<UsageList | UsageAggregate> {
    return this.core.json({ method: 'GET', path: '/v1/usage', query: usageQueryParams(query), auth: 'key' }, options);
  }
}
