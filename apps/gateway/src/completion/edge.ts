/**
 * Serving a completion from an edge model (the runtime behind `deps.edge` is Node's worker thread
 * or the Workers isolate; this file does not know which). One attempt of the failover: map the
 * request (edge/request.ts), admit it (`EdgeProvider.generate`), then
 * - JSON: collect every event and build the response (@distillgate/edge-model/wire);
 * - SSE: wait for the first event (the first token exists: the first byte can go), then write one
 *   chunk per token as it arrives. Failures before the first event let the next target try.
 *
 * Events are read as they come (the engine's scheduler is pull-based: a generation advances only
 * while someone reads it); a client disconnect aborts the generation.
 */
import type { DoneEvent, GenerationEvent, TokenEvent } from '@distillgate/edge-model';
import { EdgeWire } from '@distillgate/edge-model/wire';
import type { TokenUsage } from '@distillgate/metering';
import { encodeSseData, errors, SSE_DONE } from '@distillgate/protocol';
import type { AttemptOutcome, EdgeTarget, JsonObject } from '@distillgate/router';
import { edgeFailure } from '../edge/failure.ts';
import { EdgeUnavailableError } from '../edge/provider.ts';
import { type EdgeRequest, toEdgeRequest } from '../edge/request.ts';
import { escalationFailure, runGate } from '../routing/cascade-gate.ts';
import { type CompletionContext, completionId, type Served, usageExtension, wantsUsage } from './context.ts';
import type { Failure } from './failure-error.ts';

/** A successful non-streamed answer, whoever served it. */
export interface JsonAnswer {
  body: JsonObject;
  served: Served;
  costMicroUsd: number;
  /** The answer's own counts, when it had them (an explicit 0 is a count), else the gateway's estimate. */
  usage?: TokenUsage;
  /** `usage` is the gateway's estimate. */
  estimated?: boolean;
}

/** A stream ready to send: its first payload is in hand. */
export interface StreamAnswer {
  body: ReadableStream<Uint8Array>;
  served: Served;
}

interface Admitted {
  edge: EdgeRequest;
  served: Served;
  events: AsyncIterator<GenerationEvent>;
  /** Events already read (by the cascade gate), to serve before the rest. */
  head: GenerationEvent[];
}

/**
 * Maps and admits the request, then, when the request carries a cascade gate, reads and judges the
 * draft's first K tokens (routing/cascade-gate.ts): a draft below the threshold is stopped, its cost
 * noted as internal, and the attempt fails `escalated`. Every failure is a typed attempt failure.
 */
async function admit(ctx: CompletionContext, target: EdgeTarget): Promise<AttemptOutcome<Admitted, Failure>> {
  let events: AsyncIterator<GenerationEvent> | undefined;
  const drafted = { tokens: 0 };
  try {
    const edge = toEdgeRequest(ctx.endpoint, ctx.request);
    const provider = ctx.deps.edge;
    if (!provider?.has(target.model)) throw new EdgeUnavailableError(target.model, `The edge model '${target.model}' is not served here.`);
    const generation = await provider.generate(target.model, edge.generation, ctx.signal);
    const served: Served = { route: 'edge', model: target.model, version: generation.version };
    events = generation.events[Symbol.asyncIterator]();
    // the gate judges the first draft only; an edge attempt after an escalation is the fallback
    const gate = ctx.routing && !ctx.routing.escalated ? ctx.routing.plan.gate : undefined;
    if (!gate || !ctx.routing) return { ok: true, value: { edge, served, events, head: [] } };
    const judged = await runGate(events, gate, drafted);
    ctx.routing.confidence = judged.score;
    ctx.meter.noteRouting({ confidence: judged.score });
    if (judged.pass) return { ok: true, value: { edge, served, events, head: judged.head } };
    stop(events);
    ctx.routing.escalated = true;
    ctx.deps.metrics?.escalation();
    noteDraftCost(ctx, target, drafted.tokens);
    return { ok: false, failure: escalationFailure(target.model, judged.score, gate.threshold) };
  } catch (err) {
    if (events) stop(events);
    // a draft cut short (the client left, the edge failed) still cost what it drafted
    if (drafted.tokens > 0) noteDraftCost(ctx, target, drafted.tokens);
    return { ok: false, failure: edgeFailure(err, target.model, ctx.signal) };
  }
}

/** A discarded draft's cost, internal: the prompt estimate + `tokens` drafted, at the student's price. */
function noteDraftCost(ctx: CompletionContext, target: EdgeTarget, tokens: number): void {
  const prompt = ctx.meter.estimate('').prompt_tokens;
  ctx.meter.noteRouting({ internalCostMicroUsd: ctx.meter.cost(target.model, { prompt_tokens: prompt, completion_tokens: tokens }) });
}

function wireFor(ctx: CompletionContext, target: EdgeTarget, edge: EdgeRequest): EdgeWire {
  return new EdgeWire({ endpoint: ctx.endpoint, id: completionId(ctx), model: target.model, logprobs: edge.logprobs });
}

