/**
 * The gateway's error taxonomy (DESIGN.md §5 "Errors"): one class, one factory per table row, and
 * one place that turns an error into an OpenAI-style JSON response.
 *
 * Wire shape (OpenAI's envelope, spec component `ErrorResponse`):
 * `{"error": {"message": string, "type": string, "param": string | null, "code": string | null}}`.
 */

/** `error.type` values. `requests`/`tokens` name which rate limit was hit (429 only). */
export type ErrorType = 'invalid_request_error' | 'requests' | 'tokens' | 'insufficient_quota' | 'server_error';

/** `error.code` values: every code in DESIGN.md §5's table plus `invalid_json`. */
export type ErrorCode =
  // 400
  | 'invalid_json' // body is malformed JSON, empty, or not a JSON object
  | 'invalid_value'
  | 'missing_required_parameter'
  | 'context_length_exceeded'
  | 'idempotency_key_reused' // same Idempotency-Key, different body hash
  // 401 / 403 / 404 / 409 / 413 / 415
  | 'invalid_api_key'
  | 'model_not_allowed'
  | 'model_not_found'
  | 'idempotency_key_in_flight'
  | 'request_too_large'
  | 'unsupported_media_type'
  // 429
  | 'rate_limit_exceeded'
  | 'insufficient_quota'
  | 'edge_overloaded'
  // 5xx, and in-band on an SSE stream
  | 'upstream_error'
  | 'upstream_timeout'
  | 'model_unavailable'
  | 'database_busy' // 503: the metering database stayed locked past its busy timeout (Retry-After)
  | 'stream_truncated';

/** The JSON body of every error response, and of the in-band SSE error event. */
export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: ErrorCode | null };
}

/** Constructor argument of {@link GatewayError}. */
export interface GatewayErrorInit {
  /** HTTP status, e.g. 400. In-band stream errors carry the status they would have had. */
  status: number;
  type: ErrorType;
  code: ErrorCode;
  message: string;
  /** OpenAI-style path of the offending request field, e.g. `messages[0].content`. @default null */
  param?: string | null;
  /** Extra response headers, e.g. `retry-after`. Names are lower-case. @default {} */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error the gateway answers with; thrown anywhere, turned into JSON by {@link errorResponse}. */
export class GatewayError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly code: ErrorCode;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(init: GatewayErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'GatewayError';
    this.status = init.status;
    this.type = init.type;
    this.code = init.code;
    this.param = init.param ?? null;
    this.headers = init.headers ?? {};
  }

