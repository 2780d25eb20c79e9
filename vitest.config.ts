/**
 * Three test projects (DESIGN.md §6): `unit` (parallel, beside the code), `e2e` (real processes,
 * one file at a time) and `workerd` (inside the Workers runtime, one shared pool).
 */
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the loopback mock upstream that tests/workerd/global-setup.ts starts. */
    mockBaseUrl: string;
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
          include: ['packages/**/*.test.ts', 'apps/**/*.test.ts', 'gpu-worker/**/*.test.ts'],
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
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                DISTILLGATE__UPSTREAMS__0__BASE_URL: inject('mockBaseUrl'),
                DISTILLGATE_LOG_LEVEL: 'warn',
              },
            },
          })),
        ],
        test: {
          name: 'workerd',
          include: ['tests/workerd/**/*.test.ts'],
          globalSetup: ['tests/workerd/global-setup.ts'],
          testTimeout: 120_000,
        },
      },
    ],
  },
});
