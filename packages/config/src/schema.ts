/**
 * The gateway's configuration schema (DESIGN.md §5 "Config"). One file, `distillgate.config.json`,
 * validated at start. Each part of the system adds keys only inside its own section.
 *
 * Units are in the key names: `...Ms` milliseconds, `...Bytes` bytes, `...UsdPerMTok` US dollars
 * per one million tokens.
 */
import { z } from 'zod';

/** Per-upstream timeouts. All in milliseconds. */
export const upstreamTimeoutsSchema = z.strictObject({
  /** TCP/TLS connect. Enforced by the Node transport; on Workers it is folded into `firstByteMs`. @default 5000 */
  connectMs: z.int().positive().default(5_000),
  /** From sending the request to the response headers and first body bytes; when streaming, to the first chunk with content (role-only chunks and keep-alive comments do not count). @default 60000 */
  firstByteMs: z.int().positive().default(60_000),
  /** Longest silence between two body chunks once the body has started. @default 30000 */
  idleMs: z.int().positive().default(30_000),
});

/**
 * Health of one upstream as a member of a `pool` alias: active checks (Node only; Workers rely on
 * the passive ones) and the circuit breaker that passive failures (connect errors, timeouts, 5xx,
 * broken streams) trip.
 */
export const upstreamHealthSchema = z.strictObject({
  /** Path GETed on the upstream's origin by the active check; any 2xx is healthy (vLLM and our gpu-worker: `/health`; others: `/v1/models`). @default "/health" */
  path: z.string().startsWith('/').default('/health'),
  /** Interval between active checks. @unit ms @default 5000 */
  healthCheckMs: z.int().positive().default(5_000),
  /**
   * Prometheus path on the upstream's origin scraped at each passing active check for
   * `vllm:num_requests_waiting`, which the balancer adds to the member's in-flight count (vLLM and
   * our gpu-worker: `/metrics`). @default none (balance on the gateway's own in-flight count only)
   */
  metricsPath: z.string().startsWith('/').optional(),
  /** An active check (and a metrics scrape) that takes longer fails. @unit ms @default 2000 */
  timeoutMs: z.int().positive().default(2_000),
  /** Consecutive failed attempts that open the member's circuit breaker. @default 3 */
  failureThreshold: z.int().positive().default(3),
  /** How long an open breaker keeps the member out before one half-open probe request. @unit ms @default 5000 */
  cooldownMs: z.int().positive().default(5_000),
});

/** One OpenAI-compatible upstream (our gpu-worker, vLLM, any `/v1/chat/completions` server). */
export const upstreamSchema = z.strictObject({
  /** Unique name, referenced by `models{}.targets[].upstream`. */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only'),
  /** Base URL including the API prefix, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: z.url({ protocol: /^https?$/ }),
  /**
   * Bearer credential sent to the upstream. Use `env:NAME` to read it from the environment at start
   * (never logged, never returned to clients).
   */
  apiKey: z.string().min(1).optional(),
  /** Model ids this upstream serves; a request for one of them goes here when no alias matches. */
  models: z.array(z.string().min(1)).min(1),
  /** Version reported in `x-distillgate-model: <id>@<version>`. @default "upstream" */
  version: z.string().min(1).default('upstream'),
  /**
   * Context window of the upstream's models, tokens (prompt + completion). Admission reserves
   * `contextLength − prompt_tokens` for a request without `max_tokens` (DESIGN.md §5). @default 8192
   */
  contextLength: z.int().positive().default(8192),
  timeouts: upstreamTimeoutsSchema.default(upstreamTimeoutsSchema.parse({})),
  health: upstreamHealthSchema.default(upstreamHealthSchema.parse({})),
});

/** A routing target on the upstream pool: an upstream and, optionally, the model id to ask it for. */
export const poolTargetSchema = z.strictObject({
  upstream: z.string().min(1),
  /** Model id sent upstream; defaults to the upstream's first model. */
  model: z.string().min(1).optional(),
});

/** A routing target served in-process by an edge model (one of `edge.models`). */
export const edgeTargetSchema = z.strictObject({
  /** Edge model id, e.g. `distillgate-student`. */
  edge: z.string().min(1),
});

/** One routing target of a model alias: `{ "upstream", "model"? }` or `{ "edge" }`. */
export const targetSchema = z.union([poolTargetSchema, edgeTargetSchema], {
  error: 'a target is {"upstream": <upstream name>, "model"?: <model id>} or {"edge": <edge model id>}',
});

/** Policies that choose between the edge student and the pool per request (packages/router `routing/`). */
export const ROUTED_POLICIES = ['rules', 'cascade', 'learned'] as const;

