/**
 * A streamed completion as an async iterable of typed chunks (OpenAI's SSE wire format).
 *
 * - ends cleanly on `data: [DONE]`;
 * - throws {@link InBandStreamError} on a `data: {"error": …}` event (the gateway's way of failing
 *   after the 200: DESIGN.md §5), and {@link StreamInterruptedError} when the connection ends or
 *   breaks before `[DONE]`;
 * - throws {@link APIUserAbortError} when the request's `signal` fires while reading;
 * - leaving the loop early (`break`, `return`, a throw) or calling `abort()` closes the connection.
 *
 * A stream is never retried: its chunks were already delivered.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { APIUserAbortError, asErrorObject, type ErrorObject, InBandStreamError, StreamError, StreamInterruptedError } from './errors.ts';
import type { DistillgateUsageExtension, GatewayMeta } from './gateway-meta.ts';
import type { CompletionUsage } from './types/shared.ts';

/** What every chunk may carry on its final usage chunk (`stream_options: {include_usage: true}`). */
export interface UsageChunkFields {
  usage?: CompletionUsage | null;
  distillgate?: DistillgateUsageExtension;
}

export class Stream<Chunk extends UsageChunkFields> implements AsyncIterable<Chunk> {
  /** The usage of the final chunk, once it was read; null when the request did not ask for it. */
  usage: CompletionUsage | null = null;
  /** The gateway's cost/route/model extension of the final usage chunk, once read; null before or without it. */
  distillgate: DistillgateUsageExtension | null = null;
  #iterated = false;

  /**
   * @param controller aborts the underlying fetch (linked to the caller's signal by the client)
   * @param release called once when the stream ends, however it ends (unlinks the caller's signal)
   * @param userSignal the caller's signal: its abort turns into APIUserAbortError
   */
  constructor(
    readonly response: Response,
    /** The gateway's headers of this answer (no `costMicroUsd` on streams: see {@link distillgate}). */
    readonly gateway: GatewayMeta,
    private readonly controller: AbortController,
    private readonly release: () => void = () => {},
    private readonly userSignal?: AbortSignal,
  ) {}

  /** Closes the connection; a loop reading the stream ends with APIUserAbortError. */
  abort(reason?: unknown): void {
    this.controller.abort(reason);
  }

  /** @throws StreamError when iterated a second time */
  async *[Symbol.asyncIterator](): AsyncIterator<Chunk> {
    if (this.#iterated) throw new StreamError('A stream can be iterated only once.', this.gateway.requestId);
    this.#iterated = true;
    const body = this.response.body;
    if (!body) throw new StreamInterruptedError('The stream answer has no body.', this.gateway.requestId);
    // TS's DOM lib types TextDecoderStream's input as BufferSource, which it won't match to Uint8Array.
    const decoder = new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>;
    const reader = body.pipeThrough(decoder).pipeThrough(new EventSourceParserStream()).getReader();
    // workerd does not end a pending read when the fetch is aborted under a stalled pipe: cancel it here
    const cancel = () => reader.cancel().catch(() => {});
    this.controller.signal.addEventListener('abort', cancel, { once: true });
    let ended = false;
    try {
      for (;;) {
        const next = await this.read(reader);
        if (next === null) throw new StreamInterruptedError('The stream ended before [DONE].', this.gateway.requestId);
        if (next === '[DONE]') break;
        const value = this.parse(next);
        if (value.usage) this.usage = value.usage;
        if (value.distillgate) this.distillgate = value.distillgate;
        yield value;
      }
      ended = true;
    } finally {
      this.controller.signal.removeEventListener('abort', cancel);
      if (!ended) await cancel();
      reader.releaseLock();
      this.release();
    }
  }

  /** The next event's data; null at the end of the body. @throws APIUserAbortError, StreamInterruptedError */
  private async read(reader: ReadableStreamDefaultReader<{ data: string }>): Promise<string | null> {
    let result: ReadableStreamReadResult<{ data: string }>;
    try {
      result = await reader.read();
    } catch (err) {
      throw (
        this.aborted() ?? new StreamInterruptedError('The stream connection failed before [DONE].', this.gateway.requestId, { cause: err })
      );
    }
    const aborted = this.aborted();
    if (aborted) throw aborted;
    return result.done ? null : result.value.data;
  }

  private aborted(): APIUserAbortError | null {
    if (this.userSignal?.aborted) return new APIUserAbortError({ cause: this.userSignal.reason });
    if (this.controller.signal.aborted) return new APIUserAbortError({ cause: this.controller.signal.reason });
    return null;
  }

  /** @throws InBandStreamError for an error event, StreamInterruptedError for data that is not JSON */
  private parse(data: string): Chunk {
    let value: Chunk & { error?: Partial<ErrorObject> };
    try {
      value = JSON.parse(data);
    } catch (err) {
      throw new StreamInterruptedError(`The stream sent an event that is not JSON: ${data.slice(0, 100)}`, this.gateway.requestId, {
        cause: err,
      });
    }
    if (value !== null && typeof value === 'object' && value.error)
      throw new InBandStreamError(asErrorObject(value.error), this.gateway.requestId);
    return value;
  }
}
