/**
 * The edge worker thread: hosts the EdgeEngines (one per loaded `<model>@<version>`) so decoding
 * never blocks the gateway's event loop. Started by provider.ts; speaks protocol.ts.
 *
 * Each generation is read by its own loop while it holds credit. The engine's scheduler is
 * pull-based (a waiting reader runs everyone's steps, round robin, yielding to this thread's event
 * loop after each step), so credit, abort and new start messages are handled between steps.
 */
import { parentPort } from 'node:worker_threads';
import type { EdgeEngine, GenerationEvent } from '@distillgate/edge-model';
import { loadEngineFromDir } from '@distillgate/edge-model/node';
import { type FromWorker, type ToWorker, toWireError } from './protocol.ts';

if (!parentPort) throw new Error('edge/node/worker.ts runs inside a worker_threads Worker');
const port = parentPort;

const engines = new Map<string, EdgeEngine>();

interface Running {
  abort: AbortController;
  credit: number;
  /** Resolves the loop's wait for credit (or for the abort). */
  wake: (() => void) | null;
}
const running = new Map<number, Running>();

const post = (message: FromWorker) => port.postMessage(message);

async function load(message: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  const startedMs = performance.now();
  try {
    const engine = await loadEngineFromDir(message.dir, {
      runtime: message.runtime,
      maxConcurrent: message.maxConcurrent,
      maxQueued: message.maxQueued,
    });
    engines.set(message.key, engine);
    post({ type: 'loaded', key: message.key, contextLength: engine.shape.contextLength, loadMs: performance.now() - startedMs });
  } catch (err) {
    post({ type: 'load_failed', key: message.key, message: err instanceof Error ? err.message : String(err) });
  }
}

function start(message: Extract<ToWorker, { type: 'start' }>): void {
  const engine = engines.get(message.key);
  if (!engine) {
    post({ type: 'failed', id: message.id, error: { name: 'Error', message: `${message.key} is not loaded` } });
    return;
  }
  const state: Running = { abort: new AbortController(), credit: message.credit, wake: null };
  let events: AsyncIterable<GenerationEvent>;
  try {
    events = engine.generate(message.request, state.abort.signal); // admission and checks happen here
  } catch (err) {
    post({ type: 'failed', id: message.id, error: toWireError(err) });
    return;
  }
  running.set(message.id, state);
  post({ type: 'started', id: message.id });
  void readLoop(message.id, state, events);
}

async function readLoop(id: number, state: Running, events: AsyncIterable<GenerationEvent>): Promise<void> {
  const iterator = events[Symbol.asyncIterator]();
  try {
    for (;;) {
      while (state.credit <= 0 && !state.abort.signal.aborted) await new Promise<void>((resolve) => (state.wake = resolve));
      if (state.abort.signal.aborted) {
        await iterator.return?.();
        return;
      }
      const next = await iterator.next();
      if (next.done) break;
      state.credit--;
      post({ type: 'event', id, event: next.value });
    }
    post({ type: 'end', id });
  } catch (err) {
    if (!state.abort.signal.aborted) post({ type: 'failed', id, error: toWireError(err) });
  } finally {
    running.delete(id);
  }
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'load':
      void load(message);
      return;
    case 'unload': {
      const engine = engines.get(message.key);
      engines.delete(message.key);
      engine?.close().catch(() => {});
      return;
    }
    case 'start':
      start(message);
      return;
    case 'credit': {
      const state = running.get(message.id);
      if (!state) return;
      state.credit += message.n;
      state.wake?.();
      return;
    }
    case 'abort': {
      const state = running.get(message.id);
      if (!state) return;
      state.abort.abort(new Error('client closed the connection'));
      state.wake?.();
      return;
    }
  }
});
