/**
 * TEST-ONLY: what every UsageSink must do (STYLE.md: pluggable parts run one shared conformance
 * suite). The direct database sink runs it in usage-sink.test.ts; a Queue sink runs it with a
 * fixture whose `read` drains the queue into the database first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsageEvent } from './usage-queries.ts';
import type { UsageAttempt, UsageRecord, UsageSink } from './usage-sink.ts';

export interface UsageSinkFixture {
  sink: UsageSink;
  /** The stored rows and attempts for a request id, once everything recorded so far has landed. */
  read(requestId: string): Promise<{ rows: UsageEvent[]; attempts: UsageAttempt[] }>;
  close(): Promise<void>;
}

/** A complete record; `keyId` must exist in the fixture's database or be null. */
export function sampleUsage(requestId: string, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId,
    keyId: null,
    requestedModel: 'auto',
    servedModel: 'distillgate-teacher',
    servedModelVersion: '0.1.0',
    route: 'pool',
    upstreamMember: 'local',
    stream: false,
    promptTokens: 12,
    completionTokens: 34,
    usageSource: 'upstream',
    costMicroUsd: 56,
    internalCostMicroUsd: 0,
    latencyMs: 78,
    ttftMs: 9,
    status: 'ok',
    createdAtMs: Date.UTC(2026, 6, 1, 12),
    attempts: [
      { n: 1, member: 'other', outcome: 'http_503', latencyMs: 5 },
      { n: 2, member: 'local', outcome: 'ok', latencyMs: 70 },
    ],
    ...overrides,
  };
}

export function describeUsageSink(name: string, setup: () => Promise<UsageSinkFixture>): void {
  describe(`UsageSink conformance: ${name}`, () => {
    let fixture: UsageSinkFixture;
    beforeAll(async () => {
      fixture = await setup();
    });
    afterAll(() => fixture.close());

    it('stores one row with its fields and attempts', async () => {
      const record = sampleUsage('req-conf-1');
      await fixture.sink.record(record);
      const { rows, attempts } = await fixture.read('req-conf-1');
      expect(rows).toHaveLength(1);
      const { attempts: expectedAttempts, ...fields } = record;
      expect(rows[0]).toMatchObject(fields);
      expect(attempts).toEqual(expectedAttempts);
    });

    it('records the same request id twice (concurrently too) as one row: a retry never double-counts', async () => {
      const record = sampleUsage('req-conf-2');
      await Promise.all([fixture.sink.record(record), fixture.sink.record(record)]);
      await fixture.sink.record({ ...record, costMicroUsd: 999_999 });
      const { rows, attempts } = await fixture.read('req-conf-2');
      expect(rows).toHaveLength(1);
      expect(rows[0]!.costMicroUsd).toBe(56);
      expect(attempts).toHaveLength(2);
    });

    it('keeps explicit zeros as counts from the upstream', async () => {
      await fixture.sink.record(sampleUsage('req-conf-3', { promptTokens: 0, completionTokens: 0, costMicroUsd: 0, ttftMs: 0 }));
      const { rows } = await fixture.read('req-conf-3');
      expect(rows[0]).toMatchObject({ promptTokens: 0, completionTokens: 0, costMicroUsd: 0, ttftMs: 0, usageSource: 'upstream' });
    });

    it('stores a client abort with the relayed tokens, and internal cost apart from customer cost', async () => {
      await fixture.sink.record(
        sampleUsage('req-conf-4', {
          status: 'client_aborted',
          usageSource: 'estimated',
          completionTokens: 3,
          route: 'escalated',
          internalCostMicroUsd: 7,
        }),
      );
      const { rows } = await fixture.read('req-conf-4');
      expect(rows[0]).toMatchObject({
        status: 'client_aborted',
        usageSource: 'estimated',
        completionTokens: 3,
        route: 'escalated',
        internalCostMicroUsd: 7,
      });
    });

    it('rejects negative or fractional counts', async () => {
      await expect(fixture.sink.record(sampleUsage('req-conf-5', { promptTokens: -1 }))).rejects.toThrow(RangeError);
      await expect(fixture.sink.record(sampleUsage('req-conf-6', { costMicroUsd: 1.5 }))).rejects.toThrow(RangeError);
    });
  });
}