/**
 * A model alias (e.g. `auto`). `failover`: try targets in order, moving on only before the first
 * byte reached the client (an edge target also moves on when it is overloaded, unavailable, or
 * cannot serve the request: context too long, an unsupported parameter). `pool`: the targets
 * (upstreams only) are balanced by power-of-two-choices on outstanding requests, skipping members
 * that are unhealthy, cooling down (breaker open) or inside their Retry-After window; the others
 * are the failover order.
 *
 * Routed policies (`rules`, `cascade`, `learned`; settings in `routing.aliases.<alias>`): the first
 * target is the edge student, the others upstreams (the pool, balanced). `rules`: hard rules, else
 * the edge. `cascade`: rules, else the student drafts K tokens and escalates to the pool when its
 * confidence is below the threshold. `learned`: rules, else a classifier on prompt features picks.
 */
export const modelAliasSchema = z.strictObject({
  policy: z.enum(['failover', 'pool', ...ROUTED_POLICIES]).default('failover'),
  targets: z.array(targetSchema).min(1),
});

/**
 * Models served in-process by `@distillgate/edge-model` (Node: in a `worker_threads` worker;
 * Workers: in the isolate). Files: `<modelsDir>/<id>/channels.json` names the live version,
 * `<modelsDir>/<id>/<version>/` holds model.onnx, tokenizer.json, manifest.json (DESIGN.md §3).
 */
