import { describe, expect, it } from 'vitest';
import { type AttemptOutcome, tryInOrder } from './failover.ts';
import { MemberState } from './pool/member.ts';
import type { Target } from './targets.ts';
import { type AttemptFailure, httpFailure } from './upstream/failure.ts';
import type { OpenAICompatibleUpstream, Outcome } from './upstream/openai-compatible.ts';

const target = (name: string): Target => ({
  kind: 'pool',
  member: name,
  upstream: { name } as OpenAICompatibleUpstream,
  model: `${name}-model`,
  version: 'v1',
  state: new MemberState(name, { failureThreshold: 3, cooldownMs: 1000 }),
});
const A = target('a');
const B = target('b');
const C = target('c');
const fail = (failure: AttemptFailure): Outcome<string> => ({ ok: false, failure });
const timeout: AttemptFailure = { kind: 'timeout', phase: 'first_byte', retryable: true, message: 't' };

/** An attempt function answering from a table by member name, recording who was called. */
function scripted(answers: Record<string, Outcome<string> | (() => Promise<Outcome<string>>)>) {
  const called: string[] = [];
  const attempt = async (t: Target) => {
    called.push(t.member);
    const answer = answers[t.member];
    if (answer === undefined) throw new Error(`unexpected call to ${t.member}`);
    return typeof answer === 'function' ? answer() : answer;
  };
  return { attempt, called };
}

describe('tryInOrder', () => {
  it('returns the first success and records one attempt', async () => {
    const { attempt, called } = scripted({ a: { ok: true, value: 'from a' } });
    const result = await tryInOrder([A, B], attempt);
    expect(called).toEqual(['a']);
    expect(result).toMatchObject({ ok: true, value: 'from a', target: A });
    expect(result.attempts).toEqual([{ n: 1, member: 'a', outcome: 'ok', latencyMs: expect.any(Number) }]);
  });

  it('moves past retryable failures and records each attempt with its status', async () => {
    const { attempt, called } = scripted({ a: fail(httpFailure(503, undefined)), b: fail(timeout), c: { ok: true, value: 'from c' } });
    const result = await tryInOrder([A, B, C], attempt);
    expect(called).toEqual(['a', 'b', 'c']);
    expect(result).toMatchObject({ ok: true, value: 'from c', target: C });
    expect(result.attempts.map(({ latencyMs, ...rest }) => rest)).toEqual([
      { n: 1, member: 'a', outcome: 'http', status: 503 },
      { n: 2, member: 'b', outcome: 'timeout' },
      { n: 3, member: 'c', outcome: 'ok' },
    ]);
  });

  it('stops on a non-retryable failure and returns it', async () => {
    const badRequest = httpFailure(400, { message: 'bad field' });
    const { attempt, called } = scripted({ a: fail(badRequest) });
    const result = await tryInOrder([A, B, C], attempt);
    expect(called).toEqual(['a']);
    expect(result).toEqual({
      ok: false,
      failure: badRequest,
      attempts: [expect.objectContaining({ n: 1, member: 'a', outcome: 'http', status: 400 })],
    });
  });

  it('stops when the client went away', async () => {
    const aborted: AttemptFailure = { kind: 'aborted', retryable: false, message: 'client closed the connection' };
    const { attempt, called } = scripted({ a: fail(timeout), b: fail(aborted) });
    const result = await tryInOrder([A, B, C], attempt);
    expect(called).toEqual(['a', 'b']);
    expect(result).toMatchObject({ ok: false, failure: aborted });
    expect(result.attempts.map((a) => a.outcome)).toEqual(['timeout', 'aborted']);
  });

  it('returns the last failure when every member fails', async () => {
    const last = httpFailure(502, undefined);
    const { attempt } = scripted({ a: fail(timeout), b: fail(last) });
    const result = await tryInOrder([A, B], attempt);
    expect(result).toMatchObject({ ok: false, failure: last });
    expect(result.attempts).toHaveLength(2);
  });

  it('with no targets, fails without calling anything', async () => {
    const { attempt, called } = scripted({});
    const result = await tryInOrder([], attempt);
    expect(called).toEqual([]);
    expect(result).toEqual({ ok: false, failure: { kind: 'connect', retryable: false, message: 'no upstream target' }, attempts: [] });
  });

  it("measures each attempt's latency", async () => {
    const slow = () => new Promise<Outcome<string>>((resolve) => setTimeout(() => resolve(fail(timeout)), 60));
    const { attempt } = scripted({ a: slow, b: { ok: true, value: 'b' } });
    const result = await tryInOrder([A, B], attempt);
    expect(result.attempts[0]?.latencyMs).toBeGreaterThanOrEqual(50);
    expect(result.attempts[0]?.latencyMs).toBeLessThan(5_000);
    expect(result.attempts[1]?.latencyMs).toBeLessThan(result.attempts[0]?.latencyMs ?? 0);
  });

  it('mixes target kinds and failure types: records member, kind and status of each', async () => {
    interface EdgeFailure {
      kind: 'overloaded' | 'rejected';
      retryable: boolean;
      status: number;
      message: string;
    }
    const edge: Target = { kind: 'edge', member: 'edge:student', model: 'student' };
    const overloaded: EdgeFailure = { kind: 'overloaded', retryable: true, status: 429, message: 'busy' };
    const attempt = async (t: Target): Promise<AttemptOutcome<string, EdgeFailure | AttemptFailure>> =>
      t.kind === 'edge' ? { ok: false, failure: overloaded } : { ok: true, value: `from ${t.member}` };
    const result = await tryInOrder([edge, A], attempt);
    expect(result).toMatchObject({ ok: true, value: 'from a', target: A });
    expect(result.attempts.map(({ latencyMs, ...rest }) => rest)).toEqual([
      { n: 1, member: 'edge:student', outcome: 'overloaded', status: 429 },
      { n: 2, member: 'a', outcome: 'ok' },
    ]);
  });

  it('a non-retryable failure of another kind stops the same way', async () => {
    const edge: Target = { kind: 'edge', member: 'edge:student', model: 'student' };
    const rejected = { kind: 'rejected', retryable: false, status: 400, message: 'n must be 1' };
    const { attempt, called } = scripted({ a: { ok: true, value: 'a' } });
    const result = await tryInOrder(
      [edge, A],
      async (t): Promise<AttemptOutcome<string, typeof rejected | AttemptFailure>> =>
        t.kind === 'edge' ? { ok: false, failure: rejected } : attempt(t),
    );
    expect(called).toEqual([]);
    expect(result).toMatchObject({ ok: false, failure: rejected });
  });
});
