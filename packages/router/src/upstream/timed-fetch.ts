/**
 * An HTTP call with the three per-upstream timeouts (connect, first byte, idle) and the client's
 * abort signal linked in. Runs on Node and on Workers: the transport is injected (Web `fetch` on
 * Workers; undici's `request` on Node, which costs about half of undici's `fetch` per call).
 */
import { UpstreamTimeoutError } from './failure.ts';

/** A response body as either runtime gives it: a Web stream, or a Node stream (async iterable). */
export type ResponseBody = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** The part of an HTTP response the upstream reads. A Web `Response` satisfies it. */
export interface HttpResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  body: ResponseBody | null;
}

export interface HttpRequestInit {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/** The transport: Web `fetch` fits; Node injects one over an undici Agent (connect timeout, keep-alive). */
export type FetchLike = (url: string, init: HttpRequestInit) => Promise<HttpResponseLike>;

export interface TimedFetchOptions {
  /** Response headers and the first body bytes must arrive within this many ms of the call. */
  firstByteMs: number;
  /** Once the body started, each read waits at most this many ms for the upstream. */
  idleMs: number;
  /** The client's signal: aborting it aborts the upstream request and body. */
  signal?: AbortSignal;
}

export interface TimedResponse {
  status: number;
  headers: HttpResponseLike['headers'];
  /**
   * Reads the next body chunk. A read waiting longer than the first-byte (first read) or idle
   * (later reads) budget rejects with {@link UpstreamTimeoutError}; time while nobody reads (a
   * slow client) does not count.
   */
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  /** The same reads as a Web stream (created on first access); cancelling it aborts the request. */
  readonly body: ReadableStream<Uint8Array>;
  /** Aborts the upstream request (idempotent). */
  abort(reason?: unknown): void;
}

type ChunkSource = { next(): Promise<ReadableStreamReadResult<Uint8Array>>; cancel(reason?: unknown): Promise<void> };

function chunkSource(body: ResponseBody | null): ChunkSource {
  if (body === null) return { next: async () => ({ done: true, value: undefined }), cancel: async () => {} };
  if ('getReader' in body) {
    const reader = body.getReader();
    return { next: () => reader.read(), cancel: (reason) => reader.cancel(reason).catch(() => {}) };
  }
  const it = body[Symbol.asyncIterator]();
  return {
    next: async () => {
      const r = await it.next();
      return r.done ? { done: true, value: undefined } : { done: false, value: r.value };
    },
    cancel: async () => {
      await it.return?.().catch(() => {});
    },
  };
}

/**
 * Sends the request and resolves once the response headers arrived.
 * @throws whatever the transport throws; when a timeout fired, the thrown error is the
 *   {@link UpstreamTimeoutError} (classify with `classifyThrown`)
 */
export async function timedFetch(
  fetchFn: FetchLike,
  url: string,
  init: Omit<HttpRequestInit, 'signal'>,
  opts: TimedFetchOptions,
): Promise<TimedResponse> {
  const controller = new AbortController();
  const abort = (reason?: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onClientAbort = () => abort(opts.signal?.reason);
  const detach = () => opts.signal?.removeEventListener('abort', onClientAbort);
  if (opts.signal?.aborted) onClientAbort();
  opts.signal?.addEventListener('abort', onClientAbort, { once: true });

  const startedMs = Date.now();
  const headerTimer = setTimeout(() => abort(new UpstreamTimeoutError('first_byte', opts.firstByteMs)), opts.firstByteMs);
  let response: HttpResponseLike;
  try {
    response = await fetchFn(url, { ...init, signal: controller.signal });
  } catch (err) {
    detach();
    throw wrapAbort(err, controller.signal);
  } finally {
    clearTimeout(headerTimer);
  }

  const source = chunkSource(response.body);
  let firstRead = true;
  let ended = false;
  const read = async (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    if (ended) return { done: true, value: undefined };
    const phase = firstRead ? 'first_byte' : 'idle';
    const limitMs = firstRead ? opts.firstByteMs : opts.idleMs;
    const budgetMs = firstRead ? Math.max(1, opts.firstByteMs - (Date.now() - startedMs)) : opts.idleMs;
    const timer = setTimeout(() => abort(new UpstreamTimeoutError(phase, limitMs)), budgetMs);
    try {
      const result = await source.next();
      firstRead = false;
      if (result.done) {
        ended = true;
        detach();
      }
      return result;
    } catch (err) {
      ended = true;
      detach();
      throw wrapAbort(err, controller.signal);
    } finally {
      clearTimeout(timer);
    }
  };
  const cancel = async (reason?: unknown) => {
    ended = true;
    detach();
    abort(reason);
    await source.cancel(reason);
  };

  let body: ReadableStream<Uint8Array> | undefined;
  return {
    status: response.status,
    headers: response.headers,
    read,
    get body() {
      body ??= new ReadableStream<Uint8Array>(
        {
          async pull(ctl) {
            const { done, value } = await read();
            if (done) ctl.close();
            else ctl.enqueue(value);
          },
          cancel,
        },
        { highWaterMark: 0 },
      );
      return body;
    },
    abort: (reason?: unknown) => {
      void cancel(reason);
    },
  };
}

/** Surfaces our abort reason (a timeout) instead of a generic AbortError. */
function wrapAbort(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted && signal.reason instanceof UpstreamTimeoutError) return signal.reason;
  return err;
}
