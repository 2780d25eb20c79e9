/**
 * Cloudflare Workers entry. The config is the bundled `distillgate.config.json`; `vars` and
 * secrets named `DISTILLGATE__SECTION__KEY` override it (DESIGN.md §5). One app per isolate,
 * built on the first request, with one edge provider whose models come from the R2 binding `MODELS`
 * and, when the D1 binding `DB` is there, metering: API keys, usage rows in D1, and per-key
 * limits in the Durable Object `KEY_LIMITS` (metering/workerd/). Without `DB`, requests are
 * neither authenticated nor metered. With the Queue producer `USAGE_QUEUE` too, usage rows are
 * sent to the queue and this Worker's `queue()` handler writes them into D1 (wrangler.toml's
 * staging and production environments); without it they go straight into D1.
 */
import { waitUntil } from 'cloudflare:workers';
import { type Config, parseConfig, resolveSecrets } from '@distillgate/config';
import type { UsageQueueBatch, UsageQueueProducer } from '@distillgate/db';
import { UpstreamRegistry } from '@distillgate/router';
import type { ExecutionContext, Hono } from 'hono';
import bundledConfig from '../../../distillgate.config.json';
import { createApp } from './app.ts';
import { type R2BucketLike, workersEdgeForIsolate } from './edge/workerd/index.ts';
import type { GatewayEnv } from './env.ts';
import { createJsonLogger } from './log.ts';
import {
  consumeUsageQueue,
  createWorkersMetering,
  type D1Binding,
  type KeyLimitsNamespace,
  type WorkersMetering,
} from './metering/workerd/index.ts';

export { KeyLimitsObject } from './metering/workerd/key-limits-object.ts';

/**
 * Worker bindings: string vars/secrets (`DISTILLGATE__…` overrides, `DISTILLGATE_ADMIN_TOKEN`),
 * `MODELS` (R2, edge model files), `DB` (D1: keys, prices, usage), `KEY_LIMITS` (the Durable
 * Object namespace of per-key limits; needed with `DB`) and `USAGE_QUEUE` (optional Queue producer
 * for usage rows; used with `DB`).
 */
export type WorkerBindings = Record<string, unknown> & {
  MODELS?: R2BucketLike;
  DB?: D1Binding;
  KEY_LIMITS?: KeyLimitsNamespace;
  USAGE_QUEUE?: UsageQueueProducer;
};

interface Isolate {
  app: Hono<GatewayEnv>;
  config: Config;
  metering?: WorkersMetering;
}

let cached: Isolate | undefined;

/**
 * @throws ConfigError on an invalid bundled config or override; Error when `DB` is bound without `KEY_LIMITS`
 */
function isolateFor(env: WorkerBindings): Isolate {
  if (cached) return cached;
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
  let metering: WorkersMetering | undefined;
  if (env.DB) {
    if (!env.KEY_LIMITS) throw new Error('the D1 binding DB needs the Durable Object binding KEY_LIMITS (wrangler.toml)');
    metering = createWorkersMetering({
      database: env.DB,
      keyLimits: env.KEY_LIMITS,
      ...(env.USAGE_QUEUE ? { usageQueue: env.USAGE_QUEUE } : {}),
      prices: config.metering.prices,
      waitUntil,
      logger,
    });
  }
  const app = createApp({
    config,
    registry,
    logger,
    edge,
    ...(metering ? { metering } : {}),
    ...(strings.DISTILLGATE_ADMIN_TOKEN ? { adminToken: strings.DISTILLGATE_ADMIN_TOKEN } : {}),
  });
  cached = { app, config, ...(metering ? { metering } : {}) };
  return cached;
}

export default {
  async fetch(request: Request, env: WorkerBindings, ctx: ExecutionContext): Promise<Response> {
    const { app, metering } = isolateFor(env);
    await metering?.ready(); // config prices into D1, once per isolate
    return app.fetch(request, env, ctx);
  },

  /**
   * Usage messages from `USAGE_QUEUE` (the consumer in wrangler.toml): each is written into D1 with
   * insert-or-ignore by request id and acked, or retried when its write fails. Needs no config, so
   * it builds no app: a queue() isolate never loads the edge model.
   * @throws Error when `DB` is not bound (the runtime retries the whole batch)
   */
  async queue(batch: UsageQueueBatch, env: WorkerBindings): Promise<void> {
    if (!env.DB) throw new Error('the usage queue consumer needs the D1 binding DB (wrangler.toml)');
    const level = typeof env.DISTILLGATE_LOG_LEVEL === 'string' ? (env.DISTILLGATE_LOG_LEVEL as 'info') : 'info';
    await consumeUsageQueue(env.DB, batch, createJsonLogger(level));
  },
};
