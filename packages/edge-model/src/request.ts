/**
 * A generation request (OpenAI parameter names; the gateway has already parsed the body with
 * packages/protocol) and its checks at the engine boundary: prompt → token ids, parameter ranges,
 * and the context limit (prompt + max_tokens ≤ context_length, DESIGN.md §5 "Tokens and limits").
 */
import { assertSupportedTemplate, type ChatMessageLike, renderChatPrompt } from './chat-template.ts';
import { ContextLengthExceededError, InvalidGenerationRequestError } from './errors.ts';
import { MAX_TOP_LOGPROBS } from './logprobs.ts';
import type { SamplingParams } from './sampling.ts';
import type { ModelTokenizer } from './tokenizer.ts';

export interface GenerationRequest extends SamplingParams {
  /** Exactly one of `prompt` (text or token ids, /v1/completions) and `messages` (/v1/chat/completions). */
  prompt?: string | readonly number[];
  messages?: readonly ChatMessageLike[];
  /** Completion tokens at most. @default context_length − prompt tokens */
  max_tokens?: number;
  /** Stop sequences; '' entries are ignored. */
  stop?: string | readonly string[] | null;
  /** Attach OpenAI logprob entries to token events. @default false */
  logprobs?: boolean;
  /** Alternatives per token, 0..20 (needs `logprobs`). @default 0 */
  top_logprobs?: number;
  /**
   * Score the prompt too (vLLM's `prompt_logprobs`): 0..20 alternatives per prompt token, reported
   * on the done event (OpenAI `echo` + `logprobs`). Allows `max_tokens: 0` (score only). @default off
   */
  prompt_logprobs?: number;
  /** Token strings in logprob entries as `"token_id:<n>"` (vLLM's field). @default false */
  return_tokens_as_token_ids?: boolean;
  /** Report the prompt's token ids on the done event (vLLM's `return_token_ids`; the router's shadow runs use them). @default false */
  return_token_ids?: boolean;
}

export interface PreparedRequest {
  promptIds: number[];
  maxTokens: number;
  sampling: SamplingParams;
  stop: string[];
  /** null = no logprobs; else how many alternatives per token. */
  topLogprobs: number | null;
  /** null = the prompt is not scored; else how many alternatives per prompt token. */
  promptLogprobs: number | null;
  tokensAsIds: boolean;
  /** Put `prompt_token_ids` on the done event. */
  returnTokenIds: boolean;
}

const invalid = (param: string, message: string) => new InvalidGenerationRequestError(message, param);

function checkRange(request: GenerationRequest): void {
  const { temperature, top_p, top_k, seed, max_tokens, top_logprobs, prompt_logprobs } = request;
  const scoring = prompt_logprobs !== undefined;
  if (temperature !== undefined && !(temperature >= 0 && temperature <= 2))
    throw invalid('temperature', 'temperature must be between 0 and 2.');
  if (top_p !== undefined && !(top_p > 0 && top_p <= 1)) throw invalid('top_p', 'top_p must be in (0, 1].');
  if (top_k !== undefined && !(Number.isInteger(top_k) && top_k >= 0)) throw invalid('top_k', 'top_k must be an integer ≥ 0 (0 = off).');
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw invalid('seed', 'seed must be an integer.');
  if (max_tokens !== undefined && !(Number.isInteger(max_tokens) && max_tokens >= (scoring ? 0 : 1)))
    throw invalid('max_tokens', `max_tokens must be an integer ≥ ${scoring ? 0 : 1}.`);
  if (scoring && !(Number.isInteger(prompt_logprobs) && prompt_logprobs >= 0 && prompt_logprobs <= MAX_TOP_LOGPROBS)) {
    throw invalid('prompt_logprobs', `prompt_logprobs must be an integer between 0 and ${MAX_TOP_LOGPROBS}.`);
  }
  if (top_logprobs !== undefined && !(Number.isInteger(top_logprobs) && top_logprobs >= 0 && top_logprobs <= MAX_TOP_LOGPROBS)) {
    throw invalid('top_logprobs', `top_logprobs must be an integer between 0 and ${MAX_TOP_LOGPROBS}.`);
  }
  if (top_logprobs !== undefined && top_logprobs > 0 && !request.logprobs)
    throw invalid('top_logprobs', 'top_logprobs requires logprobs: true.');
}

