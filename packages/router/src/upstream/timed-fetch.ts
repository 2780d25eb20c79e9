/**
 * fetch with the three per-upstream timeouts (connect, first byte, idle) and the client's abort
 * signal linked in. Runs on Node and on Workers (Web-standard fetch, streams and AbortController).
 */
import { UpstreamTimeoutError } from './failure.ts';

/** The subset of `fetch` the upstream needs; Node injects one bound to an undici Agent. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TimedFetchOptions {
  /** Response headers and the first body bytes must arrive within this many ms of the call. */
  firstByteMs: number;
  /** Once the body started, each read waits at most this many ms for the upstream. */
  idleMs: number;
  /** The client's signal: aborting it aborts the upstream request and body. */
  signal?: AbortSignal;
}

export interface TimedResponse {
  response: Response;
  /**
   * The response body with the timeouts applied: a read waiting longer than the first-byte
   * (first read) or idle (later reads) budget errors with {@link UpstreamTimeoutError}.
   * Time spent while nobody reads (a slow client) does not count. Cancelling it aborts the
   * upstream request.
   */
  body: ReadableStream<Uint8Array>;
  /** Aborts the upstream request (idempotent). */
  abort(reason?: unknown): void;
}

/**
 * Sends `init` to `url` and resolves once the response headers arrived.
 * @throws whatever fetch throws; when a timeout fired, the thrown error or its `cause` chain holds
 *   an {@link UpstreamTimeoutError} (classify with `classifyThrown`)
 */
export async function timedFetch(fetchFn: FetchLike, url: string, init: RequestInit, opts: TimedFetchOptions): Promise<TimedResponse> {
  const controller = new AbortController();
  const abort = (reason?: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onClientAbort = () => abort(opts.signal?.reason);
  if (opts.signal?.aborted) onClientAbort();
  opts.signal?.addEventListener('abort', onClientAbort, { once: true });

  const startedMs = Date.now();
  const headerTimer = setTimeout(() => abort(new UpstreamTimeoutError('first_byte', opts.firstByteMs)), opts.firstByteMs);
  let response: Response;
  try {
    response = await fetchFn(url, { ...init, signal: controller.signal });
  } catch (err) {
    opts.signal?.removeEventListener('abort', onClientAbort);
    throw wrapAbort(err, controller.signal);
  } finally {
    clearTimeout(headerTimer);
  }

  const reader = response.body?.getReader();
  let firstRead = true;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(ctl) {
        if (!reader) return ctl.close();
        const budgetMs = firstRead ? Math.max(1, opts.firstByteMs - (Date.now() - startedMs)) : opts.idleMs;
        const timeout = firstRead
          ? new UpstreamTimeoutError('first_byte', opts.firstByteMs)
          : new UpstreamTimeoutError('idle', opts.idleMs);
        const timer = setTimeout(() => abort(timeout), budgetMs);
        try {
          const { done, value } = await reader.read();
          firstRead = false;
          if (done) {
            opts.signal?.removeEventListener('abort', onClientAbort);
            ctl.close();
          } else ctl.enqueue(value);
        } catch (err) {
          opts.signal?.removeEventListener('abort', onClientAbort);
          ctl.error(wrapAbort(err, controller.signal));
        } finally {
          clearTimeout(timer);
        }
      },
      async cancel(reason) {
        opts.signal?.removeEventListener('abort', onClientAbort);
        abort(reason);
        await reader?.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
  return { response, body, abort };
}

/** Surfaces our abort reason (a timeout) instead of a generic AbortError. */
function wrapAbort(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted && signal.reason instanceof UpstreamTimeoutError) return signal.reason;
  return err;
}
