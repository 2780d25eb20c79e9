/**
 * Admission and interleaving for generations on one model session. At most `maxConcurrent` jobs
 * are active and `maxQueued` wait (FIFO); beyond that `submit` throws EdgeOverloadedError. Active
 * jobs advance one step per turn, round robin, with a yield to the event loop after every step,
 * so a long generation never starves a short one nor I/O (aborts, new requests).
 *
 * The steps are PULLED, not pushed by a free-running loop: a consumer waiting for its next event
 * calls `pump`, which steps the active jobs (everyone's, in turn) in the consumer's own async
 * context until its event exists, then hands the pump to another waiting consumer. Nothing runs on
 * behalf of nobody, and in workerd every step runs inside a live request: a loop started by one
 * request would be cancelled when that request's response completes, hanging the others (seen in
 * miniflare: "promise resolved from a different request context … continuations canceled").
 * A generation whose consumer is busy still advances while others pump; if nobody waits, nothing
 * runs (natural backpressure).
 *
 * ORT-web runs on this thread, so steps are serial anyway; interleaving bounds time-to-first-token
 * under load. What one turn advances is the planner's choice (`planTurn`): by default one job's
 * step, round robin; batching.ts plans one batched decoder run for many jobs (the gpu-worker).
 */
import { EdgeOverloadedError } from './errors.ts';

export type JobOutcome = { kind: 'done' } | { kind: 'error'; error: unknown } | { kind: 'cancelled'; reason: unknown };

export interface StepJob {
  /** One unit of work (a prefill or one token). Resolves true when the job is finished. */
  step(): Promise<boolean>;
  /** Called exactly once, after any step in flight has settled: release resources, report. */
  finish(outcome: JobOutcome): void;
}

/** What one turn advances: `jobs` (≥ 1, from the active ones) and how. */
export interface Turn<J extends StepJob> {
  jobs: J[];
  /**
   * Runs one step of each job in `jobs`; resolves one result per job, in order: true = finished,
   * false = go on, `{ error }` = that job failed. A rejection fails every job of the turn.
   */
  run(): Promise<Array<boolean | { error: unknown }>>;
}

/** Picks the next turn from the active jobs, given oldest-turn-first (rotated round robin). */
export type TurnPlanner<J extends StepJob> = (active: readonly J[]) => Turn<J>;

export interface SchedulerOptions {
  /** Generations decoding at once. @default 4 */
  maxConcurrent?: number;
  /** Generations waiting for a slot. @default 16 */
  maxQueued?: number;
}

/** The default turn: the first job's own step. */
const oneStep = <J extends StepJob>(active: readonly J[]): Turn<J> => ({
  jobs: [active[0]!],
  run: async () => [await active[0]!.step()],
});

/** Returned by `submit`: cancels the job (frees its slot or queue place at once). */
export type CancelJob = (reason?: unknown) => void;

interface Entry<J> {
  job: J;
  stepping: boolean;
  cancelled: { reason: unknown } | null;
  startedMs: number;
}

/** Mean job duration assumed before any job finished, ms. */
const INITIAL_JOB_MS = 1000;
/** Weight of the newest duration in the moving average (EWMA), a plain choice: ~last 5 jobs. */
const EWMA_ALPHA = 0.2;

/** setImmediate where it exists (Node: no 1 ms timer clamp), else a 0 ms timer (workerd, browsers). */
const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

export class StepScheduler<J extends StepJob = StepJob> {
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  private readonly active: Entry<J>[] = [];
  private readonly queue: Entry<J>[] = [];
  /** A consumer is inside `pump`'s step loop. */
  private pumping = false;
  /** Consumers waiting for the pump; each resumes in its own context when handed the pump. */
  private readonly idle: Array<() => void> = [];
  /** Round-robin position over `active`. */
  private turn = 0;
  private meanJobMs = INITIAL_JOB_MS;

  constructor(
    options: SchedulerOptions = {},
    private readonly planTurn: TurnPlanner<J> = oneStep,
  ) {
    this.maxConcurrent = options.maxConcurrent ?? 4;
    this.maxQueued = options.maxQueued ?? 16;
    if (!(Number.isInteger(this.maxConcurrent) && this.maxConcurrent >= 1)) throw new RangeError('maxConcurrent must be an integer ≥ 1');
    if (!(Number.isInteger(this.maxQueued) && this.maxQueued >= 0)) throw new RangeError('maxQueued must be an integer ≥ 0');
  }