/**
 * The prompt's token ids. An empty prompt becomes [eos]: `<|endoftext|>` separates documents in
 * training (bpe.py `encode_splits`), so it is what the model saw before a document's first token.
 */
function promptIds(
  request: GenerationRequest,
  tokenizer: ModelTokenizer,
  chatTemplate: string | null | undefined,
  contextLength: number,
): number[] {
  if ((request.prompt === undefined) === (request.messages === undefined))
    throw invalid('prompt', 'Give exactly one of prompt and messages.');
  let ids: number[];
  if (request.messages !== undefined) {
    if (request.messages.length === 0) throw invalid('messages', 'messages must not be empty.');
    assertSupportedTemplate(chatTemplate);
    ids = encodeBounded(tokenizer, renderChatPrompt(request.messages), contextLength, 'messages');
  } else if (typeof request.prompt === 'string') {
    ids = encodeBounded(tokenizer, request.prompt, contextLength, 'prompt');
  } else {
    ids = [...request.prompt!];
    if (!ids.every((id) => Number.isInteger(id) && id >= 0 && id < tokenizer.size))
      throw invalid('prompt', `token ids must be in 0..${tokenizer.size - 1}.`);
  }
  if (ids.length === 0 && tokenizer.eosTokenId !== null) ids = [tokenizer.eosTokenId];
  if (ids.length === 0) throw invalid('prompt', 'The prompt is empty.');
  return ids;
}

/**
 * Encodes `text`, refusing at once text that cannot fit: a token covers at most `maxTokenBytes`
 * UTF-8 bytes and each UTF-16 unit is at least one byte, so ⌈length / maxTokenBytes⌉ bounds the
 * token count from below. A megabyte prompt is refused in microseconds instead of blocking the
 * thread while it is tokenized.
 * @throws ContextLengthExceededError when the bound already exceeds `contextLength`
 */
function encodeBounded(tokenizer: ModelTokenizer, text: string, contextLength: number, param: string): number[] {
  const atLeast = Math.ceil(text.length / tokenizer.maxTokenBytes);
  if (atLeast > contextLength) throw new ContextLengthExceededError(atLeast, 0, contextLength, param, true);
  return tokenizer.encode(text);
}

/**
 * @throws InvalidGenerationRequestError for a bad parameter or prompt
 * @throws ContextLengthExceededError when prompt + max_tokens > contextLength
 */
export function prepareRequest(
  request: GenerationRequest,
  tokenizer: ModelTokenizer,
  contextLength: number,
  chatTemplate?: string | null,
): PreparedRequest {
  checkRange(request);
  const ids = promptIds(request, tokenizer, chatTemplate, contextLength);
  const param = request.messages !== undefined ? 'messages' : 'prompt';
  const maxTokens = request.max_tokens ?? contextLength - ids.length;
  if (maxTokens < (request.prompt_logprobs === undefined ? 1 : 0) || ids.length + maxTokens > contextLength)
    throw new ContextLengthExceededError(
      ids.length,
      Math.max(request.prompt_logprobs === undefined ? 1 : 0, maxTokens),
      contextLength,
      param,
    );
  const stop = request.stop == null ? [] : typeof request.stop === 'string' ? [request.stop] : [...request.stop];
  return {
    promptIds: ids,
    maxTokens,
    sampling: { temperature: request.temperature, top_p: request.top_p, top_k: request.top_k, seed: request.seed },
    stop: stop.filter((s) => s !== ''),
    topLogprobs: request.logprobs ? (request.top_logprobs ?? 0) : null,
    promptLogprobs: request.prompt_logprobs ?? null,
    tokensAsIds: request.return_tokens_as_token_ids === true,
    returnTokenIds: request.return_token_ids === true,
  };
}
