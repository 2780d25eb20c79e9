import { describe, expect, it } from 'vitest';
import { balance } from './balancer.ts';
import { MemberState } from './member.ts';

const members = (...loads: number[]) =>
  loads.map((load, i) => {
    const m = new MemberState(`m${i}`, { failureThreshold: 1, cooldownMs: 1000 });
    m.inFlight = load;
    return m;
  });

/** A random source replaying `values`. */
const seq = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length] as number;
};

describe('balance (power of two choices)', () => {
  it('sends to the less loaded of the two sampled members, then the rest by load', () => {
    const [a, b, c] = members(5, 1, 3);
    // samples index 0 (a) and, of the other two, index 1 → c
    expect(balance([a, b, c] as MemberState[], seq(0, 0.6)).map((m) => m.name)).toEqual(['m2', 'm1', 'm0']);
  });

  it('never samples the same member twice', () => {
    const ms = members(0, 0);
    for (const r of [0, 0.49, 0.5, 0.99]) expect(new Set(balance(ms, () => r))).toEqual(new Set(ms));
  });

  it('counts the waiting requests scraped from the member', () => {
    const [a, b] = members(1, 1);
    (a as MemberState).waiting = 4;
    expect(balance([a, b] as MemberState[], seq(0, 0))[0]?.name).toBe('m1');
  });

  it('leaves out unavailable members; none available → []', () => {
    const [a, b, c] = members(0, 9, 0);
    (a as MemberState).setHealthy(false);
    (c as MemberState).begin()({ ok: false, failure: { kind: 'connect', retryable: true, message: 'x' } });
    expect(balance([a, b, c] as MemberState[]).map((m) => m.name)).toEqual(['m1']);
    (b as MemberState).setHealthy(false);
    expect(balance([a, b, c] as MemberState[])).toEqual([]);
  });

  it('spreads equal loads over every member', () => {
    const ms = members(0, 0, 0);
    const firsts = new Set<string>();
    for (let i = 0; i < 60; i++) firsts.add((balance(ms)[0] as MemberState).name);
    expect(firsts.size).toBe(3);
  });
});
