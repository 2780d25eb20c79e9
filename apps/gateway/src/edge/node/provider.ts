/**
 * The Node EdgeProvider: edge models run in one `worker_threads` worker (worker.ts), so inference
 * never blocks the gateway's event loop.
 *
 * - **Lazy load.** A model version loads on its first request (worker start + ORT init + session,
 *   about 1 s with onnxruntime-web); concurrent first requests share that load. A gateway that never
 *   routes to the edge pays nothing: no thread, no 14 MB WASM, no model in memory. `/v1/models`
 *   still shows the live version, read from channels.json and manifest.json without loading.
 * - **Versions follow channels.json** (checked every `edge.channelsCheckMs`, by mtime): new
 *   generations use the new live version; running ones finish on the old one, which is unloaded
 *   when its last generation ends. Limits (maxConcurrent, maxQueued) apply per loaded version.
 * - **Canary**: with `canary: {version, share}`, each generation goes to the canary version with
 *   probability `share` (uniform, independent per request), else to live; the response's
 *   `x-distillgate-model` and usage row name the version that served. A canary that cannot load
 *   sends its share to live (logged once) until channels.json changes.
 * - **Unavailable** when channels.json, the manifest, the files (sha256) or ORT fail: the model's
 *   requests go to the next target, else 503. The cause is logged once per problem, not per
 *   request; a failed version is retried only after channels.json changes (or a restart). A dead
 *   worker thread fails what ran on it and is restarted by the next request.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { EdgeConfig } from '@distillgate/config';
import type { GenerationRequest } from '@distillgate/edge-model';
import type { Logger } from '@distillgate/router';
import { type EdgeGeneration, type EdgeModelInfo, type EdgeProvider, EdgeUnavailableError } from '../provider.ts';
import { LiveChannel } from './channels.ts';
import { EdgeWorkerClient } from './worker-client.ts';

interface VersionState {
  key: string;
  status: 'loading' | 'ready' | 'unavailable';
  loaded: Promise<void>;
  /** Generations admitted and not yet over. */
  active: number;
  contextLength?: number;
  error?: string;
}

interface ModelState {
  id: string;
  channel: LiveChannel;
  /** Loaded, loading or failed versions, by channels.json folder name. */
  versions: Map<string, VersionState>;
  /** The last problem written to the log (a problem is logged once). */
  logged: string | null;
}

export interface NodeEdgeOptions extends EdgeConfig {
  logger: Logger;
  /** Uniform [0, 1) draws for the canary split. @default Math.random */
  random?: () => number;
}

