/**
 * Starts the edge worker thread (worker.ts) and routes its messages: load replies to their
 * waiters, generation messages to their RemoteGeneration. When the thread dies, everything in
 * flight fails and `onExit` is told once; the next `ensure()` starts a fresh thread.
 */
import { Worker } from 'node:worker_threads';
import type { GenerationRequest } from '@distillgate/edge-model';
import { CREDIT_WINDOW, type EdgeRuntime, type FromWorker, fromWireError, type ToWorker } from './protocol.ts';
import { RemoteGeneration } from './remote-generation.ts';

const WORKER_URL = new URL('./worker.ts', import.meta.url);

/**
 * This source runs as TypeScript through tsx. A worker thread does not inherit the parent's
 * `--import tsx` hooks on Node 20, so a .ts entry is started by a tiny bootstrap that registers
 * tsx first (a compiled .js entry would be started directly).
 */
function spawn(): Worker {
  if (!WORKER_URL.pathname.endsWith('.ts')) return new Worker(WORKER_URL);
  const tsx = typeof import.meta.resolve === 'function' ? import.meta.resolve('tsx/esm/api') : 'tsx/esm/api';
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;
  return new Worker(boot, { eval: true });
}

interface Loading {
  resolve: (contextLength: number) => void;
  reject: (error: Error) => void;
}

interface Pending {
  /** Set once the worker admitted the generation. */
  generation?: RemoteGeneration;
  admitted?: (generation: RemoteGeneration) => void;
  refused?: (error: Error) => void;
  signal: AbortSignal;
  settled: () => void;
}

export class EdgeWorkerClient {
  private worker: Worker | null = null;
  private readonly loading = new Map<string, Loading>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** @param onExit the worker died (crash, or ORT aborted the thread); `reason` says how */
  constructor(private readonly onExit: (reason: string) => void) {}

  /** Loads `dir` as `key` in the worker. @returns the model's context length @throws Error why it failed */
  load(key: string, dir: string, runtime: EdgeRuntime, limits: { maxConcurrent: number; maxQueued: number }): Promise<number> {
    return new Promise((resolve, reject) => {
      this.loading.set(key, { resolve, reject });
      this.send({ type: 'load', key, dir, runtime, ...limits });
    });
  }

  unload(key: string): void {
    if (this.worker) this.send({ type: 'unload', key });
  }

  /**
   * Starts a generation on the loaded `key`. Resolves once the worker admitted it.
   * @param settled called once when the generation is over (done, failed, aborted)
   * @throws the engine's errors, rebuilt (EdgeOverloadedError, ContextLengthExceededError, …)
   */
  start(key: string, request: GenerationRequest, signal: AbortSignal, settled: () => void): Promise<RemoteGeneration> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { admitted: resolve, refused: reject, signal, settled });
      this.send({ type: 'start', id, key, request, credit: CREDIT_WINDOW });
    });
  }

  /** Stops the thread (models are released with it); whatever still runs fails. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failInFlight('the edge runtime was closed');
    await worker?.terminate();
  }

  private send(message: ToWorker): void {
    this.ensure().postMessage(message);
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = spawn();
    worker.unref(); // an idle edge never keeps the process alive
    let error: Error | undefined;
    worker.on('message', (message: FromWorker) => this.receive(message));
    worker.on('error', (err) => {
      error = err;
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return; // closed on purpose
      this.worker = null;
      this.failAll(`the edge worker thread exited (code ${code}${error ? `: ${error.message}` : ''})`);
    });
    this.worker = worker;
    return worker;
  }

  private failAll(reason: string): void {
    this.failInFlight(reason);
    this.onExit(reason);
  }

  private failInFlight(reason: string): void {
    for (const [key, waiter] of this.loading) {
      this.loading.delete(key);
      waiter.reject(new Error(reason));
    }
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      if (p.generation) p.generation.end(new Error(reason));
      else p.refused?.(new Error(reason));
    }
  }

  private receive(message: FromWorker): void {
    if (message.type === 'loaded' || message.type === 'load_failed') {
      const waiter = this.loading.get(message.key);
      this.loading.delete(message.key);
      if (message.type === 'loaded') waiter?.resolve(message.contextLength);
      else waiter?.reject(new Error(message.message));
      return;
    }
    const p = this.pending.get(message.id);
    if (!p) return; // aborted here already
    switch (message.type) {
      case 'started': {
        const id = message.id;
        p.generation = new RemoteGeneration(
          {
            credit: (n) => this.worker?.postMessage({ type: 'credit', id, n } satisfies ToWorker),
            abort: () => this.worker?.postMessage({ type: 'abort', id } satisfies ToWorker),
            settled: () => {
              this.pending.delete(id);
              p.settled();
            },
          },
          p.signal,
        );
        p.admitted?.(p.generation);
        return;
      }
      case 'event':
        p.generation?.push(message.event);
        return;
      case 'end':
        p.generation?.end();
        return;
      case 'failed': {
        const error = fromWireError(message.error);
        if (p.generation) {
          p.generation.end(error);
          return;
        }
        this.pending.delete(message.id);
        p.refused?.(error);
        return;
      }
    }
  }
}
