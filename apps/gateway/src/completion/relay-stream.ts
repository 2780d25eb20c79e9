/**
 * Streaming completion. Fails over across targets until the first chunk with a payload arrives
 * (nothing has reached the client before that), then relays chunk by chunk with backpressure.
 * After the first byte a failure ends the stream with one in-band error event and no `[DONE]`
 * (DESIGN.md §5); a client disconnect cancels the upstream request. Edge targets are served by
 * completion/edge.ts under the same rules; this file relays pool members.
 */
import { readUsage, type TokenUsage } from '@distillgate/metering';
import { encodeSseData, errors, SSE_DONE } from '@distillgate/protocol';
import {
  type AttemptFailure,
  type AttemptOutcome,
  type JsonObject,
  type Outcome,
  type PoolTarget,
  protocolFailure,
  tryInOrder,
  UpstreamFailureError,
  type UpstreamStream,
} from '@distillgate/router';
import { type CompletionContext, completionId, poolRoute, type Served, servedHeaders, usageExtension, wantsUsage } from './context.ts';
import { openEdgeStream, type StreamAnswer } from './edge.ts';
import { allTargetsFailed, type Failure, logFailover } from './failure-error.ts';
import { endStatus } from './relay-json.ts';
import { chunkHasContent, chunkHasPayload, type RewriteContext, rewriteInPlace } from './rewrite.ts';

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

/** @throws GatewayError when no target produced a first chunk (nothing was sent yet; the meter has recorded it) */
export async function relayStream(ctx: CompletionContext): Promise<Response> {
  const result = await tryInOrder(ctx.targets, (target) =>
    target.kind === 'edge' ? openEdgeStream(ctx, target) : openPoolStream(ctx, target),
  );
  if (!result.ok) {
    const error = allTargetsFailed(ctx, result);
    ctx.meter.end({ status: endStatus(ctx, error.status), attempts: result.attempts });
    throw error;
  }
  logFailover(ctx, result.attempts);
  ctx.meter.noteAttempts(result.attempts); // the stream's end records them with its status
  const { body, served } = result.value;
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...servedHeaders(served) } });
}

/** One pool member: open until the first payload, then the relayed body. */
async function openPoolStream(ctx: CompletionContext, target: PoolTarget): Promise<AttemptOutcome<StreamAnswer, Failure>> {
  const end = target.state.begin();
  const opened = await openUntilPayload(ctx, target);
  if (!opened.ok) {
    end(opened);
    return opened;
  }
  const served: Served = { route: poolRoute(ctx), model: target.model, version: target.version };
  const rewrite: RewriteContext = { id: completionId(ctx), model: target.model, requestId: ctx.requestId, logger: ctx.deps.logger };
  return { ok: true, value: { body: relayBody(ctx, target, served, opened.value, rewrite, end), served } };
}

/**
 * Opens the stream and reads until a chunk with a payload; an empty or failed start is a failure.
 * The member's `firstByteMs` bounds this whole wait: keep-alive comments or empty chunks are bytes
 * (so the transport's idle timer never fires) but nothing the client could be sent.
 */
async function openUntilPayload(ctx: CompletionContext, target: PoolTarget): Promise<Outcome<OpenedStream>> {
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

function relayBody(
  ctx: CompletionContext,
  target: PoolTarget,
  served: Served,
  opened: OpenedStream,
  rewrite: RewriteContext,
  /** Reports the stream's end to the member's pool state. */
  end: (outcome: { ok: true } | { ok: false; failure: AttemptFailure }) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const clientWantsUsage = wantsUsage(ctx);
  const pending = [...opened.buffered];
  /** The upstream's usage chunk, when it sent one (we always ask for it). */
  let upstreamUsage: TokenUsage | undefined;
  let finished = false;
  const finish = (status: StreamStatus, failure?: AttemptFailure) => {
    if (finished) return;
    finished = true;
    ctx.meter.end({ status, served, member: target.member, usage: upstreamUsage });
    // a client that left says nothing about the member
    end(status === 'client_aborted' ? { ok: false, failure: CLIENT_LEFT } : failure ? { ok: false, failure } : { ok: true });
    const detail = failure?.message;
    const level = status === 'ok' ? 'debug' : 'warn';
    ctx.deps.logger[level]('stream ended', {
      request_id: ctx.requestId,
      member: target.member,
      status,
      ...(detail ? { detail } : {}),
    });
  };

  /** The chunk to send for `chunk`, or undefined to drop it (a usage chunk the client did not ask for). */
  const toClient = (chunk: JsonObject): JsonObject | undefined => {
    rewriteInPlace(chunk, rewrite);
    const usage = readUsage(chunk.usage);
    if (usage) upstreamUsage = usage;
    if (chunkHasContent(chunk)) {
      ctx.meter.firstToken();
      ctx.meter.relayed();
    }
    if (chunk.usage === undefined || chunk.usage === null) return chunk;
    if (!clientWantsUsage) {
      delete chunk.usage;
      return Array.isArray(chunk.choices) && chunk.choices.length > 0 ? chunk : undefined;
    }
    chunk.distillgate = usageExtension(served, usage ? ctx.meter.cost(target.model, usage) : 0);
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
        finish(failure.upstreamError ? 'upstream_error' : 'stream_truncated', failure);
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
const CLIENT_LEFT: AttemptFailure = { kind: 'aborted', retryable: false, message: 'client closed the connection' };

async function nextOrDone(stream: UpstreamStream): Promise<JsonObject | typeof DONE> {
  const next = await stream.chunks.next();
  return next.done ? DONE : next.value;
}

function toFailure(err: unknown): AttemptFailure {
  if (err instanceof UpstreamFailureError) return err.failure;
  return protocolFailure(err instanceof Error ? err.message : String(err));
}
