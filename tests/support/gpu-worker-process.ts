/**
 * Starts the real gpu-worker (`node --import tsx gpu-worker/server/src/main.ts`) as a child process
 * on loopback port 0 and waits for its "listening on" line. Used by e2e tests and benchmarks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface GpuWorkerProcess {
  /** e.g. `http://127.0.0.1:40111` */
  url: string;
  child: ChildProcess;
  /** Every stdout/stderr line so far. */
  logs: string[];
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM (SIGKILL after 10 s), resolves on exit. */
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * @param args CLI flags after `main.ts` (`--model-dir …`); `--port 0` is added
 * @throws Error when the process exits or does not print its address within `startTimeoutMs`
 */
export async function startGpuWorkerProcess(args: string[], startTimeoutMs = 60_000): Promise<GpuWorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gpu-worker/server/src/main.ts', '--port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gpu-worker did not start:\n${logs.join('\n')}`)), startTimeoutMs);
    const onData = (buf: Buffer) => {
      for (const line of buf.toString('utf8').split('\n').filter(Boolean)) {
        logs.push(line);
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
      reject(new Error(`gpu-worker exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return {
    url,
    child,
    logs,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }
      await exited;
    },
  };
}
