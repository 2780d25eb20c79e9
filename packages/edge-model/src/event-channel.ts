/**
 * A single-consumer queue of one generation's events. The consumer's `next()` drives decoding:
 * while nothing is buffered it calls `pump` (scheduler.ts), which runs steps in the consumer's own
 * async context until this channel has an event or ends. Unbounded buffer (a generation yields at
 * most max_tokens + 1 small events). Leaving the loop early (`break`, `return`, a throw in the
 * loop body) calls `onCancel`, which frees the generation's slot.
 */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private closed = false;
  private error: { value: unknown } | null = null;
  private iterated = false;

  constructor(
    private readonly pump: (ready: () => boolean) => Promise<void>,
    private readonly onCancel: () => void,
  ) {}

  push(value: T): void {
    if (!this.closed) this.buffer.push(value);
  }

  /** No more events; the iterator ends after the buffered ones. */
  close(): void {
    this.closed = true;
  }

  /** Ends the iterator with `error` after the buffered events. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.error = { value: error };
    this.closed = true;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterated) throw new Error('a generation can be iterated once');
    this.iterated = true;
    return {
      next: async () => {
        if (this.buffer.length === 0 && !this.closed) await this.pump(() => this.buffer.length > 0 || this.closed);
        if (this.buffer.length > 0) return { value: this.buffer.shift()!, done: false };
        if (this.error) throw this.error.value;
        if (this.closed) return { value: undefined, done: true };
        throw new Error('generation stalled: no active job can produce its events');
      },
      return: async () => {
        if (!this.closed) this.onCancel();
        this.closed = true;
        this.buffer.length = 0;
        return { value: undefined, done: true };
      },
    };
  }
}
