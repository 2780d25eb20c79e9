/**
 * Builds the dashboard to static files in `dist/dashboard/` (served at `/dashboard/` by the gateway on
 * Node, apps/gateway/src/routes/dashboard.ts, and as Workers static assets, wrangler.toml `[assets]`).
 * `@distillgate/sdk` is bundled from its TypeScript source, so the build does not wait for the SDK's
 * own build (both run as `prepare` steps of `npm ci`, in no guaranteed order).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  logLevel: 'warn',
  resolve: { alias: { '@distillgate/sdk': fileURLToPath(new URL('../../packages/sdk/src/index.ts', import.meta.url)) } },
  build: { outDir: 'dist/dashboard', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1024 },
});
