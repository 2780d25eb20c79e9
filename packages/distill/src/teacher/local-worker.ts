/**
 * A local gpu-worker serving the committed teacher, for the teacher stage when no `--teacher-url`
 * is given. Same start-up as tests/support/listening-process.ts: spawn, wait for its
 * "listening on http://…" line. It runs with `--stop-on-stdin-close`, so it also goes when this
 * process dies without stopping it (its stdin pipe closes).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { ROOT } from '../paths.ts';

export interface LocalWorkerOptions {
  modelsDir: string;
  model: string;
  /** ORT intra-op threads. @default 2 */
  threads?: number;
  /** Sequences batched at once. @default 8 */
  maxConcurrent?: number;
  /** @unit ms @default 120000 */
  startTimeoutMs?: number;
  /** Each line the worker prints. */
  onLine?: (line: string) => void;
}

export interface LocalWorker {
  /** OpenAI-compatible base URL, `http://127.0.0.1:<port>/v1`. */
  baseUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startLocalWorker(opts: LocalWorkerOptions): Promise<LocalWorker> {
  const argv = [
    '--import',
    'tsx',
    'gpu-worker/server/src/main.ts',
    '--models-dir',
    opts.modelsDir,
    '--model',
    opts.model,
    '--port',
    '0',
    '--threads',
    String(opts.threads ?? 2),
    '--max-concurrent',
    String(opts.maxConcurrent ?? 8),
    '--stop-on-stdin-close',
  ];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gpu-worker did not start:\n${tail.join('\n')}`)), opts.startTimeoutMs ?? 120_000);
    const onData = (buf: Buffer) => {
      for (const line of buf.toString('utf8').split('\n').filter(Boolean)) {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        opts.onLine?.(line);
        const m = /listening on (http:\/\/\S+)/.exec(line);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gpu-worker exited with ${code}:\n${tail.join('\n')}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    baseUrl: `${url.replace(/\/+$/, '')}/v1`,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }
      await exited;
    },
  };
}
