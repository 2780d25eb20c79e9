/**
 * Cloudflare Workers entry. The config is the bundled `distillgate.config.json`; `vars` and
 * secrets named `DISTILLGATE__SECTION__KEY` override it (DESIGN.md §5). One app per isolate,
 * built on the first request.
 */
import { type Config, parseConfig, resolveSecrets } from '@distillgate/config';
import { UpstreamRegistry } from '@distillgate/router';
import type { ExecutionContext, Hono } from 'hono';
import bundledConfig from '../../../distillgate.config.json';
import { createApp } from './app.ts';
import type { GatewayEnv } from './env.ts';
import { createJsonLogger } from './log.ts';

/** Worker bindings: only string vars/secrets are read here; later parts add D1, R2 and DOs. */
export type WorkerBindings = Record<string, unknown>;

let cached: { app: Hono<GatewayEnv>; config: Config } | undefined;

function appFor(env: WorkerBindings): Hono<GatewayEnv> {
  if (cached) return cached.app;
  const strings = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const config = resolveSecrets(parseConfig(bundledConfig, strings, 'bundled distillgate.config.json'), strings);
  const registry = new UpstreamRegistry(config, () => (input, init) => fetch(input, init));
  const app = createApp({ config, registry, logger: createJsonLogger((strings.DISTILLGATE_LOG_LEVEL as 'info') ?? 'info') });
  cached = { app, config };
  return app;
}

export default {
  fetch(request: Request, env: WorkerBindings, ctx: ExecutionContext): Response | Promise<Response> {
    return appFor(env).fetch(request, env, ctx);
  },
};
