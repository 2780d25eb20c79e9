/**
 * Serving one completion from the engine: admit (the engine's scheduler: a slot, a queue place or
 * 429), then collect the events into one OpenAI object or stream them as SSE, observing the vLLM
 * metrics on the way. The engine's scheduler is pull-based (a generation advances while its
 * consumer reads), so a stream is read as the client reads and a disconnect cancels it.
 */
import {
  type DoneEvent,
  type EdgeEngine,
  EdgeModelError,
  EdgeOverloadedError,
  EdgeWire,
  type GenerationEvent,
  type TokenEvent,
} from '@distillgate/edge-model';
import { encodeSseData, errors, GatewayError, SSE_DONE } from '@distillgate/protocol';
import type { WorkerMetrics } from './metrics.ts';
import type { Endpoint, WorkerRequest } from './request.ts';

export interface CompletionInput {
  engine: EdgeEngine;
  metrics: WorkerMetrics;
  endpoint: Endpoint;
  request: WorkerRequest;
  /** Served model id for the `model` field. */
  model: string;
  id: string;
  signal: AbortSignal;
  /** Called once when the response is complete, cut or failed (the drain waits on it). */
  onEnd: () => void;
}

/** Engine errors → the OpenAI error table. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof EdgeOverloadedError) return errors.edgeOverloaded(error.retryAfterSeconds, 'This gpu-worker');
  if (error instanceof EdgeModelError) {
    return error.code === 'context_length_exceeded'
      ? errors.contextLengthExceeded(error.message, error.param)
      : errors.invalidValue(error.param, error.message);
  }
  return errors.upstreamError(`generation failed: ${error instanceof Error ? error.message : String(error)}`, 500);
}

/** TTFT / TPOT / token counters of one request. */
class RequestTimer {
  private readonly startMs = performance.now();
  private lastMs: number | null = null;
  private tokens = 0;
  private counted = false;

  constructor(private readonly metrics: WorkerMetrics) {}

  onEvent(event: GenerationEvent): void {
    const now = performance.now();
    // a scoring request (max_tokens 0) has no first token: it only ends
    if (event.type === 'token') {
      if (this.lastMs === null) this.metrics.ttftSeconds.observe((now - this.startMs) / 1000);
      else this.metrics.tpotSeconds.observe((now - this.lastMs) / 1000);
      this.lastMs = now;
    }
    if (event.type === 'token') this.tokens++;
    else this.count(event.usage.prompt_tokens, event.usage.completion_tokens);
  }

  /** A cut request counts the tokens it produced. */
  count(promptTokens: number, generationTokens = this.tokens): void {
    if (this.counted) return;
    this.counted = true;
    this.metrics.countTokens(promptTokens, generationTokens);
  }
}

function admit(input: CompletionInput): { events: AsyncIterator<GenerationEvent>; wire: EdgeWire; promptTokens: number } {
  const { engine, request } = input;
  const prepared = engine.prepare(request.generation); // 400s before admission
  const prompt = request.generation.prompt;
  const echo = request.echo ? { text: typeof prompt === 'string' ? prompt : engine.tokenizer.decode(prepared.promptIds) } : undefined;
  const events = engine.generate(request.generation, input.signal)[Symbol.asyncIterator]();
  const wire = new EdgeWire({
    endpoint: input.endpoint,
    id: input.id,
    model: input.model,
    logprobs: request.logprobs,
    ...(echo ? { echo } : {}),
  });
  return { events, wire, promptTokens: prepared.promptIds.length };
}

/** Non-streamed: the whole generation, then the OpenAI object. @throws GatewayError */
export async function completeJson(input: CompletionInput): Promise<Record<string, unknown>> {
  const timer = new RequestTimer(input.metrics);
  try {
    const { events, wire, promptTokens } = admit(input);
    const tokens: TokenEvent[] = [];
    try {
      for (let next = await events.next(); !next.done; next = await events.next()) {
        timer.onEvent(next.value);
        if (next.value.type === 'token') tokens.push(next.value);
        else return wire.response(tokens, next.value);
      }
    } finally {
      timer.count(promptTokens);
    }
    throw new Error('generation ended without a done event');
  } catch (error) {
    throw toGatewayError(error);
  } finally {
    input.onEnd();
  }
}

/**
 * Streamed: admits now (so 400/429 are plain JSON errors), then an SSE body. With `echo` the prompt
 * chunk needs the prompt's scores, which the engine reports on the done event: such a stream is
 * sent when the generation ends (scoring calls generate ≤ 1 token).
 * @throws GatewayError before any byte is sent
 */
export function completeStream(input: CompletionInput): ReadableStream<Uint8Array> {
  const timer = new RequestTimer(input.metrics);
  let admitted: ReturnType<typeof admit>;
  try {
    admitted = admit(input);
  } catch (error) {
    input.onEnd();
    throw toGatewayError(error);
  }
  const { events, wire, promptTokens } = admitted;
  const encoder = new TextEncoder();
  const held: TokenEvent[] = [];
  let opened = false;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    timer.count(promptTokens);
    input.onEnd();
  };
  const sse = (chunks: Array<Record<string, unknown> | null>) =>
    chunks
      .filter((c) => c !== null)
      .map((c) => encodeSseData(c!))
      .join('');
  const toText = (event: GenerationEvent): string => {
    let text = opened ? '' : sse(wire.openingChunks());
    opened = true;
    if (event.type === 'token') {
      if (input.request.echo) {
        held.push(event);
        return text;
      }
      return text + sse([wire.tokenChunk(event)]);
    }
    if (input.request.echo) text += sse([wire.echoChunk(event, event.prompt_logprobs), ...held.map((t) => wire.tokenChunk(t))]);
    text += sse([wire.tailChunk(event), wire.finishChunk(event)]);
    if (input.request.includeUsage) text += encodeSseData(usageChunk(wire, event));
    return text + SSE_DONE;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        for (;;) {
          const next = await events.next();
          if (next.done) {
            controller.close();
            return end();
          }
          timer.onEvent(next.value);
          const text = toText(next.value);
          if (text !== '') return controller.enqueue(encoder.encode(text));
        }
      } catch (error) {
        if (!input.signal.aborted) controller.enqueue(encoder.encode(encodeSseData(toGatewayError(error).toBody())));
        controller.close();
        end();
      }
    },
    cancel() {
      Promise.resolve(events.return?.()).catch(() => {});
      end();
    },
  });
}

function usageChunk(wire: EdgeWire, done: DoneEvent): Record<string, unknown> {
  const chunk = wire.usageChunk(done, {});
  delete chunk.distillgate;
  return chunk;
}
