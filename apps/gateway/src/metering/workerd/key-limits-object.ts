/**
 * The Durable Object behind one API key's limits (`KEY_LIMITS.idFromName(key.id)`, wrangler.toml):
 * the sliding 60 s RPM/TPM window in memory (packages/metering RateWindows, as on Node) and the
 * month's budget in its SQLite storage (budget-ledger.ts). Workers call it over RPC
 * (durable-key-limits.ts); it answers with plain data and the caller builds the GatewayError.
 *
 * A Durable Object runs one call at a time and every method here is synchronous, so a check and
 * its reservation can never interleave with another request's: 20 concurrent admissions against a
 * budget for 4 admit exactly 4. The rate window is lost when the object is evicted (idle), which
 * forgives at most one minute; reservations and spend are in storage and survive.
 */
import { DurableObject } from 'cloudflare:workers';
import { type RateLimits, type RateTicket, RateWindows, rateLimitHeaders, WINDOW_MS } from '@distillgate/metering';
import { BudgetLedger, type LedgerState, type SqlValue } from './budget-ledger.ts';

/** What the gateway asks to hold: the key's limits as its row says now, and the worst case. */
export interface AdmitInput {
  limits: RateLimits;
  /** The key's budget for the calendar month UTC; null = unlimited. @unit micro-USD */
  budgetMicroUsd: number | null;
  /** Worst-case prompt + completion tokens. */
  tokens: number;
  /** Worst-case customer cost. @unit micro-USD */
  costMicroUsd: number;
}

export type AdmitOutcome =
  | { ok: true; holdId: string; headers: Record<string, string> }
  | { ok: false; refused: 'rate'; kind: 'requests' | 'tokens'; retryAfterMs: number; headers: Record<string, string> }
  | {
      ok: false;
      refused: 'budget';
      period: string;
      spentMicroUsd: number;
      reservedMicroUsd: number;
      budgetMicroUsd: number;
      headers: Record<string, string>;
    };

/** What the request used in the end (zeros when it did no work). */
export interface SettleInput {
  holdId: string;
  tokens: number;
  /** @unit micro-USD */
  costMicroUsd: number;
}

export class KeyLimitsObject extends DurableObject {
  private readonly ledger = new BudgetLedger(
    <T>(query: string, ...bindings: SqlValue[]) => this.ctx.storage.sql.exec(query, ...bindings).toArray() as unknown as T[],
  );
  private readonly rate = new RateWindows();
  /** Window entries of admitted requests not settled yet, by hold id (insertion order = age). */
  private readonly tickets = new Map<string, RateTicket>();

  /** RPM, then TPM, then the budget; a refusal holds nothing (but counts as a request, as on Node). */
  admit(input: AdmitInput): AdmitOutcome {
    const nowMs = Date.now();
    this.forgetOldTickets(nowMs);
    // the object is per key: one window, under a constant name
    const rate = this.rate.admit('key', input.limits, input.tokens);
    const headers = rateLimitHeaders(rate.snapshot);
    if (!rate.ok) return { ok: false, refused: 'rate', kind: rate.kind, retryAfterMs: rate.retryAfterMs, headers };
    const holdId = crypto.randomUUID();
    const held = this.ctx.storage.transactionSync(() =>
      this.ledger.reserve({ holdId, costMicroUsd: input.costMicroUsd, budgetMicroUsd: input.budgetMicroUsd }, nowMs),
    );
    if (!held.ok) {
      this.rate.settle(rate.ticket, 0);
      const { period, spentMicroUsd, reservedMicroUsd, budgetMicroUsd } = held.spend;
      return { ok: false, refused: 'budget', period, spentMicroUsd, reservedMicroUsd, budgetMicroUsd: budgetMicroUsd ?? 0, headers };
    }
    this.tickets.set(holdId, rate.ticket);
    return { ok: true, holdId, headers };
  }

  /** Replaces a hold by what the request used; an unknown or settled hold changes nothing. */
  settle(input: SettleInput): void {
    const ticket = this.tickets.get(input.holdId);
    if (ticket) {
      this.rate.settle(ticket, input.tokens);
      this.tickets.delete(input.holdId);
    }
    this.ctx.storage.transactionSync(() => this.ledger.settle(input.holdId, input.costMicroUsd));
  }

  /** The current period's spend and reservations as stored. */
  state(): LedgerState {
    const nowMs = Date.now();
    return this.ctx.storage.transactionSync(() => {
      this.ledger.expire(nowMs);
      return this.ledger.state(nowMs);
    });
  }

  /** Tickets whose window entry is gone no longer matter (their request never settled). */
  private forgetOldTickets(nowMs: number): void {
    for (const [holdId, ticket] of this.tickets) {
      if (ticket.entry.atMs + WINDOW_MS > nowMs) break;
      this.tickets.delete(holdId);
    }
  }
}
