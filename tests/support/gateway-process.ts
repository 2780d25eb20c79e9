/**
 * Starts the real gateway as a child process (`node --import tsx apps/gateway/src/server.ts`)
 * with a temporary config file and database, and waits until it listens. Used by e2e tests and
 * benchmarks. Requests need `Authorization: Bearer ${TEST_API_KEY}` (tests/e2e/helpers.ts `post`
 * adds it).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ListeningProcess, spawnListening } from './listening-process.ts';

export type GatewayProcess = ListeningProcess;

/**
 * The API key every test gateway accepts: handed to it as DISTILLGATE_DEV_KEY, so the gateway
 * stores it (hashed) at start like an operator's development key.
 */
export const TEST_API_KEY = 'dg-test-key-0123456789abcdef';

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
export function startGatewayProcess(config: Record<string, unknown>, opts: StartGatewayOptions = {}): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'distillgate-'));
  const file = join(dir, 'distillgate.config.json');
  const server = { port: 0, ...((config.server as object | undefined) ?? {}) };
  // a fresh database per gateway, unless the test names one
  const metering = { database: join(dir, 'distillgate.sqlite'), ...((config.metering as object | undefined) ?? {}) };
  writeFileSync(file, JSON.stringify({ ...config, server, metering }));
  return spawnListening('gateway', [...(opts.wrap ?? []), process.execPath, '--import', 'tsx', 'apps/gateway/src/server.ts'], {
    env: {
      ...process.env,
      DISTILLGATE_CONFIG: file,
      DISTILLGATE_LOG_LEVEL: 'debug',
      DISTILLGATE_DEV_KEY: TEST_API_KEY,
      ORT_DISABLE_TELEMETRY: '1',
      ...opts.env,
    },
    startTimeoutMs: opts.startTimeoutMs ?? 30_000,
    killAfterMs: 5_000,
  });
}

/** A config with one upstream `mock` at `baseUrl` serving `mock-model`, aliased as `auto`. */
export function mockConfig(baseUrls: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const upstreams = baseUrls.map((baseUrl, i) => ({
    name: `mock${i}`,
    baseUrl,
    models: ['mock-model'],
    version: 'test',
    timeouts: { connectMs: 1000, firstByteMs: 3000, idleMs: 2000 },
    // fault-injection suites fail one member on purpose again and again: keep its breaker closed so
    // each test sees the failover it describes (the breaker has its own tests: tests/e2e/pool.test.ts)
    health: { failureThreshold: 1_000_000 },
  }));
  return {
    upstreams,
    models: { auto: { policy: 'failover', targets: upstreams.map((u) => ({ upstream: u.name })) } },
    metering: { prices: { 'mock-model': { inputUsdPerMTok: 1, outputUsdPerMTok: 2 } } },
    ...extra,
  };
}
