import { describe, expect, it } from 'vitest';
import { EdgeOverloadedError } from './errors.ts';
import { type JobOutcome, type StepJob, StepScheduler } from './scheduler.ts';

/** A job of `steps` steps that logs each step as `${name}${i}` into `log`. */
function job(name: string, steps: number, log: string[], fail?: Error) {
  let i = 0;
  let resolveOutcome: (o: JobOutcome) => void = () => {};
  const outcome = new Promise<JobOutcome>((r) => {
    resolveOutcome = r;
  });
  const j: StepJob = {
    async step() {
      if (fail && i === 1) throw fail;
      log.push(`${name}${i++}`);
      return i >= steps;
    },
    finish: (o) => resolveOutcome(o),
  };
  return { job: j, outcome };
}

describe('StepScheduler', () => {
  it('advances active jobs round robin, one step per turn', async () => {
    const log: string[] = [];
    const s = new StepScheduler({ maxConcurrent: 2 });
    const a = job('a', 3, log);
    const b = job('b', 2, log);
    s.submit(a.job);
    s.submit(b.job);
    expect(log).toEqual([]); // nothing runs until a consumer pumps
    await s.pump(() => false); // until no job is active
    expect(await a.outcome).toEqual({ kind: 'done' });
    expect(await b.outcome).toEqual({ kind: 'done' });
    expect(log).toEqual(['a0', 'b0', 'a1', 'b1', 'a2']);
  });

  it('queues beyond maxConcurrent, refuses beyond maxQueued with a retry hint', async () => {
    const log: string[] = [];
    const s = new StepScheduler({ maxConcurrent: 1, maxQueued: 1 });
    const a = job('a', 2, log);
    const b = job('b', 1, log);
    s.submit(a.job);
    s.submit(b.job);
    expect(s.counts).toEqual({ active: 1, queued: 1 });
    const refused = () => s.submit(job('c', 1, log).job);
    expect(refused).toThrow(EdgeOverloadedError);
    try {
      refused();
    } catch (error) {
      expect((error as EdgeOverloadedError).retryAfterMs).toBeGreaterThanOrEqual(1000);
      expect((error as EdgeOverloadedError).retryAfterMs).toBeLessThanOrEqual(30_000);
    }
    await s.pump(() => false);
    await b.outcome;
    expect(log).toEqual(['a0', 'a1', 'b0']); // FIFO: b starts when a's slot frees
    expect(s.counts).toEqual({ active: 0, queued: 0 });
  });

  it('cancelling frees a slot at once; a failing step ends only its job', async () => {
    const log: string[] = [];
    const s = new StepScheduler({ maxConcurrent: 1, maxQueued: 2 });
    const a = job('a', 100, log);
    const b = job('b', 3, log, new Error('ort failed'));
    const c = job('c', 1, log);
    const cancelA = s.submit(a.job);
    s.submit(b.job);
    s.submit(c.job);
    cancelA('client went away');
    expect(s.counts).toEqual({ active: 1, queued: 1 });
    await s.pump(() => false);
    expect(await a.outcome).toEqual({ kind: 'cancelled', reason: 'client went away' });
    expect(await b.outcome).toMatchObject({ kind: 'error', error: { message: 'ort failed' } });
    expect(await c.outcome).toEqual({ kind: 'done' });
    expect(log).toEqual(['b0', 'c0']);
  });

  it('hands the pump between waiting consumers; each returns once its own condition holds', async () => {
    const log: string[] = [];
    const s = new StepScheduler({ maxConcurrent: 2 });
    s.submit(job('a', 4, log).job);
    s.submit(job('b', 4, log).job);
    const seen = (entry: string) => () => log.includes(entry);
    // Two consumers pump at once: only one steps at a time, both get what they wait for.
    await Promise.all([s.pump(seen('a2')), s.pump(seen('b1'))]);
    expect(log.slice(0, 4)).toEqual(['a0', 'b0', 'a1', 'b1']);
    expect(log).toContain('a2');
    await s.pump(() => false);
    expect(s.counts).toEqual({ active: 0, queued: 0 });
  });
});