  get counts(): { active: number; queued: number } {
    return { active: this.active.length, queued: this.queue.length };
  }

  /**
   * Starts `job` now, or queues it.
   * @throws EdgeOverloadedError when every slot and queue place is taken
   */
  submit(job: J): CancelJob {
    if (this.active.length >= this.maxConcurrent && this.queue.length >= this.maxQueued) {
      throw new EdgeOverloadedError(this.retryAfterMs(), this.active.length, this.queue.length);
    }
    const entry: Entry<J> = { job, stepping: false, cancelled: null, startedMs: 0 };
    this.queue.push(entry);
    this.promote();
    return (reason) => this.cancel(entry, reason);
  }

  /**
   * When a queue place is likely free again: the mean job duration times the queue rounds ahead of
   * a new arrival, clamped to 1–30 s. A hint for `Retry-After`, not a promise.
   */
  retryAfterMs(): number {
    const rounds = Math.ceil((this.queue.length + 1) / this.maxConcurrent);
    return Math.min(30_000, Math.max(1000, Math.ceil(this.meanJobMs * rounds)));
  }

  private promote(): void {
    while (this.active.length < this.maxConcurrent && this.queue.length > 0) {
      const entry = this.queue.shift()!;
      entry.startedMs = performance.now();
      this.active.push(entry);
    }
  }

  private cancel(entry: Entry<J>, reason: unknown): void {
    if (entry.cancelled) return;
    const wasActive = remove(this.active, entry);
    const wasQueued = remove(this.queue, entry);
    if (!wasActive && !wasQueued) return; // already finished
    entry.cancelled = { reason };
    if (!entry.stepping) finishSafely(entry.job, { kind: 'cancelled', reason });
    this.promote();
  }

  /**
   * Runs active jobs' steps in the caller's context until `ready()` (e.g. "my channel has an event")
   * or no job is active. One consumer pumps at a time; the others wait and are handed the pump.
   */
  async pump(ready: () => boolean): Promise<void> {
    try {
      while (!ready()) {
        if (this.pumping) {
          await new Promise<void>((resolve) => this.idle.push(resolve));
          continue;
        }
        if (this.active.length === 0) return; // nothing can make `ready` true any more
        this.pumping = true;
        try {
          while (!ready() && this.active.length > 0) {
            await this.runTurn();
            if (!ready() && this.active.length > 0) await yieldToEventLoop();
          }
        } finally {
          this.pumping = false;
        }
      }
    } finally {
      if (!this.pumping) this.idle.shift()?.(); // pass the pump on (or let a woken waiter re-check)
    }
  }

  /** Plans and runs one turn over the active jobs (rotated so every job gets to be first). */
  private async runTurn(): Promise<void> {
    const start = this.turn++ % this.active.length;
    const rotated = [...this.active.slice(start), ...this.active.slice(0, start)];
    const turn = this.planTurn(rotated.map((e) => e.job));
    const entries = turn.jobs.map((job) => rotated.find((e) => e.job === job)!);
    for (const entry of entries) entry.stepping = true;
    let results: Array<boolean | { error: unknown }>;
    try {
      results = await turn.run();
    } catch (error) {
      results = entries.map(() => ({ error }));
    } finally {
      for (const entry of entries) entry.stepping = false;
    }
    for (const [i, entry] of entries.entries()) this.settle(entry, results[i] ?? { error: new Error('turn returned no result') });
    this.promote();
  }

  private settle(entry: Entry<J>, result: boolean | { error: unknown }): void {
    if (entry.cancelled) {
      finishSafely(entry.job, { kind: 'cancelled', reason: entry.cancelled.reason });
      return;
    }
    if (result === false) return;
    const outcome: JobOutcome = result === true ? { kind: 'done' } : { kind: 'error', error: result.error };
    remove(this.active, entry);
    if (outcome.kind === 'done') this.meanJobMs += EWMA_ALPHA * (performance.now() - entry.startedMs - this.meanJobMs);
    finishSafely(entry.job, outcome);
  }
}

/** `finish` must not throw; if it does, the error is dropped so the other generations go on. */
function finishSafely(job: StepJob, outcome: JobOutcome): void {
  try {
    job.finish(outcome);
  } catch {
    // nothing sensible to do here: the job's own reporting failed
  }
}

function remove<T>(list: T[], item: T): boolean {
  const i = list.indexOf(item);
  if (i !== -1) list.splice(i, 1);
  return i !== -1;
}
