/**
 * A validated OpenAI request body (packages/protocol) → the edge engine's GenerationRequest.
 * Runtime-agnostic: the Node and Workers providers both receive what this builds.
 *
 * Mapped: temperature, top_p, seed, stop, max_tokens (max_completion_tokens is already folded into
 * it), chat `logprobs`/`top_logprobs`, legacy `logprobs: k`, and vLLM's `top_k` (an extension
 * field passed through). `top_p: 0` keeps only the most likely token, so it is sent as `top_k: 1`
 * (the engine's nucleus needs top_p > 0; the limit p → 0 is the argmax).
 *
 * What the edge engine cannot do is refused, never ignored (STYLE.md: no silent clamping): each row
 * of UNSUPPORTED is a 400 with its `param` — through an alias the next target gets the request.
 */
import type { GenerationRequest } from '@distillgate/edge-model';
import { InvalidGenerationRequestError } from '@distillgate/edge-model/errors';
import type { Endpoint, JsonObject } from '@distillgate/router';

/** How logprobs go on the wire: chat entries, the legacy `{tokens, token_logprobs, …}` object, or none. */
export type LogprobsShape = 'chat' | 'legacy' | null;

export interface EdgeRequest {
  generation: GenerationRequest;
  logprobs: LogprobsShape;
}

interface Unsupported {
  param: string;
  /** Only on this endpoint (both when absent). */
  endpoint?: Endpoint;
  /** True when the request asks for something the edge engine cannot do. */
  when: (body: JsonObject) => boolean;
  message: string;
}

const nonZero = (v: unknown) => typeof v === 'number' && v !== 0;
const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : typeof v === 'object' && v !== null && Object.keys(v).length > 0);

/** Requests edge models refuse, one line each (the engine decodes one text sequence, nothing more). */
const UNSUPPORTED: Unsupported[] = [
  { param: 'n', when: (b) => typeof b.n === 'number' && b.n > 1, message: 'Edge models return one choice; n must be 1.' },
  { param: 'presence_penalty', when: (b) => nonZero(b.presence_penalty), message: 'Edge models do not apply presence_penalty.' },
  { param: 'frequency_penalty', when: (b) => nonZero(b.frequency_penalty), message: 'Edge models do not apply frequency_penalty.' },
  { param: 'logit_bias', when: (b) => nonEmpty(b.logit_bias), message: 'Edge models do not apply logit_bias.' },
  {
    param: 'tools',
    endpoint: 'chat.completions',
    when: (b) => nonEmpty(b.tools) && b.tool_choice !== 'none',
    message: 'Edge models cannot call tools.',
  },
  { param: 'functions', endpoint: 'chat.completions', when: (b) => nonEmpty(b.functions), message: 'Edge models cannot call functions.' },
  {
    param: 'response_format',
    endpoint: 'chat.completions',
    when: (b) => typeof b.response_format === 'object' && (b.response_format as JsonObject).type !== 'text',
    message: 'Edge models produce plain text only (response_format type "text").',
  },
  {
    param: 'modalities',
    endpoint: 'chat.completions',
    when: (b) => Array.isArray(b.modalities) && b.modalities.some((m) => m !== 'text'),
    message: 'Edge models produce text only.',
  },
  { param: 'echo', endpoint: 'completions', when: (b) => b.echo === true, message: 'Edge models do not echo the prompt.' },
  {
    param: 'best_of',
    endpoint: 'completions',
    when: (b) => typeof b.best_of === 'number' && b.best_of > 1,
    message: 'Edge models return one candidate; best_of must be 1.',
  },
  {
    param: 'suffix',
    endpoint: 'completions',
    when: (b) => typeof b.suffix === 'string' && b.suffix !== '',
    message: 'Edge models do not insert text (suffix).',
  },
];

/**
 * @param body the request as parsed by packages/protocol (nulls dropped, `stop` a non-empty array)
 * @throws InvalidGenerationRequestError (→ 400 `invalid_value` with `param`, or the next target)
 */
export function toEdgeRequest(endpoint: Endpoint, body: JsonObject): EdgeRequest {
  for (const rule of UNSUPPORTED) {
    if ((rule.endpoint === undefined || rule.endpoint === endpoint) && rule.when(body)) {
      throw new InvalidGenerationRequestError(rule.message, rule.param);
    }
  }
  const generation: GenerationRequest = {};
  if (typeof body.temperature === 'number') generation.temperature = body.temperature;
  if (body.top_p === 0) generation.top_k = 1;
  else if (typeof body.top_p === 'number') generation.top_p = body.top_p;
  if (body.top_k !== undefined && body.top_k !== null) {
    if (typeof body.top_k !== 'number') throw new InvalidGenerationRequestError('top_k must be an integer ≥ 0 (0 = off).', 'top_k');
    // vLLM's -1 means off, as the engine's 0 does
    generation.top_k = generation.top_k === 1 ? 1 : Math.max(0, body.top_k);
  }
  if (typeof body.seed === 'number') generation.seed = body.seed;
  if (typeof body.max_tokens === 'number') generation.max_tokens = body.max_tokens;
  if (Array.isArray(body.stop)) generation.stop = body.stop as string[];

  if (endpoint === 'chat.completions') {
    generation.messages = body.messages as GenerationRequest['messages'];
    if (body.logprobs === true) {
      generation.logprobs = true;
      generation.top_logprobs = typeof body.top_logprobs === 'number' ? body.top_logprobs : 0;
      return { generation, logprobs: 'chat' };
    }
    return { generation, logprobs: null };
  }
  generation.prompt = singlePrompt(body.prompt);
  if (typeof body.logprobs === 'number') {
    generation.logprobs = true;
    generation.top_logprobs = body.logprobs;
    return { generation, logprobs: 'legacy' };
  }
  return { generation, logprobs: null };
}

/** A legacy `prompt`: text or token ids, or a batch of exactly one of them. */
function singlePrompt(prompt: unknown): string | number[] {
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt) && prompt.every((p) => typeof p === 'number')) return prompt as number[];
  if (Array.isArray(prompt) && prompt.length === 1) return singlePrompt(prompt[0]);
  throw new InvalidGenerationRequestError('Edge models complete one prompt per request; send a single prompt.', 'prompt');
}
