/**
 * Admission of one validated request for an API key (DESIGN.md §5 "Tokens and limits", "Errors"):
 *
 *   allowed models (403) → worst-case tokens = prompt estimate + effective max_tokens × n →
 *   RPM/TPM window (429 requests|tokens) → budget reservation of the worst-case cost (429
 *   insufficient_quota) → a RequestMeter holding both until the request ends.
 *
 * The worst case is taken over every target the request may fail over to: the largest effective
 * max_tokens (a target's context length − prompt when `max_tokens` is absent) and the highest price.
 * A refusal writes the request's usage row (`status: rate_limited`, cost 0) before answering.
 */
import type { Config, Price } from '@distillgate/config';
import { type ApiKey, getPrice, toUsdPerMTok } from '@distillgate/db';
import { costMicroUsd } from '@distillgate/metering';
import { errors } from '@distillgate/protocol';
import type { Endpoint, Logger, Target } from '@distillgate/router';
import { countChatPrompt, countCompletionPrompt, effectiveMaxTokens, estimateWorstCase, loadTokenCounter } from '@distillgate/tokenizers';
import type { EdgeProvider } from '../edge/provider.ts';
import type { GatewayMetrics } from '../metrics/index.ts';
import type { MeteringBackend } from './backend.ts';
import { type RequestMeter, SqlRequestMeter } from './meter.ts';

/** Context window assumed for an edge model not loaded yet (its manifest is not read yet). @unit tokens */
const EDGE_CONTEXT_FALLBACK = 2048;

export interface AdmissionInput {
  backend: MeteringBackend;
  config: Config;
  logger: Logger;
  edge?: EdgeProvider;
  key: ApiKey | null;
  requestId: string;
  endpoint: Endpoint;
  /** The validated, normalised body. */
  request: { model: string; stream?: boolean | null; max_tokens?: number; n?: number; messages?: unknown; prompt?: unknown };
  targets: readonly Target[];
  /** performance.now() at arrival. */
  startedMs: number;
  /** Counts the request when its meter ends. */
  metrics?: GatewayMetrics;
}

/**
 * @throws GatewayError 403 model_not_allowed, 429 rate_limit_exceeded (type requests|tokens, with
 *   Retry-After and x-ratelimit-*), 429 insufficient_quota
 */
export async function admit(input: AdmissionInput): Promise<RequestMeter> {
  const { backend, key, request, targets } = input;
  if (key?.allowedModels && !key.allowedModels.includes(request.model)) throw errors.modelNotAllowed(request.model);

  await loadTokenCounter(); // once per process / isolate (workerd builds its WASM encoder here)
  const promptTokens = estimatePrompt(input);
  const n = (request.n ?? 1) * promptCount(request.prompt);
  const prices = await priceSnapshot(backend, targets);
  let worstTokens = 0;
  let worstCost = 0;
  for (const target of targets) {
    const context = contextLength(input, target);
    // no target generates past its context, whatever max_tokens asks (a larger one fails there)
    const maxTokens = Math.min(effectiveMaxTokens({ maxTokens: request.max_tokens, contextLength: context, promptTokens }), context);
    const tokens = estimateWorstCase({ promptTokens, maxTokens, n });
    worstTokens = Math.max(worstTokens, tokens);
    const cost = costMicroUsd({ prompt_tokens: promptTokens, completion_tokens: tokens - promptTokens }, prices.get(target.model));
    worstCost = Math.min(Number.MAX_SAFE_INTEGER, Math.max(worstCost, cost));
  }

  const init = {
    backend,
    logger: input.logger,
    requestId: input.requestId,
    keyId: key?.id ?? null,
    requestedModel: request.model,
    stream: request.stream === true,
    promptTokensEstimate: promptTokens,
    prices,
    startedMs: input.startedMs,
    ...(input.metrics ? { metrics: input.metrics } : {}),
  };
  if (!key) return new SqlRequestMeter({ ...init, hold: null, headers: {} });
  // a request larger than the key's whole minute can never pass: no point telling it to retry
  if (key.tpm !== null && worstTokens > key.tpm) {
    new SqlRequestMeter({ ...init, hold: null, headers: {} }).end({ status: 'rate_limited' });
    throw errors.invalidValue(
      'max_tokens',
      `This request may use up to ${worstTokens} tokens (prompt + max_tokens × n), more than this key's limit of ${key.tpm} tokens per minute. Lower max_tokens.`,
    );
  }
  const decision = await backend.limits.admit(key, { tokens: worstTokens, costMicroUsd: worstCost });
  if (!decision.ok) {
    new SqlRequestMeter({ ...init, hold: null, headers: decision.headers }).end({ status: 'rate_limited' });
    throw decision.error;
  }
  return new SqlRequestMeter({ ...init, hold: decision.hold, headers: decision.headers });
}

/** tiktoken count of the prompt (chat: with the per-message overhead). */
function estimatePrompt(input: AdmissionInput): number {
  const { request } = input;
  if (input.endpoint === 'chat.completions') return countChatPrompt(request.messages as Parameters<typeof countChatPrompt>[0]);
  return countCompletionPrompt(request.prompt as Parameters<typeof countCompletionPrompt>[0]);
}

/** Prompts in a legacy batch (`prompt` as a list of strings or of token-id lists), else 1. */
function promptCount(prompt: unknown): number {
  if (!Array.isArray(prompt) || prompt.length === 0) return 1;
  return typeof prompt[0] === 'number' ? 1 : prompt.length;
}

/** Context window of a target's model: the upstream's `contextLength`, or the edge manifest's. */
function contextLength(input: AdmissionInput, target: Target): number {
  if (target.kind === 'edge') return input.edge?.models().find((m) => m.id === target.model)?.contextLength ?? EDGE_CONTEXT_FALLBACK;
  return input.config.upstreams.find((u) => u.name === target.member)?.contextLength ?? EDGE_CONTEXT_FALLBACK;
}

/** The price of every target's model now (the editable table), so one request sees one price. */
async function priceSnapshot(backend: MeteringBackend, targets: readonly Target[]): Promise<Map<string, Price | undefined>> {
  const prices = new Map<string, Price | undefined>();
  for (const { model } of targets) {
    if (prices.has(model)) continue;
    const stored = await getPrice(backend.db, model);
    prices.set(model, stored ? toUsdPerMTok(stored) : undefined);
  }
  return prices;
}
