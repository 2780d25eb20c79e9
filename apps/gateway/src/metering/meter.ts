/**
 * One request's meter (DESIGN.md §5 "Usage rows"): created at admission, told by the relay when
 * the first token went out and how many content chunks were relayed, and ended exactly once with
 * the request's status, who served it and the upstream's `usage` when it had one. Ending writes the
 * one usage row (insert-or-ignore by request id, retried in the background), settles the budget
 * reservation to the customer cost (or releases it) and the TPM window to the actual tokens.
 *
 * Counting: upstream (or edge engine) `usage` is the truth when present, an explicit 0 included;
 * otherwise prompt tokens are the admission estimate (tiktoken) and completion tokens the content
 * chunks relayed — one token per chunk, as our gpu-worker, vLLM and the edge send them — with
 * `usage_source = estimated`. Customer cost = those tokens × the served model's price; a request
 * that nothing served costs 0.
 */
import type { Price } from '@distillgate/config';
import type { UsageAttempt, UsageRecord, UsageStatus } from '@distillgate/db';
import { costMicroUsd, type TokenUsage } from '@distillgate/metering';
import type { Logger } from '@distillgate/router';
import { countTokens } from '@distillgate/tokenizers';
import type { Served } from '../completion/context.ts';
import type { GatewayMetrics } from '../metrics/index.ts';
import type { MeteringBackend } from './backend.ts';
import type { LimitHold } from './limits.ts';
import { writeWithRetries } from './write-gate.ts';

/** How a request ended, as the relay knows it. */
export interface MeterEnd {
  status: UsageStatus;
  served?: Served;
  /** The pool member that answered (null on the edge route). */
  member?: string | null;
  /** The response's own counts (upstream `usage`, or the edge engine's done event). */
  usage?: TokenUsage;
  /** `usage` is this gateway's estimate (`estimate()`), not the response's own counts. */
  estimated?: boolean;
  /** Every attempt of the failover, in order. */
  attempts?: ReadonlyArray<{ n: number; member: string; outcome: string; latencyMs: number; status?: number }>;
}

export interface RequestMeter {
  /** The price of a served model, from the snapshot taken at admission (undefined = free). */
  price(model: string): Price | undefined;
  /** Customer cost of `usage` on `model`, micro-USD (what headers and the usage chunk show). */
  cost(model: string, usage: TokenUsage): number;
  /**
   * Counts for a response that carried no `usage`: the admission's prompt estimate and the
   * completion text counted with tiktoken (0 where no counter is loaded).
   */
  estimate(completionText: string): TokenUsage;
  /** The first content token was sent to the client (time to first token). */
  firstToken(): void;
  /** `count` content chunks (≈ tokens) were sent to the client. */
  relayed(count?: number): void;
  /** The failover's attempts, for an `end` that does not bring its own (a stream ends later). */
  noteAttempts(attempts: NonNullable<MeterEnd['attempts']>): void;
  /**
   * What routing decided, for the usage row: the policy, its score, and internal cost (a cascade's
   * discarded student draft, micro-USD; added up over calls).
   */
  noteRouting(routing: { policy?: string; confidence?: number | null; internalCostMicroUsd?: number }): void;
  /** Records the request; later calls are ignored. */
  end(result: MeterEnd): void;
  /** Settles once the usage row was written (true) or lost / never written (false). */
  readonly recorded: Promise<boolean>;
  /** `x-ratelimit-*` headers of the admission decision (empty without limits). */
  readonly headers: Record<string, string>;
}

/**
 * A meter that writes nothing: prices from config, for a gateway without metering; it still feeds
 * the process's metrics.
 * @param startedMs performance.now() at arrival
 */
export function unmeteredRequest(
  prices: Record<string, Price>,
  metrics?: GatewayMetrics,
  startedMs: number = performance.now(),
): RequestMeter {
  let ttftMs: number | null = null;
  let ended = false;
  return {
    price: (model) => prices[model],
    cost: (model, usage) => costMicroUsd(usage, prices[model]),
    estimate: (text) => ({ prompt_tokens: 0, completion_tokens: countOrZero(text) }),
    firstToken() {
      ttftMs ??= Math.round(performance.now() - startedMs);
    },
    relayed() {},
    noteAttempts() {},
    noteRouting() {},
    end(result) {
      if (ended) return;
      ended = true;
      metrics?.request({ route: result.served?.route ?? null, status: result.status, ttftMs, latencyMs: performance.now() - startedMs });
    },
    recorded: Promise.resolve(false),
    headers: {},
  };
}

export interface MeterInit {
  backend: MeteringBackend;
  logger: Logger;
  requestId: string;
  keyId: string | null;
  requestedModel: string;
  stream: boolean;
  /** tiktoken estimate of the prompt, tokens. */
  promptTokensEstimate: number;
  prices: ReadonlyMap<string, Price | undefined>;
  /** The key's held admission (RPM/TPM and budget), or null without a key / on a refusal. */
  hold: LimitHold | null;
  headers: Record<string, string>;
  /** performance.now() at arrival. */
  startedMs: number;
  /** Counts the request when it ends (`GET /metrics`). */
  metrics?: GatewayMetrics;
}

