/** The bindings the workerd tests use (wrangler.toml + vitest.config.ts), on `env` from `cloudflare:workers`. */
declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    KEY_LIMITS: DurableObjectNamespace<import('../../apps/gateway/src/worker.ts').KeyLimitsObject>;
    MODELS: R2Bucket;
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
    /** vitest.config.ts: a queue consumed by the Worker's queue() handler (usage-queue.test.ts). */
    TEST_USAGE_QUEUE: Queue<import('@distillgate/db').UsageMessage>;
  }
}
