import { describe, expect, it } from 'vitest';
import { type AttemptFailure, httpFailure } from '../upstream/failure.ts';
import { countsAgainstMember, MemberState } from './member.ts';

const connect: AttemptFailure = { kind: 'connect', retryable: true, message: 'refused' };
const aborted: AttemptFailure = { kind: 'aborted', retryable: false, message: 'client left' };

function member(failureThreshold = 3, cooldownMs = 1000) {
  const clock = { nowMs: 10_000 };
  const state = new MemberState('m', { failureThreshold, cooldownMs, nowMs: () => clock.nowMs });
  return { state, clock };
}

describe('MemberState', () => {
  it('counts outstanding requests until each ends, once', () => {
    const { state } = member();
    const a = state.begin();
    const b = state.begin();
    expect(state.inFlight).toBe(2);
    a({ ok: true });
    a({ ok: true });
    expect(state.inFlight).toBe(1);
    b({ ok: false, failure: aborted });
    expect(state.inFlight).toBe(0);
    state.waiting = 3;
    expect(state.load).toBe(3);
  });

  it('opens the breaker after N consecutive failures, lets one half-open probe through after the cooldown, closes on success', () => {
    const { state, clock } = member(2, 1000);
    state.begin()({ ok: false, failure: connect });
    expect(state.breakerState).toBe('closed');
    state.begin()({ ok: false, failure: connect });
    expect(state.breakerState).toBe('open');
    expect(state.available()).toBe(false);
    clock.nowMs += 999;
    expect(state.available()).toBe(false);
    clock.nowMs += 1;
    expect(state.available()).toBe(true);
    const probe = state.begin();
    expect(state.breakerState).toBe('half_open');
    expect(state.available()).toBe(false); // one probe at a time
    probe({ ok: true });
    expect(state.breakerState).toBe('closed');
    expect(state.available()).toBe(true);
  });

  it('reopens at once when the half-open probe fails', () => {
    const { state, clock } = member(1, 500);
    state.begin()({ ok: false, failure: connect });
    clock.nowMs += 500;
    state.begin()({ ok: false, failure: { kind: 'timeout', phase: 'first_byte', retryable: true, message: 't' } });
    expect(state.breakerState).toBe('open');
    expect(state.available()).toBe(false);
  });

  it('a success resets the consecutive-failure count', () => {
    const { state } = member(2);
    state.begin()({ ok: false, failure: connect });
    state.begin()({ ok: true });
    state.begin()({ ok: false, failure: connect });
    expect(state.breakerState).toBe('closed');
  });

  it('makes no call before the upstream Retry-After has passed, without counting a 429 as a failure', () => {
    const { state, clock } = member(1);
    state.begin()({ ok: false, failure: httpFailure(429, undefined, 2000) });
    expect(state.breakerState).toBe('closed');
    expect(state.available()).toBe(false);
    clock.nowMs += 1999;
    expect(state.available()).toBe(false);
    clock.nowMs += 1;
    expect(state.available()).toBe(true);
  });

  it('a deterministic 400 and a client abort mark nothing', () => {
    const { state } = member(1);
    state.begin()({ ok: false, failure: httpFailure(400, { message: 'bad' }) });
    state.begin()({ ok: false, failure: aborted });
    expect(state.breakerState).toBe('closed');
    expect(state.available()).toBe(true);
  });

  it('an unhealthy member is unavailable; a passing check brings it back with its breaker closed', () => {
    const { state } = member(1);
    state.begin()({ ok: false, failure: connect });
    state.setHealthy(false);
    expect(state.available()).toBe(false);
    state.setHealthy(true);
    expect(state.breakerState).toBe('closed');
    expect(state.available()).toBe(true);
  });
});

describe('countsAgainstMember', () => {
  it.each([
    [connect, true],
    [{ kind: 'timeout', phase: 'idle', retryable: true, message: 't' } as AttemptFailure, true],
    [{ kind: 'protocol', retryable: true, message: 'cut' } as AttemptFailure, true],
    [httpFailure(500, undefined), true],
    [httpFailure(503, undefined), true],
    [httpFailure(404, undefined), true],
    [httpFailure(429, undefined), false],
    [httpFailure(400, undefined), false],
    [httpFailure(422, undefined), false],
    [aborted, false],
  ])('%j → %s', (failure, expected) => {
    expect(countsAgainstMember(failure)).toBe(expected);
  });
});