export class SqlRequestMeter implements RequestMeter {
  private ended = false;
  private ttftMs: number | null = null;
  private relayedChunks = 0;
  private attempts: NonNullable<MeterEnd['attempts']> = [];
  private routingPolicy: string | null = null;
  private confidence: number | null = null;
  private internalCostMicroUsd = 0;
  private resolveRecorded: (written: boolean) => void = () => {};
  readonly recorded = new Promise<boolean>((resolve) => {
    this.resolveRecorded = resolve;
  });

  constructor(private readonly init: MeterInit) {}

  noteRouting(routing: { policy?: string; confidence?: number | null; internalCostMicroUsd?: number }): void {
    if (routing.policy !== undefined) this.routingPolicy = routing.policy;
    if (routing.confidence !== undefined) this.confidence = routing.confidence;
    this.internalCostMicroUsd += Math.max(0, Math.round(routing.internalCostMicroUsd ?? 0));
  }

  get headers(): Record<string, string> {
    return this.init.headers;
  }

  price(model: string): Price | undefined {
    return this.init.prices.get(model);
  }

  cost(model: string, usage: TokenUsage): number {
    return costMicroUsd(usage, this.price(model));
  }

  estimate(completionText: string): TokenUsage {
    return { prompt_tokens: this.init.promptTokensEstimate, completion_tokens: countOrZero(completionText) };
  }

  firstToken(): void {
    this.ttftMs ??= Math.round(performance.now() - this.init.startedMs);
  }

  relayed(count = 1): void {
    this.relayedChunks += count;
  }

  noteAttempts(attempts: NonNullable<MeterEnd['attempts']>): void {
    this.attempts = attempts;
  }

  end(result: MeterEnd): void {
    if (this.ended) return;
    this.ended = true;
    const { init } = this;
    const served = result.served;
    const usage = result.usage;
    const promptTokens = usage?.prompt_tokens ?? (served ? init.promptTokensEstimate : 0);
    const completionTokens = usage?.completion_tokens ?? this.relayedChunks;
    const costMicroUsd = served ? this.cost(served.model, { prompt_tokens: promptTokens, completion_tokens: completionTokens }) : 0;
    const row = {
      requestId: init.requestId,
      keyId: init.keyId,
      requestedModel: init.requestedModel,
      servedModel: served?.model ?? null,
      servedModelVersion: served?.version ?? null,
      route: served?.route ?? null,
      upstreamMember: result.member ?? null,
      stream: init.stream,
      promptTokens,
      completionTokens,
      usageSource: usage && !result.estimated ? ('upstream' as const) : ('estimated' as const),
      costMicroUsd,
      internalCostMicroUsd: this.internalCostMicroUsd,
      routingPolicy: this.routingPolicy,
      confidence: this.confidence,
      latencyMs: Math.max(0, Math.round(performance.now() - init.startedMs)),
      ttftMs: this.ttftMs,
      status: result.status,
      attempts: (result.attempts ?? this.attempts).map(toAttempt),
    };
    init.metrics?.request({ route: row.route, status: row.status, ttftMs: row.ttftMs, latencyMs: row.latencyMs });
    const used = { tokens: served ? promptTokens + completionTokens : 0, costMicroUsd };
    init.backend.background(this.persist(row, used));
  }

  /** Writes the row (retrying), then settles the key's hold to what the request used. */
  private async persist(row: UsageRecord, used: { tokens: number; costMicroUsd: number }): Promise<void> {
    const { backend, logger, hold, requestId } = this.init;
    const detail = (err: unknown) => ({ request_id: requestId, error: err instanceof Error ? err.message : String(err) });
    try {
      // an invalid row (RangeError/TypeError from the sink's checks) never succeeds: not retried
      await writeWithRetries(
        () => backend.sink.record(row),
        backend.writes,
        (err) => err instanceof RangeError || err instanceof TypeError,
      );
      this.resolveRecorded(true);
    } catch (err) {
      logger.error('usage row lost', detail(err));
      this.resolveRecorded(false);
    }
    if (!hold) return;
    await writeWithRetries(() => backend.limits.settle(hold, used), backend.writes).catch((err: unknown) =>
      logger.error('limit settlement failed', detail(err)),
    );
  }
}

/** tiktoken count of `text`, or 0 where the counter is not loaded (workerd before any admission). */
function countOrZero(text: string): number {
  if (text === '') return 0;
  try {
    return countTokens(text);
  } catch {
    return 0;
  }
}

function toAttempt(a: NonNullable<MeterEnd['attempts']>[number]): UsageAttempt {
  return { n: a.n, member: a.member, outcome: a.status !== undefined ? `${a.outcome}_${a.status}` : a.outcome, latencyMs: a.latencyMs };
}