export class NodeEdgeProvider implements EdgeProvider {
  private readonly modelsDir: string;
  private readonly states = new Map<string, ModelState>();
  private readonly worker: EdgeWorkerClient;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly firstRead: Promise<void>;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly options: NodeEdgeOptions) {
    this.modelsDir = resolve(options.modelsDir);
    for (const id of options.models)
      this.states.set(id, { id, channel: new LiveChannel(this.modelsDir, id), versions: new Map(), logged: null });
    this.worker = new EdgeWorkerClient((reason) => this.workerExited(reason));
    this.firstRead = this.refresh();
    this.timer = setInterval(() => void this.refresh(), options.channelsCheckMs);
    this.timer.unref();
  }

  has(model: string): boolean {
    return this.states.has(model);
  }

  models(): EdgeModelInfo[] {
    return [...this.states.values()].map((s) => {
      const channel = s.channel.state;
      if (!channel.ok && channel.unread) return { id: s.id, version: null, status: 'not_loaded' };
      if (!channel.ok) return { id: s.id, version: null, status: 'unavailable', error: channel.problem };
      const v = s.versions.get(channel.live);
      const info: EdgeModelInfo = {
        id: s.id,
        version: channel.version,
        status: v?.status ?? 'not_loaded',
        contextLength: channel.contextLength,
      };
      if (v?.error) info.error = v.error;
      return info;
    });
  }

  async generate(model: string, request: GenerationRequest, signal: AbortSignal): Promise<EdgeGeneration> {
    const state = this.states.get(model);
    if (!state) throw new EdgeUnavailableError(model, `The edge model '${model}' is not served here.`);
    await this.firstRead;
    const channel = state.channel.state;
    if (!channel.ok) throw this.unavailable(state, channel.problem, null);
    let served = { folder: channel.live, dir: channel.dir, version: channel.version };
    const canary = channel.canary;
    if (canary && (this.options.random ?? Math.random)() < canary.share) {
      const tried = this.version(state, canary.folder, canary.dir);
      await tried.loaded;
      if (tried.status === 'ready') served = canary;
      else this.logOnce(state, `canary ${tried.key} failed to load, its share goes to live: ${tried.error}`, canary.version);
    }
    const version = this.version(state, served.folder, served.dir);
    await version.loaded;
    if (version.status !== 'ready') throw this.unavailable(state, `${version.key} failed to load: ${version.error}`, served.version);
    signal.throwIfAborted();
    version.active++;
    const settled = () => {
      version.active--;
      this.unloadSuperseded(state);
    };
    try {
      const events = await this.worker.start(version.key, request, signal, settled);
      return { version: served.version, events };
    } catch (err) {
      settled();
      throw err;
    }
  }

  busy(model: string): boolean {
    const state = this.states.get(model);
    if (!state) return false;
    let active = 0;
    for (const v of state.versions.values()) active += v.active;
    return active >= this.options.maxConcurrent;
  }

  channels(model: string): { live: string; canary: string | null } | null {
    const channel = this.states.get(model)?.channel.state;
    return channel?.ok ? { live: channel.version, canary: channel.canary?.version ?? null } : null;
  }

  async settleCanary(model: string, decision: 'promote' | 'rollback'): Promise<void> {
    const state = this.states.get(model);
    const channel = state?.channel.state;
    if (!state || !channel?.ok || !channel.canary) throw new Error(`${model} has no canary to ${decision}`);
    const live = decision === 'promote' ? channel.canary.folder : channel.live;
    const file = join(this.modelsDir, model, 'channels.json');
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ live, canary: null }, null, 2)}\n`);
    await rename(temporary, file); // atomic: a reader sees the old file or the new one
    this.options.logger.info(decision === 'promote' ? 'edge canary promoted' : 'edge canary rolled back', {
      model,
      live: decision === 'promote' ? channel.canary.version : channel.version,
      canary: channel.canary.version,
    });
    await this.refresh();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.worker.close();
  }

  /** The version's state, starting its load on first use. */
  private version(state: ModelState, live: string, dir: string): VersionState {
    const existing = state.versions.get(live);
    if (existing) return existing;
    const key = `${state.id}@${live}`;
    const v: VersionState = { key, status: 'loading', active: 0, loaded: Promise.resolve() };
    const { runtime, maxConcurrent, maxQueued, logger } = this.options;
    const startedMs = Date.now();
    v.loaded = this.worker.load(key, dir, runtime, { maxConcurrent, maxQueued }).then(
      (contextLength) => {
        v.status = 'ready';
        v.contextLength = contextLength;
        logger.info('edge model loaded', { model: key, runtime, load_ms: Date.now() - startedMs });
      },
      (err: Error) => {
        v.status = 'unavailable';
        v.error = err.message; // logged (once) by the request that finds it
      },
    );
    state.versions.set(live, v);
    return v;
  }

  /** Logs a model's problem once (until channels.json changes or another problem shows). */
  private logOnce(state: ModelState, problem: string, version: string | null): void {
    if (state.logged === problem) return;
    state.logged = problem;
    this.options.logger.error('edge model unavailable', { model: state.id, version, problem });
  }

  /** The error for a request to an unusable model; the cause goes to the log once. */
  private unavailable(state: ModelState, problem: string, version: string | null): EdgeUnavailableError {
    this.logOnce(state, problem, version);
    const which = version ? `'${state.id}' (version ${version})` : `'${state.id}'`;
    return new EdgeUnavailableError(
      state.id,
      `The edge model ${which} is unavailable: its files are missing or failed to load (the gateway log has the cause).`,
    );
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = (async () => {
      for (const state of this.states.values()) {
        if (!(await state.channel.refresh())) continue;
        // a new channels.json is an operator's action: retry failed versions, report problems anew
        for (const [live, v] of state.versions) if (v.status === 'unavailable') state.versions.delete(live);
        state.logged = null;
        const channel = state.channel.state;
        if (channel.ok && channel.canaryProblem) this.logOnce(state, `canary ignored: ${channel.canaryProblem}`, null);
        this.unloadSuperseded(state);
      }
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Unloads loaded versions that are neither live nor canary and have nothing running. */
  private unloadSuperseded(state: ModelState): void {
    const channel = state.channel.state;
    for (const [live, v] of state.versions) {
      const serving = channel.ok && (channel.live === live || channel.canary?.folder === live);
      if (serving || v.active > 0 || v.status !== 'ready') continue;
      state.versions.delete(live);
      this.worker.unload(v.key);
      this.options.logger.info('edge model unloaded', { model: v.key });
    }
  }

  private workerExited(reason: string): void {
    this.options.logger.error('edge worker exited', { reason });
    for (const state of this.states.values()) {
      for (const [live, v] of state.versions) if (v.status !== 'unavailable') state.versions.delete(live);
    }
  }
}
