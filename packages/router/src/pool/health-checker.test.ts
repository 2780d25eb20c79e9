import { afterEach, describe, expect, it, vi } from 'vitest';
import { HealthChecker, type HealthProbe } from './health-checker.ts';
import { MemberState } from './member.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('HealthChecker', () => {
  it('checks at once and then every healthCheckMs, marks members down and up, stops on stop()', async () => {
    vi.useFakeTimers();
    const state = new MemberState('m', { failureThreshold: 1, cooldownMs: 1000 });
    const answers = [true, false, false, true];
    const calls: string[] = [];
    const probe: HealthProbe = async (url) => {
      calls.push(url);
      return answers[calls.length - 1] ?? true;
    };
    const checker = new HealthChecker([{ state, url: 'http://h/health', healthCheckMs: 100, timeoutMs: 50 }], probe);
    checker.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    expect(state.healthy).toBe(true);
    await vi.advanceTimersByTimeAsync(100);
    expect(state.healthy).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls).toHaveLength(4);
    expect(state.healthy).toBe(true);
    checker.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('its timers do not keep the process alive', async () => {
    const state = new MemberState('m', { failureThreshold: 1, cooldownMs: 1000 });
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const checker = new HealthChecker([{ state, url: 'http://h/health', healthCheckMs: 60_000, timeoutMs: 50 }], async () => true);
    checker.start();
    await new Promise((r) => setImmediate(r));
    const timer = spy.mock.results.at(-1)?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    checker.stop();
    spy.mockRestore();
  });
});
