/** `client.completions`: `POST /v1/completions` (legacy text completions). */
import type { APIPromise } from '../api-promise.ts';
import type { Core, RequestOptions } from '../core.ts';
import type { Stream } from '../stream.ts';
import type {
  Completion,
  CompletionCreateParams,
  CompletionCreateParamsNonStreaming,
  CompletionCreateParamsStreaming,
} from '../types/completions.ts';

export class Completions {
  constructor(private readonly core: Core) {}

  /**
   * Creates a completion; with `stream: true`, a {@link Stream} of chunks.
   * @throws as {@link ChatCompletions.create}
   */
  create(body: CompletionCreateParamsStreaming, options?: RequestOptions): APIPromise<Stream<Completion>>;
  create(body: CompletionCreateParamsNonStreaming, options?: RequestOptions): APIPromise<Completion>;
  create(body: CompletionCreateParams, options?: RequestOptions): APIPromise<Completion> | APIPromise<Stream<Completion>>;
  create(body: CompletionCreateParams, options?: RequestOptions): APIPromise<Completion> | APIPromise<Stream<Completion>> {
    const req = { method: 'POST', path: '/v1/completions', body, auth: 'key' } as const;
    return body.stream === true ? this.core.stream<Completion>(req, options) : this.core.json<Completion>(req, options);
  }
}
