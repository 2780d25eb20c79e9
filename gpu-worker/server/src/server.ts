/**
 * Starting and draining the worker: resolve the model folder (DESIGN.md §3 layout), load it on
 * CUDA or CPU (execution-provider.ts), serve the app with @hono/node-server. `drain()` is the
 * SIGTERM path: new requests get 503, in-flight ones (streams included) finish, then the server
 * closes and the session is released.
 */
import { join } from 'node:path';
import { liveVersion } from '@distillgate/edge-model/node';
import { serve } from '@hono/node-server';
import { createWorkerApp, type WorkerState } from './app.ts';
import { type EngineLoadOptions, type ExecutionProvider, loadEngine } from './execution-provider.ts';

export type ModelSource = { modelDir: string } | { modelsDir: string; model: string };

export interface WorkerOptions extends EngineLoadOptions {
  source: ModelSource;
  /** 0 = a free port. @default 8000 (vLLM's) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
}

export interface RunningWorker {
  url: string;
  port: number;
  /** `<name>@<version>` */
  model: string;
  executionProvider: ExecutionProvider;
  executionProviderReason: string;
  /** 503 for new requests, wait for in-flight ones, close. @param timeoutMs give up waiting after this, ms */
  drain(timeoutMs?: number): Promise<void>;
}

/** `models/<name>/<live version>` or the folder given. @throws Error when channels.json is missing */
export async function resolveModelDir(source: ModelSource): Promise<string> {
  if ('modelDir' in source) return source.modelDir;
  const live = await liveVersion(source.modelsDir, source.model);
  if (live === null) throw new Error(`${join(source.modelsDir, source.model, 'channels.json')} not found`);
  return join(source.modelsDir, source.model, live);
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const dir = await resolveModelDir(options.source);
  const loaded = await loadEngine(dir, options);
  const state: WorkerState = { engine: loaded.engine, executionProvider: loaded.executionProvider, inFlight: 0, draining: false };
  const { app } = createWorkerApp(state);
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? 8000, hostname: host }, (info) => {
      const drain = async (timeoutMs = 60_000) => {
        state.draining = true;
        const deadline = Date.now() + timeoutMs;
        while (state.inFlight > 0 && Date.now() < deadline) {
          await new Promise<void>((wake) => {
            state.onRequestEnd = wake;
            setTimeout(wake, 100).unref();
          });
        }
        await new Promise<void>((done) => {
          server.close(() => done());
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        await loaded.engine.close();
      };
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`,
        port: info.port,
        model: loaded.engine.modelId,
        executionProvider: loaded.executionProvider,
        executionProviderReason: loaded.reason,
        drain,
      });
    });
    server.once('error', reject);
  });
}
