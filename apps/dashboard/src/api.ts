/**
 * Everything the dashboard asks the gateway, and nothing else: `/admin/v1/*` on the page's own
 * origin. Authentication is the admin session cookie (HttpOnly, SameSite=Strict, Path=/admin) that
 * `POST /admin/v1/session` sets: the browser sends it, no script can read it, and the token itself
 * is sent once, in a request body — never in a URL or storage. Keys, prices and models go through
 * `@distillgate/sdk` (no admin token given: the cookie authenticates); the session and the stats
 * endpoint, which the SDK has no resource for, through `adminFetch` below. Types come from the
 * SDK's generated admin types (the OpenAPI document in packages/protocol).
 */
import { type AdminComponents, APIError, Distillgate } from '@distillgate/sdk';

export type Schemas = AdminComponents['schemas'];
export type UsageStats = Schemas['UsageStats'];
export type StatsGroup = Schemas['StatsGroup'];
export type ApiKey = Schemas['ApiKey'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type AdminModel = Schemas['AdminModel'];
export type EdgeModel = Schemas['EdgeModel'];
export type RoutingAlias = Schemas['RoutingAlias'];

/** One attempt's limit. @unit ms */
const TIMEOUT_MS = 30_000;

/** The SDK client for this origin: admin calls carry the session cookie (same-origin fetch). */
export const sdk = new Distillgate({ baseURL: window.location.origin, maxRetries: 1, timeoutMs: TIMEOUT_MS });

/** A failed admin call: the HTTP status and the error envelope's code and message. */
export class AdminCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'AdminCallError';
  }
}

/** True when the failure means "not logged in" (no, an expired or an ended session). */
export function isUnauthorized(error: unknown): boolean {
  return (error instanceof AdminCallError || error instanceof APIError) && error.status === 401;
}

/** A message for people from any failure of an admin call. */
export function messageOf(error: unknown): string {
  const code = error instanceof AdminCallError || error instanceof APIError ? error.code : null;
  if (code === 'admin_disabled') {
    return 'The admin API is disabled: start the gateway with DISTILLGATE_ADMIN_TOKEN set.';
  }
  if (code === 'metering_disabled') return 'This gateway runs without metering (no database): there is no usage to show.';
  if (error instanceof Error) return error.message;
  return String(error);
}

async function adminFetch<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`/admin/v1${path}`, {
    ...init,
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) },
    signal: init.signal ?? AbortSignal.timeout(TIMEOUT_MS),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below by status
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: string | null; message?: string } } | null)?.error;
    throw new AdminCallError(res.status, error?.code ?? null, error?.message ?? `HTTP ${res.status}`);
  }
  return body as T;
}

/** Exchanges the admin token for the session cookie. @throws AdminCallError 401 on a wrong token */
export function login(token: string): Promise<Schemas['AdminSession']> {
  return adminFetch('/session', { method: 'POST', body: JSON.stringify({ token }) });
}

/** Ends the session (the cookie stops working and is cleared). */
export function logout(): Promise<void> {
  return adminFetch('/session', { method: 'DELETE' });
}

/** A period the usage pages show, and its bucket width. */
export interface StatsRange {
  id: '24h' | '7d' | '30d' | 'all';
  label: string;
  bucket: 'hour' | 'day';
  /** How far back from now; null = all time. @unit ms */
  spanMs: number | null;
}

const HOUR_MS = 3_600_000;
export const RANGES: StatsRange[] = [
  { id: '24h', label: 'Last 24 hours (hourly)', bucket: 'hour', spanMs: 24 * HOUR_MS },
  { id: '7d', label: 'Last 7 days (daily)', bucket: 'day', spanMs: 7 * 24 * HOUR_MS },
  { id: '30d', label: 'Last 30 days (daily)', bucket: 'day', spanMs: 30 * 24 * HOUR_MS },
  { id: 'all', label: 'All time (daily)', bucket: 'day', spanMs: null },
];

/**
 * `GET /admin/v1/stats` for a range ending now.
 * @param nowMs the range's end, ms since the Unix epoch
 */
export function fetchStats(range: StatsRange, nowMs: number, signal?: AbortSignal): Promise<UsageStats> {
  const query = new URLSearchParams({ bucket: range.bucket });
  if (range.spanMs !== null) query.set('since', String(nowMs - range.spanMs));
  return adminFetch(`/stats?${query}`, signal ? { signal } : {});
}

/** `GET /admin/v1/routing`: the routed aliases (policy, threshold, calibration, shadow counts). */
export async function fetchRouting(signal?: AbortSignal): Promise<RoutingAlias[]> {
  return (await adminFetch<Schemas['RoutingAliasList']>('/routing', signal ? { signal } : {})).data;
}
