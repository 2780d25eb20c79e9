/**
 * A validated OpenAI body (packages/protocol) → the engine's GenerationRequest, for the worker.
 * Beyond the gateway's edge mapping it serves the teacher-scoring contract (DESIGN.md §5): `echo`
 * (prompt logprobs via the engine's `prompt_logprobs`), `max_tokens: 0`, legacy `logprobs` ≤ 20 and
 * vLLM's `return_tokens_as_token_ids`. What the engine cannot do is a 400 with its `param`, never
 * silently ignored.
 */
import type { GenerationRequest, LogprobsShape } from '@distillgate/edge-model';
import { errors } from '@distillgate/protocol';

export type Endpoint = 'chat.completions' | 'completions';
type Body = Record<string, unknown>;

export interface WorkerRequest {
  generation: GenerationRequest;
  logprobs: LogprobsShape;
  /** Legacy `echo: true`. */
  echo: boolean;
  stream: boolean;
  includeUsage: boolean;
}

const nonZero = (v: unknown) => typeof v === 'number' && v !== 0;
const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : typeof v === 'object' && v !== null && Object.keys(v).length > 0);

/** One line per refusal: [param, when, message]. */
const UNSUPPORTED: Array<[string, (b: Body) => boolean, string]> = [
  ['n', (b) => typeof b.n === 'number' && b.n > 1, 'This server returns one choice; n must be 1.'],
  ['best_of', (b) => typeof b.best_of === 'number' && b.best_of > 1, 'This server returns one candidate; best_of must be 1.'],
  ['presence_penalty', (b) => nonZero(b.presence_penalty), 'presence_penalty is not applied here.'],
  ['frequency_penalty', (b) => nonZero(b.frequency_penalty), 'frequency_penalty is not applied here.'],
  ['logit_bias', (b) => nonEmpty(b.logit_bias), 'logit_bias is not applied here.'],
  ['tools', (b) => nonEmpty(b.tools) && b.tool_choice !== 'none', 'This model cannot call tools.'],
  ['suffix', (b) => typeof b.suffix === 'string' && b.suffix !== '', 'This model does not insert text (suffix).'],
  [
    'response_format',
    (b) => typeof b.response_format === 'object' && b.response_format !== null && (b.response_format as Body).type !== 'text',
    'This model cannot guarantee JSON output (response_format); only {"type": "text"} is accepted.',
  ],
  [
    'return_tokens_as_token_ids',
    (b) =>
      b.return_tokens_as_token_ids !== undefined &&
      b.return_tokens_as_token_ids !== null &&
      typeof b.return_tokens_as_token_ids !== 'boolean',
    'return_tokens_as_token_ids must be a boolean.',
  ],
  ['min_tokens', (b) => nonZero(b.min_tokens), 'min_tokens is not applied here.'],
  ['ignore_eos', (b) => b.ignore_eos === true, 'ignore_eos is not applied here.'],
  [
    'repetition_penalty',
    (b) => typeof b.repetition_penalty === 'number' && b.repetition_penalty !== 1,
    'repetition_penalty is not applied here.',
  ],
];

/** @throws GatewayError 400 for a parameter the engine cannot honour */
export function toWorkerRequest(endpoint: Endpoint, body: Body): WorkerRequest {
  for (const [param, when, message] of UNSUPPORTED) if (when(body)) throw errors.invalidValue(param, message);
  const generation: GenerationRequest = {};
  if (typeof body.temperature === 'number') generation.temperature = body.temperature;
  // top_p → 0 keeps only the most likely token: the engine's nucleus needs top_p > 0
  if (body.top_p === 0) generation.top_k = 1;
  else if (typeof body.top_p === 'number') generation.top_p = body.top_p;
  if (typeof body.top_k === 'number' && generation.top_k !== 1) generation.top_k = Math.max(0, body.top_k); // vLLM: -1 = off
  if (typeof body.seed === 'number') generation.seed = body.seed;
  if (typeof body.max_tokens === 'number') generation.max_tokens = body.max_tokens;
  if (Array.isArray(body.stop)) generation.stop = body.stop as string[];
  if (body.return_tokens_as_token_ids === true) generation.return_tokens_as_token_ids = true;
  const stream = body.stream === true;
  const includeUsage = stream && (body.stream_options as Body | undefined)?.include_usage === true;

  if (endpoint === 'chat.completions') {
    generation.messages = body.messages as GenerationRequest['messages'];
    if (body.logprobs !== true) return { generation, logprobs: null, echo: false, stream, includeUsage };
    generation.logprobs = true;
    generation.top_logprobs = typeof body.top_logprobs === 'number' ? body.top_logprobs : 0;
    return { generation, logprobs: 'chat', echo: false, stream, includeUsage };
  }
  generation.prompt = singlePrompt(body.prompt);
  const echo = body.echo === true;
  const k = typeof body.logprobs === 'number' ? body.logprobs : null;
  if (echo) generation.prompt_logprobs = k ?? 0;
  if (k !== null) {
    generation.logprobs = true;
    generation.top_logprobs = k;
  }
  return { generation, logprobs: k === null ? null : 'legacy', echo, stream, includeUsage };
}

/** A legacy `prompt`: text or token ids, or a batch of exactly one of them. */
function singlePrompt(prompt: unknown): string | number[] {
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt) && prompt.every((p) => typeof p === 'number')) return prompt as number[];
  if (Array.isArray(prompt) && prompt.length === 1) return singlePrompt(prompt[0]);
  throw errors.invalidValue('prompt', 'Send a single prompt per request (text or token ids).');
}
