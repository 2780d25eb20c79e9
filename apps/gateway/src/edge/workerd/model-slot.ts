/**
 * One edge model in one isolate: which version is live (channels.json in R2, re-checked by etag at
 * most every `channelsCheckMs`), the engine serving it (loaded lazily by the first request that
 * needs it; concurrent requests wait for the same load), and why it cannot serve, if it cannot.
 *
 * Always serves the live version: a request that finds a newer live version waits for its load,
 * and the previous engine is closed once its last generation ends. A live version that fails to
 * load makes the model `unavailable` (logged once per version and reason): storage failures
 * (missing objects) are retried after `channelsCheckMs`; a model or ORT failure only when the
 * live version changes.
 *
 * workerd runs every step of a load inside the request that awaits it (no background work: a
 * request's pending I/O is cancelled when it ends). A load whose request died is abandoned after
 * `LOAD_STALE_MS` and started again by the next request.
 */
import { EdgeEngine, type EdgeEngineOptions } from '@distillgate/edge-model';
import type { Logger } from '@distillgate/router';
import { type EdgeModelInfo, EdgeUnavailableError } from '../provider.ts';
import type { OrtRuntime } from './ort-runtime.ts';
import { type Channels, ModelStorageError, type R2ModelSource } from './r2-model-source.ts';

/** A load older than this is presumed dead (ORT's first load is 16–24 s in miniflare). @unit ms */
const LOAD_STALE_MS = 10 * 60_000;

export interface ModelSlotOptions {
  /** Served model id; also the R2 key prefix. */
  id: string;
  source: R2ModelSource;
  /** The isolate's ORT (created on the first load, so a model never asked for never starts ORT). */
  runtime: () => OrtRuntime;
  /** Shortest interval between two reads of channels.json's etag. @unit ms */
  channelsCheckMs: number;
  engine?: EdgeEngineOptions;
  logger: Logger;
  now?: () => number;
}

/** Memory figures for the isolate's 128 MB budget; WASM figures are ORT's linear memory. */
export interface SlotMemory {
  modelBytes: number;
  tokenizerBytes: number;
  /** Right after the session was created. */
  wasmAfterSessionBytes: number | null;
  /** After the most recent generation ended, with its length. */
  afterGeneration: { wasmBytes: number | null; promptTokens: number; completionTokens: number } | null;
}

interface Serving {
  version: string;
  engine: EdgeEngine;
  /** Generations started and not yet ended. */
  active: number;
  retired: boolean;
}

/** A checked-out engine: call `release` exactly once when its generation ends. */
export interface Lease {
  version: string;
  engine: EdgeEngine;
  release(): void;
}

export class ModelSlot {
  private channels: Channels | null = null;
  private checkedMs = Number.NEGATIVE_INFINITY;
  private checking: Promise<void> | null = null;
  private serving: Serving | null = null;
  private loading: { version: string; startedMs: number; done: Promise<void> } | null = null;
  private failure: { version: string | null; message: string; retryAtMs: number } | null = null;
  private readonly logged = new Set<string>();
  private readonly now: () => number;
  readonly memory: SlotMemory = { modelBytes: 0, tokenizerBytes: 0, wasmAfterSessionBytes: null, afterGeneration: null };

  constructor(private readonly options: ModelSlotOptions) {
    this.now = options.now ?? Date.now;
  }

  get id(): string {
    return this.options.id;
  }

  info(): EdgeModelInfo {
    const live = this.channels?.live ?? null;
    const base = { id: this.id, version: live ?? this.serving?.version ?? null };
    const contextLength = this.serving?.engine.manifest.context_length;
    if (this.loading) return { ...base, status: 'loading' };
    if (this.failure && (this.failure.version === null || this.failure.version === live))
      return { ...base, status: 'unavailable', error: this.failure.message };
    if (this.serving) return { ...base, status: 'ready', ...(contextLength ? { contextLength } : {}) };
    return { ...base, status: 'not_loaded' };
  }