export const edgeSchema = z.strictObject({
  /** Directory holding one folder per edge model; relative paths are resolved against the working directory (Node only). @default "models" */
  modelsDir: z.string().min(1).default('models'),
  /** Edge model ids served, each a folder under `modelsDir`; requests may name them directly or through `models{}` targets. @default ["distillgate-student"] */
  models: z.array(z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')).default(['distillgate-student']),
  /** Generations decoding at once per loaded model version. @default 4 */
  maxConcurrent: z.int().positive().default(4),
  /** Generations waiting for a decoding slot per loaded model version; beyond that → 429 `edge_overloaded` or the next target. @default 16 */
  maxQueued: z.int().min(0).default(16),
  /**
   * ONNX Runtime that runs edge models on Node: `web` = onnxruntime-web, WASM SIMD, one thread (what
   * the Workers edge runs); `node` = onnxruntime-node, native, one thread (for comparison only).
   * @default "web"
   */
  runtime: z.enum(['web', 'node']).default('web'),
  /** How often channels.json's mtime is checked, so a new live version is served without a restart. @default 1000 @unit ms */
  channelsCheckMs: z.int().positive().default(1000),
});

export const serverSchema = z.strictObject({
  /** TCP port of the Node server. @default 8787 */
  port: z.int().min(0).max(65_535).default(8787),
  /** Listen address. @default "127.0.0.1" */
  host: z.string().min(1).default('127.0.0.1'),
  /** Largest accepted request body. @default 1048576 (1 MiB) */
  maxBodyBytes: z.int().positive().default(1_048_576),
  cors: z
    .strictObject({
      /** Allowed browser origins (exact match, or "*"). @default [] (no CORS) */
      origins: z.array(z.string().min(1)).default([]),
    })
    .default({ origins: [] }),
});

/** Default list price of a model, seeding the editable price table (metering). */
/**
 * A record keyed by client-supplied ids (model names). Parsed into a null-prototype object so a
 * lookup of `__proto__`, `constructor` or `toString` finds nothing instead of Object.prototype's
 * members.
 */
function idRecord<T extends z.ZodType>(value: T) {
  return z.record(z.string().min(1), value).transform((r) => Object.assign(Object.create(null) as Record<string, z.output<T>>, r));
}

export const priceSchema = z.strictObject({
  /** USD per 1M prompt tokens; × tokens gives micro-USD directly. */
  inputUsdPerMTok: z.number().min(0),
  /** USD per 1M completion tokens. */
  outputUsdPerMTok: z.number().min(0),
});

export const meteringSchema = z.strictObject({
  /** Model id → price, seeding the editable price table on first start. A model without a price costs 0. @default {} */
  prices: idRecord(priceSchema).prefault({}),
  /**
   * Whether `/v1/*` needs `Authorization: Bearer <API key>` (keys from the admin API). Off only for
   * trusted local set-ups: requests are then metered under no key and no limits apply. @default true
   */
  requireApiKey: z.boolean().default(true),
  /** The embedded SQLite file on Node (created and migrated at start; Workers use D1). @default ".data/distillgate.sqlite" */
  database: z.string().min(1).default('.data/distillgate.sqlite'),
});

/** The distillation job's gateway-side knobs (DESIGN.md §5 "Config": section `distill`). */
export const distillSchema = z.strictObject({
  /**
   * Store the prompt of every request the pool served (table `captured_prompts`) for
   * `npm run distill -- --captured <database file>`. Holds prompt text: opt-in. @default false
   */
  capturePrompts: z.boolean().default(false),
});

/** A learned router model (packages/router `routing/learned.ts`), written by `npm run eval:routing`. */
export const learnedRouterModelSchema = z
  .strictObject({
    /** Feature layout 1: 9 dense features (router `prompt-features.ts` DENSE_FEATURES) + hashed words. */
    featureVersion: z.literal(1),
    hashBuckets: z.int().min(0).max(4096),
    mean: z.array(z.number()).length(9),
    scale: z.array(z.number().positive()).length(9),
    weights: z.array(z.number()),
    bias: z.number(),
  })
  .refine((m) => m.weights.length === m.mean.length + m.hashBuckets, {
    message: 'weights must have one entry per feature: 9 dense + hashBuckets',
    path: ['weights'],
  });

/** Routing settings of one routed alias (`models.<alias>.policy` rules | cascade | learned). */
export const routingAliasSchema = z.strictObject({
  /** Hard rules, checked first by every routed policy. */
  rules: z
    .strictObject({
      /** Prompts longer than this many tokens (tiktoken estimate) go to the pool. @default none */
      maxPromptTokens: z.int().positive().optional(),
      /** Requests with a larger `max_tokens` go to the pool. @default none */
      maxCompletionTokens: z.int().positive().optional(),
      /** API key id → forced route (`edge` | `pool`). @default {} */
      keys: idRecord(z.enum(['edge', 'pool'])).prefault({}),
      /** Whether the `x-distillgate-route: edge|pool` request header may force the route. @default true */
      headerOverride: z.boolean().default(true),
    })
    .prefault({}),
  cascade: z
    .strictObject({
      /**
       * K: tokens the student drafts before the gate decides; a stream sends nothing before the
       * decision, so K decode steps are the latency the gate adds. @default 8
       */
      probeTokens: z.int().min(1).max(64).default(8),
      /** Confidence signal (router `routing/confidence.ts`). @default "mean_logprob" */
      signal: z.enum(['mean_logprob', 'min_logprob', 'neg_entropy', 'mean_margin']).default('mean_logprob'),
      /** Stay on the edge when score ≥ threshold, in the signal's units; until calibration replaces it. @default -1.5 */
      threshold: z.number().default(-1.5),
    })
    .prefault({}),
  learned: z
    .strictObject({
      /** Stay on the edge when the predicted quality ≥ threshold, 0..1; until calibration replaces it. @default 0.9 */
      threshold: z.number().min(0).max(1).default(0.9),
      /** The trained model; required by policy `learned`. */
      model: learnedRouterModelSchema.optional(),
    })
    .prefault({}),
  shadow: z
    .strictObject({
      /**
       * Share of all requests on the alias also answered by the other side after the response (both
       * models at T = 0, scored by the teacher), 0..1. @default 0
       */
      share: z.number().min(0).max(1).default(0),
      /** Tokens each model generates in a shadow run. @default 32 */
      maxTokens: z.int().min(1).max(256).default(32),
    })
    .prefault({}),
  calibration: z
    .strictObject({
      /** Replace the configured threshold with the one calibrated from shadow records. @default true */
      enabled: z.boolean().default(true),
      /** Quality measure the target applies to: teacher-judged q, ROUGE-L F1, or strict agreement. @default "q" */
      measure: z.enum(['q', 'rouge_l', 'agreement']).default('q'),
      /** Quality the routed traffic must keep, relative to teacher-only (1). @default 0.95 */
      target: z.number().gt(0).max(1).default(0.95),
      /** Shadow records needed before a calibrated threshold replaces the configured one. @default 200 */
      minRecords: z.int().positive().default(200),
      /** Newest shadow records used. @default 5000 */
      windowRecords: z.int().positive().default(5000),
      /** Least time between two calibrations of the alias. @unit ms @default 60000 */
      everyMs: z.int().positive().default(60_000),
    })
    .prefault({}),
  /**
   * Canary decisions for the alias's edge model (channels.json `canary`, Node), from the shadow
   * records of each version, checked with each calibration: promote when the canary's mean quality
   * (calibration.measure) is not below live's by more than `maxQualityDrop` with 95 % confidence,
   * roll back when it is, else keep waiting.
   */
  canary: z
    .strictObject({
      /** @default true */
      enabled: z.boolean().default(true),
      /** Shadow records each version needs before a decision. @default 100 */
      minRecords: z.int().positive().default(100),
      /** Largest acceptable loss of mean quality (0..1). @default 0.02 */
      maxQualityDrop: z.number().min(0).max(1).default(0.02),
    })
    .prefault({}),
});

/** The router's section: settings per routed alias. */
export const routingSchema = z.strictObject({
  /** Alias → its routing settings (defaults apply to a routed alias not listed). @default {} */
  aliases: idRecord(routingAliasSchema).prefault({}),
});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    server: serverSchema.default(serverSchema.parse({})),
    upstreams: z.array(upstreamSchema).default([]),
    models: idRecord(modelAliasSchema).prefault({}),
    edge: edgeSchema.default(edgeSchema.parse({})),
    metering: meteringSchema.prefault({}),
    distill: distillSchema.prefault({}),
    routing: routingSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.upstreams.forEach((u, i) => {
      if (names.has(u.name)) {
        ctx.addIssue({ code: 'custom', path: ['upstreams', i, 'name'], message: `duplicate upstream name "${u.name}"` });
      }
      names.add(u.name);
    });
    const edgeModels = new Set<string>();
    config.edge.models.forEach((id, i) => {
      if (edgeModels.has(id)) ctx.addIssue({ code: 'custom', path: ['edge', 'models', i], message: `duplicate edge model "${id}"` });
      edgeModels.add(id);
    });
    for (const alias of Object.keys(config.routing.aliases)) {
      const policy = config.models[alias]?.policy;
      if (!policy || !(ROUTED_POLICIES as readonly string[]).includes(policy)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routing', 'aliases', alias],
          message: `"${alias}" is not a model alias with policy rules, cascade or learned`,
        });
      }
    }
    for (const [alias, def] of Object.entries(config.models)) {
      if ((ROUTED_POLICIES as readonly string[]).includes(def.policy)) checkRoutedAlias(config, alias, def, ctx);
      def.targets.forEach((t, j) => {
        if ('edge' in t && def.policy === 'pool') {
          ctx.addIssue({ code: 'custom', path: ['models', alias, 'targets', j], message: 'a "pool" alias balances upstreams only' });
        } else if ('edge' in t) {
          if (!edgeModels.has(t.edge)) {
            ctx.addIssue({
              code: 'custom',
              path: ['models', alias, 'targets', j, 'edge'],
              message: `unknown edge model "${t.edge}" (edge.models: ${[...edgeModels].join(', ') || 'none'})`,
            });
          }
        } else if (!names.has(t.upstream)) {
          ctx.addIssue({
            code: 'custom',
            path: ['models', alias, 'targets', j, 'upstream'],
            message: `unknown upstream "${t.upstream}" (known: ${[...names].join(', ') || 'none'})`,
          });
        }
      });
    }
  });

