/**
 * CLI: `node --import tsx gpu-worker/server/src/main.ts --models-dir models --model distillgate-teacher [--port 8000]`
 * or `--model-dir models/distillgate-student/0.1.1`. Other flags: `--host`, `--execution-provider
 * auto|cuda|cpu`, `--threads N` (ORT intra-op), `--max-concurrent N` (sequences decoding at once,
 * batched into one run per step; default 16), `--max-queued N` (waiting before 429; default 64),
 * `--max-batch N` (most sequences per decoder run; default = max-concurrent, 1 = no batching),
 * `--stop-on-stdin-close` (drain and exit when stdin closes: a parent that spawned the worker with a
 * pipe, as `npm start` does, takes it down even when the parent is killed with SIGKILL).
 * Prints "listening on http://…"; SIGTERM/SIGINT drain (in-flight requests finish), then exit 0.
 */
import { parseArgs } from 'node:util';
import { type RunningWorker, startWorker, type WorkerOptions } from './server.ts';

const USAGE =
  'usage: main.ts (--model-dir DIR | --models-dir DIR --model NAME) [--port N] [--host H] [--execution-provider auto|cuda|cpu] [--threads N] [--max-concurrent N] [--max-queued N] [--max-batch N] [--stop-on-stdin-close]';

/** @throws Error with a one-line message for bad flags */
export function parseFlags(argv: string[]): WorkerOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'model-dir': { type: 'string' },
      'models-dir': { type: 'string' },
      model: { type: 'string' },
      port: { type: 'string', default: '8000' },
      host: { type: 'string', default: '127.0.0.1' },
      'execution-provider': { type: 'string', default: 'auto' },
      threads: { type: 'string', default: '1' },
      'max-concurrent': { type: 'string', default: '16' },
      'max-queued': { type: 'string', default: '64' },
      'max-batch': { type: 'string' },
      'stop-on-stdin-close': { type: 'boolean', default: false },
    },
  });
  const int = (name: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return n;
  };
  const ep = values['execution-provider'];
  if (ep !== 'auto' && ep !== 'cuda' && ep !== 'cpu') throw new Error('--execution-provider must be auto, cuda or cpu');
  const modelDir = values['model-dir'];
  const source =
    modelDir !== undefined
      ? { modelDir }
      : values.model !== undefined
        ? { modelsDir: values['models-dir'] ?? 'models', model: values.model }
        : null;
  if (source === null) throw new Error(USAGE);
  return {
    source,
    port: int('port', values.port, 0),
    host: values.host!,
    executionProvider: ep,
    intraOpNumThreads: int('threads', values.threads, 1),
    maxConcurrent: int('max-concurrent', values['max-concurrent'], 1),
    maxQueued: int('max-queued', values['max-queued'], 0),
    ...(values['max-batch'] !== undefined ? { maxBatch: int('max-batch', values['max-batch'], 1) } : {}),
  };
}

const log = (level: string, msg: string, fields: Record<string, unknown> = {}) => console.log(JSON.stringify({ level, msg, ...fields }));

export async function main(argv = process.argv.slice(2)): Promise<void> {
  let options: WorkerOptions;
  try {
    options = parseFlags(argv);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
  let worker: RunningWorker;
  try {
    worker = await startWorker(options);
  } catch (error) {
    console.error(`gpu-worker failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  log('info', 'model loaded', {
    model: worker.model,
    execution_provider: worker.executionProvider,
    reason: worker.executionProviderReason,
  });
  console.log(`gpu-worker listening on ${worker.url}`);
  let draining = false;
  const shutdown = (signal: string) => {
    if (draining) return;
    draining = true;
    log('info', 'draining', { signal });
    worker.drain().then(
      () => {
        log('info', 'drained');
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (argv.includes('--stop-on-stdin-close')) {
    process.stdin.on('end', () => shutdown('stdin closed'));
    process.stdin.on('error', () => shutdown('stdin closed'));
    process.stdin.resume();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
