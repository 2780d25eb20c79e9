/**
 * Per-key admission limits: requests and tokens per minute, and the spend budget (DESIGN.md §5:
 * "The Durable Object (Workers) or the conditional UPDATE (Node) is the truth for reservations and
 * current-period spend"). `admit` holds the worst case; `settle` replaces it with the actual
 * tokens and cost (zeros release it) exactly once.
 *
 * `SqlKeyLimits` is the Node one: RPM/TPM in this process's memory (packages/metering RateWindows)
 * and the budget by one conditional UPDATE in the database (packages/db budgets.ts). A Workers
 * implementation keeps both in a Durable Object per key behind the same interface.
 */
import {
  type ApiKey,
  type BudgetReservation,
  type Database,
  deferredReservation,
  releaseBudget,
  reserveBudget,
  settleBudget,
} from '@distillgate/db';
import { type RateTicket, RateWindows, rateLimitHeaders } from '@distillgate/metering';
import { errors, type GatewayError } from '@distillgate/protocol';
import { WriteGate } from './write-gate.ts';

/** What a request may use at most, or used in the end. */
export interface LimitAmounts {
  /** Prompt + completion tokens (worst case: prompt + effective max_tokens × n). */
  tokens: number;
  /** Customer cost. @unit micro-USD */
  costMicroUsd: number;
}

/** A held admission; opaque to callers. */
export interface LimitHold {
  readonly keyId: string;
}

export type LimitDecision =
  | { ok: true; hold: LimitHold; headers: Record<string, string> }
  | { ok: false; error: GatewayError; headers: Record<string, string> };

export interface KeyLimits {
  /** Checks RPM, then TPM, then reserves the budget; a refusal holds nothing. */
  admit(key: ApiKey, worst: LimitAmounts): Promise<LimitDecision>;
  /** Replaces the hold with what the request used (zeros when it did no work); later calls are no-ops. */
  settle(hold: LimitHold, actual: LimitAmounts): Promise<void>;
}

interface SqlHold extends LimitHold {
  ticket: RateTicket;
  reservation: BudgetReservation;
}

export class SqlKeyLimits implements KeyLimits {
  /**
   * @param writes paces writes while the file is locked (write-gate.ts)
   */
  constructor(
    private readonly db: Database,
    private readonly writes: WriteGate = new WriteGate(),
    readonly rate: RateWindows = new RateWindows(),
  ) {}

  async admit(key: ApiKey, worst: LimitAmounts): Promise<LimitDecision> {
    const rate = this.rate.admit(key.id, { rpm: key.rpm, tpm: key.tpm }, worst.tokens);
    const headers = rateLimitHeaders(rate.snapshot);
    if (!rate.ok) {
      return { ok: false, error: errors.rateLimited(rate.kind, Math.max(1, Math.ceil(rate.retryAfterMs / 1000)), headers), headers };
    }
    // a key without a budget has nothing to check: no write now, its spend is added when it settles
    if (key.budgetMicroUsd === null)
      return { ok: true, hold: { keyId: key.id, ticket: rate.ticket, reservation: deferredReservation(key.id) } as SqlHold, headers };
    let reserved: Awaited<ReturnType<typeof reserveBudget>>;
    try {
      // while the file is locked a budget cannot be checked: refused at once with 503 database_busy
      // (app.onError) rather than blocking the event loop on one more attempt
      if (this.writes.backingOff) throw errors.databaseBusy();
      reserved = await this.writes.run(() => reserveBudget(this.db, { keyId: key.id, worstCaseMicroUsd: worst.costMicroUsd }));
    } catch (err) {
      this.rate.settle(rate.ticket, 0);
      throw err;
    }
    if (!reserved.ok) {
      this.rate.settle(rate.ticket, 0);
      const { spentMicroUsd, reservedMicroUsd, budgetMicroUsd, period } = reserved.spend;
      const message = budgetRefusal(worst.costMicroUsd, {
        budgetMicroUsd,
        period,
        leftMicroUsd: (budgetMicroUsd ?? 0) - spentMicroUsd - reservedMicroUsd,
      });
      return { ok: false, error: errors.insufficientQuota(message), headers };
    }
    const hold: SqlHold = { keyId: key.id, ticket: rate.ticket, reservation: reserved.reservation };
    return { ok: true, hold, headers };
  }

  async settle(hold: LimitHold, actual: LimitAmounts): Promise<void> {
    const { ticket, reservation } = hold as SqlHold;
    this.rate.settle(ticket, actual.tokens);
    if (actual.costMicroUsd > 0) await settleBudget(this.db, reservation, actual.costMicroUsd);
    else if (reservation.reservedMicroUsd > 0) await releaseBudget(this.db, reservation);
  }
}

/**
 * The 429 `insufficient_quota` message, the same on Node and Workers.
 * @param worstCostMicroUsd the request's worst-case cost
 */
export function budgetRefusal(
  worstCostMicroUsd: number,
  b: { budgetMicroUsd: number | null; period: string; leftMicroUsd: number },
): string {
  const left = Math.max(0, b.leftMicroUsd);
  const advice = left > 0 ? 'Lower max_tokens or raise the budget.' : 'Raise the budget or wait for the next period.';
  return `This request could cost up to ${worstCostMicroUsd} micro-USD; the key's budget of ${b.budgetMicroUsd} micro-USD for ${b.period} has ${left} left. ${advice}`;
}