  /**
   * The engine for the live version, loading it first if needed.
   * @throws EdgeUnavailableError when channels.json or the live version cannot be loaded
   */
  async acquire(): Promise<Lease> {
    await this.checkChannels();
    for (;;) {
      const live = this.channels?.live;
      if (!live) throw new EdgeUnavailableError(this.id, this.failure?.message ?? `${this.id}: no live version`);
      const serving = this.serving;
      if (serving?.version === live) return this.lease(serving);
      const failure = this.failure;
      if (failure?.version === live && this.now() < failure.retryAtMs) throw new EdgeUnavailableError(this.id, failure.message);
      const loading = this.loading;
      if (!loading || loading.version !== live || this.now() - loading.startedMs > LOAD_STALE_MS) this.startLoad(live);
      await this.loading!.done;
      if (this.serving?.version !== live && this.channels?.live === live) {
        throw new EdgeUnavailableError(this.id, this.failure?.message ?? `${this.id}@${live} did not load`);
      }
    }
  }

  /** Records ORT's memory after a generation (the test's 256-token figure comes from here). */
  noteGenerationEnd(promptTokens: number, completionTokens: number): void {
    const wasmBytes = this.options.runtime().memory.bytes();
    this.memory.afterGeneration = { wasmBytes, promptTokens, completionTokens };
  }

  async close(): Promise<void> {
    const serving = this.serving;
    this.serving = null;
    if (serving) await serving.engine.close();
  }

  private lease(serving: Serving): Lease {
    serving.active++;
    let released = false;
    return {
      version: serving.version,
      engine: serving.engine,
      release: () => {
        if (released) return;
        released = true;
        serving.active--;
        if (serving.retired && serving.active === 0) void serving.engine.close();
      },
    };
  }

  /** Re-reads channels.json when its etag changed, at most once per `channelsCheckMs`. */
  private checkChannels(): Promise<void> {
    if (this.checking) return this.checking;
    if (this.now() - this.checkedMs < this.options.channelsCheckMs) return Promise.resolve();
    this.checking = (async () => {
      try {
        const etag = await this.options.source.channelsEtag(this.id);
        if (etag === null) throw new ModelStorageError(`R2 object ${this.id}/channels.json not found (npm run models:publish:r2)`);
        if (etag !== this.channels?.etag) this.channels = await this.options.source.channels(this.id);
        if (this.failure?.version === null) this.failure = null;
      } catch (error) {
        // Keep serving the last known live version through a storage hiccup; unknown → unavailable.
        if (!this.channels) this.fail(null, error);
      } finally {
        this.checkedMs = this.now();
        this.checking = null;
      }
    })();
    return this.checking;
  }

  private startLoad(version: string): void {
    const startedMs = this.now();
    const done = this.load(version).then(
      (engine) => this.swapIn(version, engine),
      (error: unknown) => this.fail(version, error),
    );
    this.loading = { version, startedMs, done };
    void done.finally(() => {
      if (this.loading?.done === done) this.loading = null;
    });
  }

  private async load(version: string): Promise<EdgeEngine> {
    const files = await this.options.source.read(this.id, version);
    const runtime = this.options.runtime();
    const engine = await EdgeEngine.load(runtime.binding, files, this.options.engine);
    Object.assign(this.memory, {
      modelBytes: files.modelBytes,
      tokenizerBytes: files.tokenizerBytes,
      wasmAfterSessionBytes: runtime.memory.bytes(),
    });
    return engine;
  }

  private swapIn(version: string, engine: EdgeEngine): void {
    const previous = this.serving;
    this.serving = { version, engine, active: 0, retired: false };
    if (this.failure?.version === version) this.failure = null;
    this.options.logger.info('edge model loaded', { model: this.id, version, runtime: engine.binding.runtime });
    if (!previous) return;
    previous.retired = true;
    if (previous.active === 0) void previous.engine.close();
  }

  /** Marks the model unavailable; logs each (version, reason) once. */
  private fail(version: string | null, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const retryable = version === null || error instanceof ModelStorageError;
    this.failure = { version, message, retryAtMs: retryable ? this.now() + this.options.channelsCheckMs : Number.POSITIVE_INFINITY };
    const key = `${version}\u0000${message}`;
    if (this.logged.has(key)) return;
    this.logged.add(key);
    this.options.logger.error('edge model unavailable', { model: this.id, version, error: message, retryable });
  }
}
