/**
 * Requests-per-minute and tokens-per-minute limits per API key, as a sliding 60 s window kept in
 * this process's memory (DESIGN.md §5 "Errors": 429 `rate_limit_exceeded` with `Retry-After` and
 * `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, OpenAI's header names). Admission adds
 * the request's worst-case tokens; `settle` replaces them with the actual count (or 0 for a request
 * that did no work), so a short answer frees its unused tokens at once. Memory: one entry per
 * admitted request of the last minute per key.
 *
 * In memory because the embedded default is one gateway process; several Node gateways would each
 * allow the full rate (a shared store — the Durable Object on Workers — is the fix there).
 */

/** How far back the window reaches. @unit ms */
export const WINDOW_MS = 60_000;

/** A key's limits; null = unlimited. */
export interface RateLimits {
  rpm: number | null;
  tpm: number | null;
}

/** Counts shown in the `x-ratelimit-*` headers. */
export interface RateSnapshot {
  limits: RateLimits;
  /** Requests / tokens in the window after this decision. */
  usedRequests: number;
  usedTokens: number;
  /** When the oldest entry leaves the window (the window is full again then). @unit ms from now */
  resetRequestsMs: number;
  resetTokensMs: number;
}

/** A held window entry: pass it to `settle` once with the actual token count. */
export interface RateTicket {
  readonly keyId: string;
  /** @internal */
  readonly entry: { atMs: number; tokens: number };
}

export type RateDecision =
  | { ok: true; ticket: RateTicket; snapshot: RateSnapshot }
  | { ok: false; kind: 'requests' | 'tokens'; retryAfterMs: number; snapshot: RateSnapshot };

export class RateWindows {
  private readonly byKey = new Map<string, Array<{ atMs: number; tokens: number }>>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  /**
   * Admits one request of `tokens` worst-case tokens for `keyId` when both limits allow it.
   * A request bigger than the whole TPM limit can never pass: refused with a `Retry-After` of a
   * full window (the client should lower `max_tokens`).
   * @param tokens prompt + effective max_tokens × n (DESIGN.md §5), integer ≥ 0
   */
  admit(keyId: string, limits: RateLimits, tokens: number): RateDecision {
    const now = this.nowMs();
    const entries = this.live(keyId, now);
    const usedTokens = entries.reduce((sum, e) => sum + e.tokens, 0);
    if (limits.rpm !== null && entries.length + 1 > limits.rpm) {
      const retryAfterMs = entries[entries.length - limits.rpm]!.atMs + WINDOW_MS - now;
      return { ok: false, kind: 'requests', retryAfterMs, snapshot: this.snapshot(limits, entries, usedTokens, now) };
    }
    if (limits.tpm !== null && usedTokens + tokens > limits.tpm) {
      return {
        ok: false,
        kind: 'tokens',
        retryAfterMs: this.tokensFreeInMs(entries, usedTokens + tokens - limits.tpm, now),
        snapshot: this.snapshot(limits, entries, usedTokens, now),
      };
    }
    const entry = { atMs: now, tokens };
    entries.push(entry);
    this.byKey.set(keyId, entries);
    return { ok: true, ticket: { keyId, entry }, snapshot: this.snapshot(limits, entries, usedTokens + tokens, now) };
  }

  /** Replaces the admitted worst case with the request's actual tokens (0 when it did no work). */
  settle(ticket: RateTicket, actualTokens: number): void {
    ticket.entry.tokens = Math.max(0, actualTokens);
  }

  /** Entries of the last WINDOW_MS, oldest first (older ones dropped). */
  private live(keyId: string, now: number): Array<{ atMs: number; tokens: number }> {
    const entries = this.byKey.get(keyId) ?? [];
    let drop = 0;
    while (drop < entries.length && entries[drop]!.atMs + WINDOW_MS <= now) drop++;
    if (drop > 0) entries.splice(0, drop);
    if (entries.length === 0) this.byKey.delete(keyId);
    return entries;
  }

  /** How long until enough of the oldest entries leave the window to free `excess` tokens. */
  private tokensFreeInMs(entries: ReadonlyArray<{ atMs: number; tokens: number }>, excess: number, now: number): number {
    let freed = 0;
    for (const e of entries) {
      freed += e.tokens;
      if (freed >= excess) return Math.max(1, e.atMs + WINDOW_MS - now);
    }
    return WINDOW_MS; // more than the whole window holds: only a smaller request can pass
  }

  private snapshot(limits: RateLimits, entries: ReadonlyArray<{ atMs: number }>, usedTokens: number, now: number): RateSnapshot {
    const resetMs = entries.length > 0 ? Math.max(0, entries[0]!.atMs + WINDOW_MS - now) : 0;
    return { limits, usedRequests: entries.length, usedTokens, resetRequestsMs: resetMs, resetTokensMs: resetMs };
  }
}

/**
 * The `x-ratelimit-*` headers for the limits a key has (OpenAI's names; reset as a duration such
 * as `12s`, rounded up to whole seconds).
 */
export function rateLimitHeaders(s: RateSnapshot): Record<string, string> {
  const headers: Record<string, string> = {};
  if (s.limits.rpm !== null) {
    headers['x-ratelimit-limit-requests'] = String(s.limits.rpm);
    headers['x-ratelimit-remaining-requests'] = String(Math.max(0, s.limits.rpm - s.usedRequests));
    headers['x-ratelimit-reset-requests'] = `${Math.ceil(s.resetRequestsMs / 1000)}s`;
  }
  if (s.limits.tpm !== null) {
    headers['x-ratelimit-limit-tokens'] = String(s.limits.tpm);
    headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, s.limits.tpm - s.usedTokens));
    headers['x-ratelimit-reset-tokens'] = `${Math.ceil(s.resetTokensMs / 1000)}s`;
  }
  return headers;
}
