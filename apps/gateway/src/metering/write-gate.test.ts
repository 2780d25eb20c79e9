import { describe, expect, it } from 'vitest';
import { WriteGate } from './write-gate.ts';

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

describe('WriteGate', () => {
  it('passes writes straight through while healthy', async () => {
    const gate = new WriteGate();
    await expect(gate.run(async () => 7)).resolves.toBe(7);
    expect(gate.degraded).toBe(false);
  });

  it('after SQLITE_BUSY, holds writes for the back-off and runs them one at a time until one succeeds', async () => {
    const gate = new WriteGate();
    await expect(gate.run(() => Promise.reject(busy()))).rejects.toThrow(/locked/);
    expect(gate.degraded).toBe(true);
    expect(gate.backingOff).toBe(true);
    let running = 0;
    let maxRunning = 0;
    const startedAt: number[] = [];
    const t0 = Date.now();
    const write = async () => {
      startedAt.push(Date.now() - t0);
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return 'ok';
    };
    const results = await Promise.all([gate.run(write), gate.run(write), gate.run(write)]);
    expect(results).toEqual(['ok', 'ok', 'ok']);
    expect(maxRunning).toBe(1); // serialised while degraded
    expect(startedAt[0]).toBeGreaterThanOrEqual(90); // after the 100 ms back-off (timer slack allowed)
    expect(gate.degraded).toBe(false);
  });

  it('doubles the back-off on repeated busy errors; other errors leave it alone', async () => {
    const gate = new WriteGate();
    await gate.run(() => Promise.reject(busy())).catch(() => {});
    const t0 = Date.now();
    await gate.run(() => Promise.reject(busy())).catch(() => {}); // waits 100 ms, then sets 200 ms
    const t1 = Date.now();
    await gate.run(() => Promise.reject(new Error('disk full'))).catch(() => {}); // waits 200 ms
    const t2 = Date.now();
    expect(t1 - t0).toBeGreaterThanOrEqual(90);
    expect(t2 - t1).toBeGreaterThanOrEqual(190);
    expect(gate.degraded).toBe(true); // a non-busy failure is not a success
    expect(gate.backingOff).toBe(false); // but the back-off is over: the next write is a probe
  });
});
