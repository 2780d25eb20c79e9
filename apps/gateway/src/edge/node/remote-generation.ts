/**
 * The main thread's side of one generation running in the edge worker: an async iterable of the
 * events the worker posts, handing credit back as the consumer takes them (protocol.ts). Iterate it
 * once. Leaving the loop early, or aborting the request's signal, aborts the generation.
 */
import type { GenerationEvent } from '@distillgate/edge-model';
import { CREDIT_WINDOW } from './protocol.ts';

/** Credit is returned in batches of this many events (half the window: the worker never starves). */
const CREDIT_BATCH = CREDIT_WINDOW / 2;

export interface RemoteGenerationLink {
  credit(n: number): void;
  abort(): void;
  /** Called once when the generation is over for any reason (done, failed, aborted). */
  settled(): void;
}

export class RemoteGeneration implements AsyncIterable<GenerationEvent> {
  private readonly buffer: GenerationEvent[] = [];
  private ended = false;
  private failure: { error: unknown } | null = null;
  private waiter: (() => void) | null = null;
  private consumed = 0;
  private iterated = false;
  private isSettled = false;

  constructor(
    private readonly link: RemoteGenerationLink,
    signal: AbortSignal,
  ) {
    if (signal.aborted) {
      this.cancel(signal.reason);
      return;
    }
    const onAbort = () => this.cancel(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    this.onSettled = () => signal.removeEventListener('abort', onAbort);
  }

  private onSettled: () => void = () => {};

  /** From the worker: one event. */
  push(event: GenerationEvent): void {
    if (this.ended) return;
    this.buffer.push(event);
    if (event.type === 'done') this.end();
    this.wake();
  }

  /** From the worker: the generation finished (after its done event) or failed. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) this.failure = { error };
    this.settle();
    this.wake();
  }

  /** Stops the generation here and in the worker; the consumer sees `reason`. */
  cancel(reason: unknown): void {
    if (this.ended) return;
    this.link.abort();
    this.end(reason ?? new Error('generation aborted'));
  }

  [Symbol.asyncIterator](): AsyncIterator<GenerationEvent> {
    if (this.iterated) throw new Error('a generation can be iterated once');
    this.iterated = true;
    return {
      next: async () => {
        while (this.buffer.length === 0 && !this.ended) await new Promise<void>((resolve) => (this.waiter = resolve));
        const event = this.buffer.shift();
        if (event !== undefined) {
          this.took();
          return { value: event, done: false };
        }
        if (this.failure) throw this.failure.error;
        return { value: undefined, done: true };
      },
      return: async () => {
        this.cancel(new Error('generation iterator closed early'));
        this.buffer.length = 0;
        return { value: undefined, done: true };
      },
    };
  }

  private took(): void {
    if (this.ended) return;
    if (++this.consumed % CREDIT_BATCH === 0) this.link.credit(CREDIT_BATCH);
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  private settle(): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.onSettled();
    this.link.settled();
  }
}
