/**
 * Spawns one of our servers as a child process and waits for its "listening on http://…" line —
 * the shared start-up of the gateway and gpu-worker helpers used by e2e tests and benchmarks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (child processes run there). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ListeningProcess {
  /** e.g. `http://127.0.0.1:40111` */
  url: string;
  child: ChildProcess;
  /** Every stdout/stderr line so far. */
  logs: string[];
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM (SIGKILL after `killAfterMs`), resolves on exit. */
  stop(): Promise<void>;
}

export interface SpawnListeningOptions {
  env?: NodeJS.ProcessEnv;
  /** @default 60000 */
  startTimeoutMs?: number;
  /** @default 10000 */
  killAfterMs?: number;
  /** The line that says the process is ready; group 1 is its URL. @default /listening on (http:\/\/\S+)/ */
  ready?: RegExp;
}

/**
 * @param name for error messages ("gateway", "gpu-worker")
 * @param argv the command and its arguments, run in {@link ROOT}
 * @throws Error when the process exits or prints no address within `startTimeoutMs` (with its logs)
 */
export async function spawnListening(name: string, argv: string[], opts: SpawnListeningOptions = {}): Promise<ListeningProcess> {
  const child = spawn(argv[0] as string, argv.slice(1), { cwd: ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${logs.join('\n')}`)), opts.startTimeoutMs ?? 60_000);
    const onData = (buf: Buffer) => {
      for (const line of buf.toString('utf8').split('\n').filter(Boolean)) {
        logs.push(line);
        const m = (opts.ready ?? /listening on (http:\/\/\S+)/).exec(line);
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
      reject(new Error(`${name} exited with ${code}:\n${logs.join('\n')}`));
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
        setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 10_000).unref();
      }
      await exited;
    },
  };
}
