/**
 * Three test projects (DESIGN.md §6): `unit` (parallel, beside the code), `e2e` (real processes,
 * one file at a time) and `workerd` (inside the Workers runtime, one shared pool).
 */
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the loopback mock upstream that tests/workerd/global-setup.ts starts. */
    mockBaseUrl: string;
    /** Loopback server of the edge model files in R2 key layout (tests/workerd/model-server.ts); '' when skipped. */
    modelServerUrl: string;
    /** The published student version (channels.json `live`). */
    studentVersion: string;
    /** Why the edge-model tests skip (no model and no Python to build one), or null. */
    edgeModelSkipReason: string | null;
  }
}

process.env.ORT_DISABLE_TELEMETRY = '1';
process.env.WRANGLER_SEND_METRICS = 'false';
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/**/*.test.ts', 'apps/**/*.test.ts', 'gpu-worker/**/*.test.ts', 'tests/infra/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                DISTILLGATE__UPSTREAMS__0__BASE_URL: inject('mockBaseUrl'),
                DISTILLGATE_LOG_LEVEL: 'warn',
                // tests/workerd/edge.test.ts: a model ORT cannot load, and a short channels.json etag check
                DISTILLGATE__EDGE__MODELS: '["distillgate-student","distillgate-broken"]',
                DISTILLGATE__EDGE__CHANNELS_CHECK_MS: '300',
                // applied to the D1 binding `DB` by tests/workerd/setup.ts (storage is per test file)
                TEST_MIGRATIONS: await readD1Migrations('packages/db/migrations'),
              },
              // tests/workerd/usage-queue.test.ts: a real queue the Worker's queue() handler consumes. Not
              // named USAGE_QUEUE, so the other tests keep the direct D1 sink of the top-level Worker.
              queueProducers: { TEST_USAGE_QUEUE: { queueName: 'distillgate-usage-test' } },
              queueConsumers: { 'distillgate-usage-test': { maxBatchSize: 10, maxBatchTimeout: 0.2, maxRetries: 2 } },
            },
          })),
        ],
        test: {
          name: 'workerd',
          include: ['tests/workerd/**/*.test.ts'],
          globalSetup: ['tests/workerd/global-setup.ts'],
          setupFiles: ['tests/workerd/setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
