/**
 * Cloudflare Workers entry. The config is the bundled `distillgate.config.json`; `vars` and
 * secrets named `DISTILLGATE__SECTION__KEY` override it (DESIGN.md §5). One app per isolate,
 * built on the first request, with one edge provider whose models come from the R2 binding `MODELS`.
 */
import { type Config, parseConfig, resolveSecrets } from '@distillgate/config';
import { UpstreamRegistry } from '@distillgate/router';
import type { ExecutionContext, Hono } from 'hono';
import bundledConfig from '../../../distillgate.config.json';
import { createApp } from './app.ts';
import { type R2BucketLike, workersEdgeForIsolate } from './edge/workerd/index.ts';
import type { GatewayEnv } from './env.ts';
import { createJsonLogger } from './log.ts';

/** Worker bindings: string vars/secrets, and `MODELS` (R2, edge model files). */
export type WorkerBindings = Record<string, unknown> & { MODELS?: R2BucketLike };

let cached: { app: Hono<GatewayEnv>; config: Config } | undefined;

function appFor(env: WorkerBindings): Hono<GatewayEnv> {
  if (cached) return cached.app;
  const strings = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const config = resolveSecrets(parseConfig(bundledConfig, strings, 'bundled distillgate.config.json'), strings);
  const registry = new UpstreamRegistry(config, () => (input, init) => fetch(input, init));
  const logger = createJsonLogger((strings.DISTILLGATE_LOG_LEVEL as 'info') ?? 'info');
  const edge = workersEdgeForIsolate({
    bucket: env.MODELS,
    models: config.edge.models,
    channelsCheckMs: config.edge.channelsCheckMs,
    engine: { maxConcurrent: config.edge.maxConcurrent, maxQueued: config.edge.maxQueued },
    logger,
  });
  const app = createApp({ config, registry, logger, edge });
  cached = { app, config };
  return app;
}

export default {
  fetch(request: Request, env: WorkerBindings, ctx: ExecutionContext): Response | Promise<Response> {
    return appFor(env).fetch(request, env, ctx);
  },
};
