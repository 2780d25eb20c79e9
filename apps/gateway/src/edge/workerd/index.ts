/**
 * The Workers EdgeProvider: edge models served inside the isolate by onnxruntime-web (WASM, one
 * thread), their files read from the R2 bucket `MODELS`. One provider per isolate (worker.ts):
 * each model is loaded by its first request and reused by every later one.
 *
 * Why R2 and not static assets: versions change without a deploy (channels.json's etag is
 * re-checked at runtime, DESIGN.md §3), the bundle stays free of weights, and miniflare's R2
 * simulator runs in the vitest pool and `wrangler dev` (`wrangler r2 object put --local`).
 */
import type { EdgeEngineOptions, GenerationEvent, GenerationRequest } from '@distillgate/edge-model';
import type { Logger } from '@distillgate/router';
import { type EdgeGeneration, type EdgeModelInfo, type EdgeProvider, EdgeUnavailableError } from '../provider.ts';
import { ModelSlot, type SlotMemory } from './model-slot.ts';
import { ortRuntime } from './ort-runtime.ts';
import { ModelStorageError, type R2BucketLike, R2ModelSource } from './r2-model-source.ts';

export type { SlotMemory } from './model-slot.ts';
export type { R2BucketLike } from './r2-model-source.ts';

export interface WorkersEdgeOptions {
  /** The `MODELS` R2 binding. */
  bucket: R2BucketLike;
  /** Served edge model ids; each is also its R2 key prefix. */
  models: readonly string[];
  /** Shortest interval between two etag checks of a model's channels.json. @unit ms @default 30000 */
  channelsCheckMs?: number;
  /** Per-model scheduler limits (concurrent and queued generations). */
  engine?: EdgeEngineOptions;
  logger: Logger;
}

export interface WorkersEdgeProvider extends EdgeProvider {
  /** Memory figures of one model (for tests and diagnostics). */
  memory(model: string): SlotMemory | null;
}

/**
 * The engine's events, ending the lease when the consumer finishes or leaves the loop (release is
 * idempotent), and recording ORT's memory after the generation.
 */
async function* leased(events: AsyncIterable<GenerationEvent>, slot: ModelSlot, release: () => void): AsyncGenerator<GenerationEvent> {
  try {
    for await (const event of events) {
      if (event.type === 'done') slot.noteGenerationEnd(event.usage.prompt_tokens, event.usage.completion_tokens);
      yield event;
    }
  } finally {
    release();
  }
}

/** A bucket that is not bound: every model reports why it is unavailable. */
const UNBOUND_BUCKET: R2BucketLike = {
  head: () => Promise.reject(new ModelStorageError('no R2 binding MODELS (wrangler.toml [[r2_buckets]])')),
  get: () => Promise.reject(new ModelStorageError('no R2 binding MODELS (wrangler.toml [[r2_buckets]])')),
};

let isolateProvider: WorkersEdgeProvider | undefined;

/**
 * The isolate's provider, created by the first call (worker.ts, on the first request); later
 * calls return it unchanged. Without a bucket its models are `unavailable`, saying why.
 */
export function workersEdgeForIsolate(
  options: Omit<WorkersEdgeOptions, 'bucket'> & { bucket: R2BucketLike | undefined },
): WorkersEdgeProvider {
  isolateProvider ??= createWorkersEdgeProvider({ ...options, bucket: options.bucket ?? UNBOUND_BUCKET });
  return isolateProvider;
}

/** The provider `workersEdgeForIsolate` created, if any (tests read its memory figures). */
export function currentWorkersEdge(): WorkersEdgeProvider | undefined {
  return isolateProvider;
}

export function createWorkersEdgeProvider(options: WorkersEdgeOptions): WorkersEdgeProvider {
  const source = new R2ModelSource(options.bucket);
  const slots = new Map(
    options.models.map((id) => [
      id,
      new ModelSlot({
        id,
        source,
        runtime: ortRuntime,
        channelsCheckMs: options.channelsCheckMs ?? 30_000,
        logger: options.logger,
        ...(options.engine ? { engine: options.engine } : {}),
      }),
    ]),
  );

  /** Generations admitted and not yet released, per model. */
  const active = new Map<string, number>();
  const maxConcurrent = options.engine?.maxConcurrent ?? 1;
  return {
    models: (): EdgeModelInfo[] => [...slots.values()].map((slot) => slot.info()),
    has: (model) => slots.has(model),
    busy: (model) => (active.get(model) ?? 0) >= maxConcurrent,
    memory: (model) => slots.get(model)?.memory ?? null,

    async generate(model: string, request: GenerationRequest, signal: AbortSignal): Promise<EdgeGeneration> {
      const slot = slots.get(model);
      if (!slot) throw new EdgeUnavailableError(model, `${model} is not an edge model`);
      const lease = await slot.acquire();
      let released = false;
      active.set(model, (active.get(model) ?? 0) + 1);
      const release = () => {
        if (released) return;
        released = true;
        active.set(model, (active.get(model) ?? 1) - 1);
        lease.release();
      };
      try {
        const events = lease.engine.generate(request, signal); // throws 400s and EdgeOverloadedError now
        signal.addEventListener('abort', release, { once: true }); // even if never iterated
        return { version: lease.version, events: leased(events, slot, release) };
      } catch (error) {
        release();
        throw error;
      }
    },

    async close() {
      await Promise.all([...slots.values()].map((slot) => slot.close()));
    },
  };
}
