/**
 * The gateway's view of the edge runtime: models served in-process by `@distillgate/edge-model`.
 * Two implementations share this interface: Node (the engine in a `worker_threads` worker, model
 * files from `models/`) and Workers (onnxruntime-web in the isolate, model bytes from R2/assets).
 * The gateway never knows which one it talks to.
 */
import type { GenerationEvent, GenerationRequest } from '@distillgate/edge-model';

/** State of one edge model as `/v1/models` and routing see it. */
export interface EdgeModelInfo {
  /** Served model id, e.g. `distillgate-student`. */
  id: string;
  /** The version now live per `channels.json` (null until known). */
  version: string | null;
  /** `unavailable`: ORT or the model failed to start (see `error`); its requests go elsewhere or get 503. */
  status: 'not_loaded' | 'loading' | 'ready' | 'unavailable';
  /** Why the model is unavailable (logged once, not per request). */
  error?: string;
  /** Tokens of context (prompt + completion), from the manifest once loaded. */
  contextLength?: number;
}

/** One admitted generation. */
export interface EdgeGeneration {
  /** The model version that serves this generation (for `x-distillgate-model: <id>@<version>`). */
  version: string;
  /** Token events then one done event; aborting the signal given to `generate` ends it. */
  events: AsyncIterable<GenerationEvent>;
}

/** Thrown by `generate` when the model cannot run at all (ORT failed to start, files missing). */
export class EdgeUnavailableError extends Error {
  constructor(
    readonly model: string,
    message: string,
  ) {
    super(message);
    this.name = 'EdgeUnavailableError';
  }
}

export interface EdgeProvider {
  /** Every configured edge model with its current state. */
  models(): EdgeModelInfo[];
  /** Whether `model` is one of this provider's model ids. */
  has(model: string): boolean;
  /**
   * Admits and starts a generation (loading the model lazily on first use).
   * @throws EdgeOverloadedError (→ 429 `edge_overloaded` + Retry-After, or the next target),
   *   ContextLengthExceededError (→ 400), InvalidGenerationRequestError (→ 400),
   *   EdgeUnavailableError (→ next target, else 503 `model_unavailable`)
   */
  generate(model: string, request: GenerationRequest, signal: AbortSignal): Promise<EdgeGeneration>;
  /**
   * Whether a new generation of `model` would wait for a decoding slot (its generations running
   * ≥ `maxConcurrent`): the router's shadow runs, the lowest priority, are dropped then.
   */
  busy(model: string): boolean;
  /**
   * The versions of `model` now serving: live and canary (manifest versions), or null when its
   * channels cannot be read. Only where channels.json is a local file (Node); absent elsewhere.
   */
  channels?(model: string): { live: string; canary: string | null } | null;
  /**
   * Ends `model`'s canary: `promote` makes it live, `rollback` drops it; channels.json is rewritten
   * atomically and re-read. Only where `channels` exists.
   * @throws Error when the model has no canary or the file cannot be written
   */
  settleCanary?(model: string, decision: 'promote' | 'rollback'): Promise<void>;
  /** Stops workers and releases sessions. */
  close(): Promise<void>;
}
