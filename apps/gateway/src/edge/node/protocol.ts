/**
 * Messages between the gateway's event loop (provider.ts) and the edge worker thread (worker.ts).
 *
 *   main → worker   load{key,dir}            worker → main   loaded{key} | load_failed{key,message}
 *                   unload{key}
 *                   start{id,key,request,credit}             started{id} | failed{id,error}
 *                   credit{id,n}                             event{id,event}… (one per credit) then end{id}
 *                   abort{id}                                failed{id,error} (mid-generation)
 *
 * Credit: the worker reads a generation's events only while it holds credit for it (one event per
 * credit); the main thread hands credit back as its consumer takes events. So the worker reads
 * every generation promptly (the engine's scheduler is pull-based: generations advance while their
 * readers wait) and never runs further ahead of a client than the credit window.
 *
 * Engine errors cross as plain data and are rebuilt as the engine's own classes, so the gateway's
 * error mapping (edge/failure.ts) is the same on Node and on Workers.
 */
import type { GenerationEvent, GenerationRequest } from '@distillgate/edge-model';
import { ContextLengthExceededError, EdgeOverloadedError, InvalidGenerationRequestError } from '@distillgate/edge-model/errors';

/** Which ONNX Runtime the worker loads models with (config `edge.runtime`). */
export type EdgeRuntime = 'web' | 'node';

/** Events the worker may send ahead of the consumer. */
export const CREDIT_WINDOW = 32;

export type ToWorker =
  | { type: 'load'; key: string; dir: string; runtime: EdgeRuntime; maxConcurrent: number; maxQueued: number }
  | { type: 'unload'; key: string }
  | { type: 'start'; id: number; key: string; request: GenerationRequest; credit: number }
  | { type: 'credit'; id: number; n: number }
  | { type: 'abort'; id: number };

export type FromWorker =
  | { type: 'loaded'; key: string; contextLength: number; loadMs: number }
  | { type: 'load_failed'; key: string; message: string }
  | { type: 'started'; id: number }
  | { type: 'event'; id: number; event: GenerationEvent }
  | { type: 'end'; id: number }
  | { type: 'failed'; id: number; error: WireError };

/** An error as it crosses the thread boundary. */
export type WireError =
  | { name: 'EdgeOverloadedError'; retryAfterMs: number; active: number; queued: number }
  | { name: 'ContextLengthExceededError'; promptTokens: number; maxTokens: number; contextLength: number; param: string | null }
  | { name: 'InvalidGenerationRequestError'; message: string; param: string | null }
  | { name: 'Error'; message: string };

export function toWireError(err: unknown): WireError {
  if (err instanceof EdgeOverloadedError)
    return { name: 'EdgeOverloadedError', retryAfterMs: err.retryAfterMs, active: err.active, queued: err.queued };
  if (err instanceof ContextLengthExceededError) {
    const { promptTokens, maxTokens, contextLength, param } = err;
    return { name: 'ContextLengthExceededError', promptTokens, maxTokens, contextLength, param };
  }
  if (err instanceof InvalidGenerationRequestError)
    return { name: 'InvalidGenerationRequestError', message: err.message, param: err.param };
  return { name: 'Error', message: err instanceof Error ? err.message : String(err) };
}

export function fromWireError(wire: WireError): Error {
  switch (wire.name) {
    case 'EdgeOverloadedError':
      return new EdgeOverloadedError(wire.retryAfterMs, wire.active, wire.queued);
    case 'ContextLengthExceededError':
      return new ContextLengthExceededError(wire.promptTokens, wire.maxTokens, wire.contextLength, wire.param);
    case 'InvalidGenerationRequestError':
      return new InvalidGenerationRequestError(wire.message, wire.param);
    default:
      return new Error(wire.message);
  }
}