  /** The OpenAI envelope for this error. */
  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** `Retry-After` takes whole seconds (RFC 9110 §10.2.3); round up so clients never retry early. */
function retryAfter(seconds: number): string {
  return String(Math.max(0, Math.ceil(seconds)));
}

function invalidRequest(status: number, code: ErrorCode, message: string, param: string | null = null): GatewayError {
  return new GatewayError({ status, type: 'invalid_request_error', code, message, param });
}

/** One factory per row of DESIGN.md §5's error table. */
export const errors = {
  /** 400: a request field has a wrong type or value. */
  invalidValue: (param: string | null, message: string) => invalidRequest(400, 'invalid_value', message, param),

  /** 400: a required request field is absent. */
  missingParameter: (param: string) => invalidRequest(400, 'missing_required_parameter', `Missing required parameter: '${param}'.`, param),

  /** 400: the body is malformed JSON, empty, or not a JSON object. */
  invalidJson: (message: string) => invalidRequest(400, 'invalid_json', message),

  /** 400: prompt + max_tokens exceed the served model's context. `param` defaults to `messages`. */
  contextLengthExceeded: (message: string, param: string | null = 'messages') =>
    invalidRequest(400, 'context_length_exceeded', message, param),

  /** 400: an Idempotency-Key was reused with a different request body. */
  idempotencyKeyReused: () =>
    invalidRequest(400, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request body.'),

  /** 401: missing, unknown or revoked API key. */
  invalidApiKey: (message = 'Incorrect or missing API key. Send it as Authorization: Bearer <key>.') =>
    invalidRequest(401, 'invalid_api_key', message),

  /** 403: the key may not use this model. */
  modelNotAllowed: (model: string) =>
    invalidRequest(403, 'model_not_allowed', `This API key is not allowed to use the model '${model}'.`, 'model'),

  /** 404: no served model or alias has this id. */
  modelNotFound: (model: string) =>
    invalidRequest(
      404,
      'model_not_found',
      `The model '${model.length > 100 ? `${model.slice(0, 100)}…` : model}' does not exist.`,
      'model',
    ),

  /** 409: a request with this Idempotency-Key is still running; retry in 1 s. */
  idempotencyKeyInFlight: () =>
    new GatewayError({
      status: 409,
      type: 'invalid_request_error',
      code: 'idempotency_key_in_flight',
      message: 'A request with this Idempotency-Key is still in progress.',
      headers: { 'retry-after': '1' },
    }),

  /** 413: the body exceeds `server.maxBodyBytes`. @param limitBytes the configured limit, bytes. */
  requestTooLarge: (limitBytes: number) =>
    invalidRequest(413, 'request_too_large', `Request body exceeds the limit of ${limitBytes} bytes.`),

  /** 415: the body is not `application/json`. @param contentType the request's header, null if absent. */
  unsupportedMediaType: (contentType: string | null) =>
    invalidRequest(
      415,
      'unsupported_media_type',
      `Unsupported Content-Type ${contentType === null ? '(none)' : `'${contentType}'`}; expected 'application/json'.`,
    ),

  /**
   * 429: the key's requests- or tokens-per-minute limit is spent.
   * @param retryAfterSeconds when to retry, seconds (rounded up into `retry-after`)
   * @param extraHeaders e.g. `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`
   */
  rateLimited: (kind: 'requests' | 'tokens', retryAfterSeconds: number, extraHeaders: Record<string, string> = {}) =>
    new GatewayError({
      status: 429,
      type: kind,
      code: 'rate_limit_exceeded',
      message: `Rate limit reached for ${kind} per minute. Retry after ${retryAfter(retryAfterSeconds)} s.`,
      headers: { ...extraHeaders, 'retry-after': retryAfter(retryAfterSeconds) },
    }),

  /** 429: the key's budget for the period is spent. */
  insufficientQuota: (message: string) =>
    new GatewayError({ status: 429, type: 'insufficient_quota', code: 'insufficient_quota', message }),

  /**
   * 429: a model's decoding slots and queue are full (the edge model's, or a gpu-worker's).
   * @param retryAfterSeconds seconds, rounded up
   * @param who what is full, for the message @default 'The edge model'
   */
  edgeOverloaded: (retryAfterSeconds: number, who = 'The edge model') =>
    new GatewayError({
      status: 429,
      type: 'server_error',
      code: 'edge_overloaded',
      message: `${who} is overloaded: every decoding slot and queue place is taken. Please retry shortly.`,
      headers: { 'retry-after': retryAfter(retryAfterSeconds) },
    }),

  /** 5xx (default 502), or in-band: every upstream attempt failed. */
  upstreamError: (message: string, status = 502) => new GatewayError({ status, type: 'server_error', code: 'upstream_error', message }),

  /** 504: the upstream did not answer in time. */
  upstreamTimeout: (message: string) => new GatewayError({ status: 504, type: 'server_error', code: 'upstream_timeout', message }),

  /** 503: no healthy member can serve this model now; with `retryAfterSeconds`, when one may again. */
  modelUnavailable: (model: string, retryAfterSeconds?: number) =>
    new GatewayError({
      status: 503,
      type: 'server_error',
      code: 'model_unavailable',
      message: `The model '${model}' is currently unavailable.`,
      param: 'model',
      ...(retryAfterSeconds !== undefined ? { headers: { 'retry-after': String(retryAfterSeconds) } } : {}),
    }),

  /**
   * 503: the metering database stayed locked past its busy timeout, so the request could not be
   * admitted safely (a budget, an idempotency record); retry after `retryAfterSeconds`.
   */
  databaseBusy: (retryAfterSeconds = 1) =>
    new GatewayError({
      status: 503,
      type: 'server_error',
      code: 'database_busy',
      message: 'The gateway could not record this request: its database is busy. Retry shortly.',
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),

  /** In-band SSE only (status 502 recorded): the stream was cut before it finished. */
  streamTruncated: (message: string) => new GatewayError({ status: 502, type: 'server_error', code: 'stream_truncated', message }),
} as const;

/** The JSON error response: `err.status`, `content-type: application/json`, plus `err.headers`. */
export function errorResponse(err: GatewayError): Response {
  return new Response(JSON.stringify(err.toBody()), {
    status: err.status,
    headers: { ...err.headers, 'content-type': 'application/json' },
  });
}
