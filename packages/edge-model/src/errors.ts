/**
 * Typed errors the engine throws; each carries the OpenAI error `code` the gateway maps it to
 * (DESIGN.md §5 error table, `errors.*` in packages/protocol).
 */

export abstract class EdgeModelError extends Error {
  abstract readonly code: string;
  /** The request field at fault, OpenAI's `param`. */
  readonly param: string | null;
  constructor(message: string, param: string | null = null) {
    super(message);
    this.name = new.target.name;
    this.param = param;
  }
}

/** 400 `context_length_exceeded`: prompt tokens + max_tokens > the model's context. */
export class ContextLengthExceededError extends EdgeModelError {
  readonly code = 'context_length_exceeded';
  /**
   * @param promptTokens the prompt's tokens, or a lower bound of them when `atLeast`
   * @param atLeast the prompt was refused from its length alone, without tokenizing it all
   */
  constructor(
    readonly promptTokens: number,
    readonly maxTokens: number,
    readonly contextLength: number,
    param: string | null = 'messages',
    atLeast = false,
  ) {
    const more = atLeast ? 'at least ' : '';
    super(
      `This model's maximum context length is ${contextLength} tokens. However, you requested ${more}` +
        `${promptTokens + maxTokens} tokens (${more}${promptTokens} in the prompt, ${maxTokens} for the completion).`,
      param,
    );
  }
}

/** 400 `invalid_value`: a generation parameter is out of range or unsupported by this model. */
export class InvalidGenerationRequestError extends EdgeModelError {
  readonly code = 'invalid_value';
}

/**
 * 429 `edge_overloaded`: `maxConcurrent` generations run and `maxQueued` wait.
 * `retryAfterMs` estimates when a queue place frees up (see scheduler.ts).
 */
export class EdgeOverloadedError extends EdgeModelError {
  readonly code = 'edge_overloaded';
  constructor(
    /** Suggested wait, ms (≥ 1000). */
    readonly retryAfterMs: number,
    readonly active: number,
    readonly queued: number,
  ) {
    super(`The edge model is overloaded (${active} running, ${queued} queued). Retry after ${Math.ceil(retryAfterMs / 1000)} s.`);
  }

  /** For the `Retry-After` header: whole seconds, rounded up. */
  get retryAfterSeconds(): number {
    return Math.ceil(this.retryAfterMs / 1000);
  }
}
