/**
 * `npm start`: the embedded default on one machine. Starts one local gpu-worker serving the
 * committed teacher (`models/distillgate-teacher/<live>/`, onnxruntime-node on CPU, or CUDA where
 * installed) as a child process on the loopback address that the config's `local` upstream points
 * at — so overriding `DISTILLGATE__UPSTREAMS__0__BASE_URL` moves both — then the gateway in this
 * process. The worker's log lines are printed with a `[gpu-worker]` prefix; when the gateway exits
 * (it drains on Ctrl-C / SIGTERM) the worker gets SIGTERM and drains too; if this process is killed
 * outright, the worker sees its stdin pipe close and stops itself (`--stop-on-stdin-close`).
 * Set DISTILLGATE_LOCAL_WORKER=0 to start the gateway alone (e.g. when the pool runs elsewhere).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@distillgate/config';
import { loadConfig } from '@distillgate/config/node';
import { main } from '../apps/gateway/src/server.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

interface LocalWorker {
  host: string;
  port: number;
  /** The model the worker serves: the `local` upstream's first model id (a folder under models/). */
  model: string;
}

/** Where the `local` upstream expects its worker, when that is this machine's loopback. */
function localWorker(): LocalWorker | undefined {
  try {
    const local = loadConfig().upstreams.find((u) => u.name === 'local');
    if (!local?.models[0]) return undefined;
    const url = new URL(local.baseUrl);
    if (!LOOPBACK.includes(url.hostname)) return undefined;
    const host = url.hostname === 'localhost' ? '127.0.0.1' : url.hostname.replace(/^\[|\]$/g, '');
    return { host, port: Number(url.port || 80), model: local.models[0] };
  } catch (err) {
    if (err instanceof ConfigError) return undefined; // main() reports it
    throw err;
  }
}

let stopping = false;

/** Spawns the worker and resolves once it prints "listening on"; rejects if it exits first. */
function startWorker(target: LocalWorker): Promise<ChildProcess> {
  const args = ['--import', 'tsx', 'gpu-worker/server/src/main.ts', '--models-dir', 'models', '--model', target.model];
  args.push('--host', target.host, '--port', String(target.port), '--stop-on-stdin-close');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
    // its stdin is our pipe: when this process dies, even by SIGKILL, the pipe closes and the worker drains and exits
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let started = false;
    const print = (buf: Buffer) => {
      for (const line of buf.toString('utf8').split('\n').filter(Boolean)) {
        console.log(`[gpu-worker] ${line}`);
        if (!started && line.includes('listening on')) {
          started = true;
          resolve(child);
        }
      }
    };
    child.stdout.on('data', print);
    child.stderr.on('data', print);
    child.once('exit', (code, signal) => {
      if (!started) reject(new Error(`gpu-worker exited (${signal ?? code}) before listening`));
      else if (!stopping) console.error(`[gpu-worker] exited (${signal ?? code}); requests for "${target.model}" now fail over or get 5xx`);
    });
  });
}

const target = process.env.DISTILLGATE_LOCAL_WORKER === '0' ? undefined : localWorker();
if (target) {
  try {
    const worker = await startWorker(target);
    process.once('exit', () => {
      stopping = true;
      if (worker.exitCode === null) worker.kill('SIGTERM');
    });
  } catch (err) {
    console.error(
      `${(err as Error).message}. If port ${target.port} (the "local" upstream) is in use, stop what holds it, ` +
        'point DISTILLGATE__UPSTREAMS__0__BASE_URL elsewhere, or set DISTILLGATE_LOCAL_WORKER=0',
    );
    process.exit(1);
  }
}
await main();
