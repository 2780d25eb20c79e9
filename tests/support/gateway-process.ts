/**
 * Starts the real gateway as a child process (`node --import tsx apps/gateway/src/server.ts`)
 * with a temporary config file, and waits until it listens. Used by e2e tests and benchmarks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GatewayProcess {
  /** e.g. `http://127.0.0.1:40111` */
  url: string;
  child: ChildProcess;
  /** Every stdout/stderr line so far (JSON log lines and the banner). */
  logs: string[];
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface StartGatewayOptions {
  /** Extra environment (e.g. `DISTILLGATE__…` overrides). */
  env?: Record<string, string>;
  /** Prefix the command, e.g. `['taskset', '-c', '0']` to pin the gateway to a core. */
  wrap?: string[];
  /** @default 30000 */
  startTimeoutMs?: number;
}

/**
 * @param config the config file's content (port 0 is forced unless given)
 * @throws Error when the process exits or does not print its address within the timeout
 */
export async function startGatewayProcess(config: Record<string, unknown>, opts: StartGatewayOptions = {}): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'distillgate-'));
  const file = join(dir, 'distillgate.config.json');
  const server = { port: 0, ...((config.server as object | undefined) ?? {}) };
  writeFileSync(file, JSON.stringify({ ...config, server }));
  const argv = [...(opts.wrap ?? []), process.execPath, '--import', 'tsx', 'apps/gateway/src/server.ts'];
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: ROOT,
    env: { ...process.env, DISTILLGATE_CONFIG: file, DISTILLGATE_LOG_LEVEL: 'debug', ORT_DISABLE_TELEMETRY: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${logs.join('\n')}`)), opts.startTimeoutMs ?? 30_000);
    const onLine = (buf: Buffer) => {
      for (const line of buf.toString('utf8').split('\n').filter(Boolean)) {
        logs.push(line);
        const m = /listening on (http:\/\/\S+)/.exec(line);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      }
    };
    child.stdout?.on('data', onLine);
    child.stderr?.on('data', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return {
    url,
    child,
    logs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

/** A config with one upstream `mock` at `baseUrl` serving `mock-model`, aliased as `auto`. */
export function mockConfig(baseUrls: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const upstreams = baseUrls.map((baseUrl, i) => ({
    name: `mock${i}`,
    baseUrl,
    models: ['mock-model'],
    version: 'test',
    timeouts: { connectMs: 1000, firstByteMs: 3000, idleMs: 2000 },
  }));
  return {
    upstreams,
    models: { auto: { policy: 'failover', targets: upstreams.map((u) => ({ upstream: u.name })) } },
    metering: { prices: { 'mock-model': { inputUsdPerMTok: 1, outputUsdPerMTok: 2 } } },
    ...extra,
  };
}
