/** `client.chat.completions`: `POST /v1/chat/completions`. */
import type { APIPromise } from '../api-promise.ts';
import type { Core, RequestOptions } from '../core.ts';
import type { Stream } from '../stream.ts';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from '../types/chat.ts';

export class ChatCompletions {
  constructor(private readonly core: Core) {}

  /**
   * Creates a chat completion; with `stream: true`, a {@link Stream} of chunks.
   * `.withResponse()` adds the gateway's headers (route, model@version, cost, request id).
   * @throws APIError subclasses by status (BadRequestError 400, AuthenticationError 401, RequestTooLargeError 413, RateLimitError 429, …),
   *   APIConnectionError, APIConnectionTimeoutError, APIUserAbortError; a stream's iteration throws StreamError
   */
  create(body: ChatCompletionCreateParamsStreaming, options?: RequestOptions): APIPromise<Stream<ChatCompletionChunk>>;
  create(body: ChatCompletionCreateParamsNonStreaming, options?: RequestOptions): APIPromise<ChatCompletion>;
  create(body: ChatCompletionCreateParams, options?: RequestOptions): APIPromise<ChatCompletion> | APIPromise<Stream<ChatCompletionChunk>>;
  create(body: ChatCompletionCreateParams, options?: RequestOptions): APIPromise<ChatCompletion> | APIPromise<Stream<ChatCompletionChunk>> {
    const req = { method: 'POST', path: '/v1/chat/completions', body, auth: 'key' } as const;
    return body.stream === true ? this.core.stream<ChatCompletionChunk>(req, options) : this.core.json<ChatCompletion>(req, options);
  }
}

export class Chat {
  readonly completions: ChatCompletions;
  constructor(core: Core) {
    this.completions = new ChatCompletions(core);
  }
}
