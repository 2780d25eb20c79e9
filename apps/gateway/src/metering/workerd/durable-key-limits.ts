/**
 * `KeyLimits` on Workers: one Durable Object per API key (key-limits-object.ts), found by
 * `idFromName(key.id)`, holds the RPM/TPM window and the month's budget. The key's limits travel
 * with each admission (read from its D1 row at authentication), so a PATCH applies to the next
 * request. Refusals are the same GatewayErrors as Node's SqlKeyLimits.
 */
import type { ApiKey } from '@distillgate/db';
import { errors } from '@distillgate/protocol';
import { budgetRefusal, type KeyLimits, type LimitAmounts, type LimitDecision, type LimitHold } from '../limits.ts';
import type { LedgerState } from './budget-ledger.ts';
import type { AdmitInput, AdmitOutcome, SettleInput } from './key-limits-object.ts';

/** The RPC surface of one key's object, as a stub exposes it. */
export interface KeyLimitsStub {
  admit(input: AdmitInput): Promise<AdmitOutcome>;
  settle(input: SettleInput): Promise<void>;
  state(): Promise<LedgerState>;
}

/** The `KEY_LIMITS` Durable Object namespace binding (the part used here). */
export interface KeyLimitsNamespace {
  idFromName(name: string): unknown;
  get(id: never): KeyLimitsStub;
}

interface DurableHold extends LimitHold {
  holdId: string;
  settled: boolean;
}

export class DurableObjectKeyLimits implements KeyLimits {
  constructor(private readonly namespace: KeyLimitsNamespace) {}

  /** The key's object (a stub is cheap; one per call keeps it inside the calling request). */
  stub(keyId: string): KeyLimitsStub {
    return this.namespace.get(this.namespace.idFromName(keyId) as never);
  }

  async admit(key: ApiKey, worst: LimitAmounts): Promise<LimitDecision> {
    const outcome = await this.stub(key.id).admit({
      limits: { rpm: key.rpm, tpm: key.tpm },
      budgetMicroUsd: key.budgetMicroUsd,
      tokens: worst.tokens,
      costMicroUsd: worst.costMicroUsd,
    });
    const { headers } = outcome;
    if (outcome.ok) {
      const hold: DurableHold = { keyId: key.id, holdId: outcome.holdId, settled: false };
      return { ok: true, hold, headers };
    }
    if (outcome.refused === 'rate') {
      const retryAfterS = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
      return { ok: false, error: errors.rateLimited(outcome.kind, retryAfterS, headers), headers };
    }
    const leftMicroUsd = outcome.budgetMicroUsd - outcome.spentMicroUsd - outcome.reservedMicroUsd;
    const message = budgetRefusal(worst.costMicroUsd, { budgetMicroUsd: outcome.budgetMicroUsd, period: outcome.period, leftMicroUsd });
    return { ok: false, error: errors.insufficientQuota(message), headers };
  }

  async settle(hold: LimitHold, actual: LimitAmounts): Promise<void> {
    const held = hold as DurableHold;
    if (held.settled) return;
    // marked only once the object answered: the meter's retry of a failed settle must reach it again
    // (the object ignores a hold it already settled, so a repeat is harmless)
    await this.stub(held.keyId).settle({ holdId: held.holdId, tokens: actual.tokens, costMicroUsd: actual.costMicroUsd });
    held.settled = true;
  }
}