/** A routed alias: the edge student first, then upstreams only; `learned` needs its model. */
function checkRoutedAlias(
  config: { routing: z.output<typeof routingSchema> },
  alias: string,
  def: z.output<typeof modelAliasSchema>,
  ctx: z.RefinementCtx,
): void {
  const path = ['models', alias, 'targets'];
  if (!('edge' in (def.targets[0] as object)))
    ctx.addIssue({ code: 'custom', path: [...path, 0], message: `policy "${def.policy}" needs the edge student as its first target` });
  if (def.targets.length < 2)
    ctx.addIssue({ code: 'custom', path, message: `policy "${def.policy}" needs at least one upstream target after the edge` });
  def.targets.slice(1).forEach((t, j) => {
    if ('edge' in t)
      ctx.addIssue({ code: 'custom', path: [...path, j + 1], message: `policy "${def.policy}" has one edge target, the first` });
  });
  if (def.policy === 'learned' && !config.routing.aliases[alias]?.learned.model) {
    ctx.addIssue({
      code: 'custom',
      path: ['routing', 'aliases', alias, 'learned', 'model'],
      message: 'policy "learned" needs a trained model (npm run eval:routing writes one)',
    });
  }
}

/** The validated configuration, defaults filled in. */
export type Config = z.infer<typeof configSchema>;
export type UpstreamConfig = Config['upstreams'][number];
export type ModelAlias = Config['models'][string];
export type TargetConfig = z.infer<typeof targetSchema>;
export type EdgeConfig = Config['edge'];
export type Price = z.infer<typeof priceSchema>;
export type RoutingAliasConfig = z.infer<typeof routingAliasSchema>;
export type LearnedRouterModelConfig = z.infer<typeof learnedRouterModelSchema>;
