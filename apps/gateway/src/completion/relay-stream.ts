/**
 * Streaming completion. Fails over across targets until the first chunk with a payload arrives
 * (nothing has reached the client before that), then relays chunk by chunk with backpressure.
 * After the first byte a failure ends the stream with one in-band error event and no `[DONE]`
 * (DESIGN.md §5); a client disconnect cancels the upstream request.
 */
import { costMicroUsd, readUsage } from '@distillgate/metering';
import { encodeSseData, errors, SSE_DONE } from '@distillgate/protocol';
import {
  type AttemptFailure,
  type JsonObject,
  type Outcome,
  protocolFailure,
  type Target,
  tryInOrder,
  UpstreamFailureError,
  type UpstreamStream,
} from '@distillgate/router';
import { type CompletionContext, servedHeaders } from './context.ts';
import { failureToError } from './failure-error.ts';
import { chunkHasPayload, type RewriteContext, responseId, rewriteInPlace } from './rewrite.ts';

/** How a relayed stream ended; reported to metering and logs. */
export type StreamStatus = 'ok' | 'stream_truncated' | 'upstream_error' | 'client_aborted';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
};

interface OpenedStream {
  stream: UpstreamStream;
  /** Chunks read while looking for the first payload, in order. */
  buffered: JsonObject[];
}

/** @throws GatewayError when no target produced a first chunk (nothing was sent yet) */
export async function relayStream(ctx: CompletionContext): Promise<Response> {
  const { deps, request, requestId } = ctx;
  const result = await tryInOrder(ctx.targets, (target) => openUntilPayload(ctx, target));
  if (!result.ok) {
    deps.logger.warn('upstream attempts failed', { request_id: requestId, attempts: result.attempts, failure: result.failure.message });
    throw failureToError(result.failure, String(request.model));
  }
  const { target, value } = result;
  const rewrite: RewriteContext = {
    id: responseId(ctx.endpoint === 'chat.completions' ? 'chatcmpl' : 'cmpl', requestId),
    model: target.model,
    requestId,
    logger: deps.logger,
  };
  const body = relayBody(ctx, target, value, rewrite);
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...servedHeaders(target) } });
}

/**
 * Opens the stream and reads until a chunk with a payload; an empty or failed start is a failure.
 * The member's `firstByteMs` bounds this whole wait: keep-alive comments or empty chunks are bytes
 * (so the transport's idle timer never fires) but nothing the client could be sent.
 */
async function openUntilPayload(ctx: CompletionContext, target: Target): Promise<Outcome<OpenedStream>> {
  const startedMs = Date.now();
  const opened = await target.upstream.openStream(
    ctx.endpoint,
    { ...ctx.request, model: target.model },
    { signal: ctx.signal, requestId: ctx.requestId },
  );
  if (!opened.ok) return opened;
  const stream = opened.value;
  const buffered: JsonObject[] = [];
  const { firstByteMs } = target.upstream.config.timeouts;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const failure: AttemptFailure = {
      kind: 'timeout',
      phase: 'first_byte',
      retryable: true,
      message: `upstream sent no content within the first byte timeout of ${firstByteMs} ms`,
    };
    timer = setTimeout(() => reject(new UpstreamFailureError(failure)), Math.max(1, firstByteMs - (Date.now() - startedMs)));
  });
  try {
    for (;;) {
      const next = await Promise.race([stream.chunks.next(), deadline]);
      if (next.done) return { ok: false, failure: protocolFailure('upstream stream ended with [DONE] before any choice') };
      buffered.push(next.value);
      if (chunkHasPayload(next.value)) return { ok: true, value: { stream, buffered } };
    }
  } catch (err) {
    stream.cancel();
    return { ok: false, failure: toFailure(err) };
  } finally {
    clearTimeout(timer);
  }
}

function relayBody(ctx: CompletionContext, target: Target, opened: OpenedStream, rewrite: RewriteContext): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const clientWantsUsage = (ctx.request.stream_options as JsonObject | undefined)?.include_usage === true;
  const price = ctx.deps.config.metering.prices[target.model];
  const pending = [...opened.buffered];
  let finished = false;
  const finish = (status: StreamStatus, detail?: string) => {
    if (finished) return;
    finished = true;
    const level = status === 'ok' ? 'debug' : 'warn';
    ctx.deps.logger[level]('stream ended', {
      request_id: ctx.requestId,
      member: target.upstream.name,
      status,
      ...(detail ? { detail } : {}),
    });
  };

  /** The chunk to send for `chunk`, or undefined to drop it (a usage chunk the client did not ask for). */
  const toClient = (chunk: JsonObject): JsonObject | undefined => {
    rewriteInPlace(chunk, rewrite);
    const usage = readUsage(chunk.usage);
    if (chunk.usage === undefined || chunk.usage === null) return chunk;
    if (!clientWantsUsage) {
      delete chunk.usage;
      return Array.isArray(chunk.choices) && chunk.choices.length > 0 ? chunk : undefined;
    }
    chunk.distillgate = {
      cost_micro_usd: usage ? costMicroUsd(usage, price) : 0,
      route: 'pool',
      model_version: `${target.model}@${target.version}`,
    };
    return chunk;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const chunk = pending.shift() ?? (await nextOrDone(opened.stream));
          if (chunk === DONE) {
            controller.enqueue(encoder.encode(SSE_DONE));
            controller.close();
            finish('ok');
            return;
          }
          const out = toClient(chunk);
          if (out) {
            controller.enqueue(encoder.encode(encodeSseData(out)));
            return;
          }
        }
      } catch (err) {
        if (finished) return;
        const failure = toFailure(err);
        if (failure.kind === 'aborted') {
          finish('client_aborted');
          return;
        }
        const inBand = failure.upstreamError
          ? errors.upstreamError(`upstream error mid-stream: ${failure.upstreamError.message ?? failure.message}`)
          : errors.streamTruncated(`upstream stream cut: ${failure.message}`);
        controller.enqueue(encoder.encode(encodeSseData(inBand.toBody())));
        controller.close();
        finish(failure.upstreamError ? 'upstream_error' : 'stream_truncated', failure.message);
      }
    },
    cancel() {
      finish('client_aborted');
      opened.stream.cancel();
      opened.stream.chunks.return(undefined).catch(() => {});
    },
  });
}

const DONE = Symbol('done');

async function nextOrDone(stream: UpstreamStream): Promise<JsonObject | typeof DONE> {
  const next = await stream.chunks.next();
  return next.done ? DONE : next.value;
}

function toFailure(err: unknown): AttemptFailure {
  if (err instanceof UpstreamFailureError) return err.failure;
  return protocolFailure(err instanceof Error ? err.message : String(err));
}