function cost(ctx: CompletionContext, served: Served, done: DoneEvent): number {
  return ctx.meter.cost(served.model, done.usage);
}

function logDone(ctx: CompletionContext, served: Served, done: DoneEvent): void {
  ctx.deps.logger.debug('edge generation done', {
    request_id: ctx.requestId,
    model: `${served.model}@${served.version}`,
    finish_reason: done.finish_reason,
    prompt_tokens: done.usage.prompt_tokens,
    completion_tokens: done.usage.completion_tokens,
    queue_ms: Math.round(done.timings.queueMs),
    prefill_ms: Math.round(done.timings.prefillMs),
    decode_ms: Math.round(done.timings.decodeMs),
  });
}

/** Non-streamed: the whole generation, then the OpenAI response object. */
export async function edgeJson(ctx: CompletionContext, target: EdgeTarget): Promise<AttemptOutcome<JsonAnswer, Failure>> {
  const admitted = await admit(ctx, target);
  if (!admitted.ok) return admitted;
  const { edge, served, events, head } = admitted.value;
  const tokens: TokenEvent[] = [];
  let done: DoneEvent | undefined;
  const take = (event: GenerationEvent) => {
    if (event.type === 'token') tokens.push(event);
    else done = event;
  };
  try {
    head.forEach(take);
    if (!done) for (let next = await events.next(); !next.done; next = await events.next()) take(next.value);
  } catch (err) {
    return { ok: false, failure: edgeFailure(err, target.model, ctx.signal) };
  }
  if (!done) return { ok: false, failure: edgeFailure(new Error('generation ended without a done event'), target.model, ctx.signal) };
  logDone(ctx, served, done);
  const body = wireFor(ctx, target, edge).response(tokens, done);
  return { ok: true, value: { body, served, costMicroUsd: cost(ctx, served, done), usage: done.usage } };
}

/** Streamed: resolves once the first event exists; the body then follows the generation. */
export async function openEdgeStream(ctx: CompletionContext, target: EdgeTarget): Promise<AttemptOutcome<StreamAnswer, Failure>> {
  const admitted = await admit(ctx, target);
  if (!admitted.ok) return admitted;
  const { edge, served, events } = admitted.value;
  // the first event(s) exist before the first byte: the gate's draft head, else the first token
  const head = [...admitted.value.head];
  if (head.length === 0) {
    try {
      const first = await events.next();
      if (first.done) throw new Error('generation ended without any event');
      head.push(first.value);
    } catch (err) {
      stop(events);
      return { ok: false, failure: edgeFailure(err, target.model, ctx.signal) };
    }
  }
  const wire = wireFor(ctx, target, edge);
  const encoder = new TextEncoder();
  let finished = false;
  const finish = (status: 'ok' | 'client_aborted' | 'upstream_error', detail?: string, usage?: TokenUsage) => {
    if (finished) return;
    finished = true;
    ctx.meter.end({ status, served, member: null, usage });
    if (status !== 'ok') ctx.deps.logger.warn('edge stream ended', { request_id: ctx.requestId, status, ...(detail ? { detail } : {}) });
  };

  /** SSE text for one event (possibly several chunks, or none). */
  const toSse = (event: GenerationEvent): string => {
    if (event.type === 'token') {
      ctx.meter.firstToken();
      ctx.meter.relayed();
      const chunk = wire.tokenChunk(event);
      return chunk ? encodeSseData(chunk) : '';
    }
    const tail = wire.tailChunk(event);
    let text = (tail ? encodeSseData(tail) : '') + encodeSseData(wire.finishChunk(event));
    if (wantsUsage(ctx)) text += encodeSseData(wire.usageChunk(event, usageExtension(served, cost(ctx, served, event))));
    logDone(ctx, served, event);
    finish('ok', undefined, event.usage);
    return text + SSE_DONE;
  };
  // the opening chunk and the first token(s) leave together, as soon as they exist
  const pending: string[] = [wire.openingChunks().map(encodeSseData).join('') + head.map(toSse).join('')];

  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const text = pending.shift();
          if (text !== undefined) {
            if (text === '') continue;
            controller.enqueue(encoder.encode(text));
            return;
          }
          if (finished) {
            controller.close();
            return;
          }
          const next = await events.next();
          if (next.done) throw new Error('generation ended without a done event');
          pending.push(toSse(next.value));
        }
      } catch (err) {
        if (finished) return;
        if (ctx.signal.aborted) return finish('client_aborted');
        const message = err instanceof Error ? err.message : String(err);
        controller.enqueue(encoder.encode(encodeSseData(errors.upstreamError(`edge generation failed: ${message}`).toBody())));
        controller.close();
        finish('upstream_error', message);
      }
    },
    cancel() {
      finish('client_aborted');
      stop(events);
    },
  });
  return { ok: true, value: { body, served } };
}

/** Ends a generation early (its slot is freed); the iterator's own rejection is of no interest. */
function stop(events: AsyncIterator<GenerationEvent>): void {
  Promise.resolve(events.return?.()).catch(() => {});
}
