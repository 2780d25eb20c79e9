/**
 * The SDK's error hierarchy: one class per HTTP status the gateway answers with (DESIGN.md §5
 * "Errors"), each carrying OpenAI's error envelope, the status and the gateway's request id; plus
 * transport failures (connection, timeout, abort) and the two ways a stream can fail after its
 * headers arrived (an in-band error event, or a cut connection).
 *
 *   DistillgateError
 *   ├── APIError                       an HTTP error answer: status, error envelope, requestId, headers
 *   │   ├── BadRequestError            400   ├── RequestTooLargeError      413
 *   │   ├── AuthenticationError        401   ├── UnsupportedMediaTypeError 415
 *   │   ├── PermissionDeniedError      403   ├── RateLimitError            429
 *   │   ├── NotFoundError              404   └── InternalServerError       ≥ 500
 *   │   └── ConflictError              409
 *   ├── APIConnectionError             no answer (network failure)
 *   │   └── APIConnectionTimeoutError  no answer within `timeoutMs`
 *   ├── APIUserAbortError              the caller's AbortSignal fired
 *   └── StreamError                    a stream failed after its 200
 *       ├── InBandStreamError          `data: {"error": …}` event (e.g. stream_truncated)
 *       └── StreamInterruptedError     the connection ended without `[DONE]`
 */

/** `error.code` values the gateway sends (DESIGN.md §5), open to codes added later. */
export type ErrorCode =
  | 'invalid_json'
  | 'invalid_value'
  | 'missing_required_parameter'
  | 'context_length_exceeded'
  | 'idempotency_key_reused'
  | 'invalid_api_key'
  | 'model_not_allowed'
  | 'model_not_found'
  | 'idempotency_key_in_flight'
  | 'request_too_large'
  | 'unsupported_media_type'
  | 'rate_limit_exceeded'
  | 'insufficient_quota'
  | 'edge_overloaded'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'model_unavailable'
  | 'database_busy'
  | 'stream_truncated'
  | 'key_not_found'
  | 'price_not_found'
  | 'admin_disabled'
  | (string & {});

/** The inside of OpenAI's error envelope `{"error": {...}}`. */
export interface ErrorObject {
  message: string;
  /** e.g. `invalid_request_error`, `requests`, `tokens`, `insufficient_quota`, `server_error`. */
  type: string;
  /** The offending request field, e.g. `messages[0].content`; null when none. */
  param: string | null;
  code: ErrorCode | null;
}

/** Base class of every error this SDK throws. */
export class DistillgateError extends Error {
  override name = 'DistillgateError';
}

/** An HTTP error answer from the gateway. */
export class APIError extends DistillgateError {
  override name = 'APIError';
  /** HTTP status, e.g. 429. */
  readonly status: number;
  /** The envelope's `error`; a synthesised one (`type: 'unknown'`) when the body was not an envelope. */
  readonly error: ErrorObject;
  /** `x-request-id` of the answer; null when absent. */
  readonly requestId: string | null;
  readonly headers: Headers;

  constructor(status: number, error: ErrorObject, headers: Headers) {
    super(`${status} ${error.message}`);
    this.status = status;
    this.error = error;
    this.requestId = headers.get('x-request-id');
    this.headers = headers;
  }

  get code(): ErrorCode | null {
    return this.error.code;
  }
  get type(): string {
    return this.error.type;
  }
  get param(): string | null {
    return this.error.param;
  }

  /**
   * The error class for `status`, built from the response body text.
   * @param bodyText the raw body; a non-envelope body becomes the message
   */
  static fromResponse(status: number, bodyText: string, headers: Headers): APIError {
    const error = parseEnvelope(bodyText) ?? {
      message: bodyText.slice(0, 500) || `HTTP ${status}`,
      type: 'unknown',
      param: null,
      code: null,
    };
    const Class = STATUS_CLASSES[status] ?? (status >= 500 ? InternalServerError : APIError);
    return new Class(status, error, headers);
  }
}

export class BadRequestError extends APIError {
  override name = 'BadRequestError';
}
export class AuthenticationError extends APIError {
  override name = 'AuthenticationError';
}
export class PermissionDeniedError extends APIError {
  override name = 'PermissionDeniedError';
}
export class NotFoundError extends APIError {
  override name = 'NotFoundError';
}
export class ConflictError extends APIError {
  override name = 'ConflictError';
}
export class RequestTooLargeError extends APIError {
  override name = 'RequestTooLargeError';
}
export class UnsupportedMediaTypeError extends APIError {
  override name = 'UnsupportedMediaTypeError';
}
export class RateLimitError extends APIError {
  override name = 'RateLimitError';
}
export class InternalServerError extends APIError {
  override name = 'InternalServerError';
}

const STATUS_CLASSES: Record<number, typeof APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: RequestTooLargeError,
  415: UnsupportedMediaTypeError,
  429: RateLimitError,
};

/** No answer arrived: DNS, refused or reset connection, TLS. `cause` holds fetch's error. */
export class APIConnectionError extends DistillgateError {
  override name = 'APIConnectionError';
  constructor(message = 'Connection error.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No answer arrived within the request's `timeoutMs`. */
export class APIConnectionTimeoutError extends APIConnectionError {
  override name = 'APIConnectionTimeoutError';
  constructor(timeoutMs: number) {
    super(`Request timed out after ${timeoutMs} ms.`);
  }
}

/** The caller's `signal` aborted the request (or the stream being read). `cause` is the signal's reason. */
export class APIUserAbortError extends DistillgateError {
  override name = 'APIUserAbortError';
  constructor(options?: { cause?: unknown }) {
    super('Request was aborted.', options);
  }
}

/** A stream failed after its 200 answer; never retried (chunks were already delivered). */
export class StreamError extends DistillgateError {
  override name = 'StreamError';
  /** `x-request-id` of the stream's answer. */
  readonly requestId: string | null;
  constructor(message: string, requestId: string | null, options?: { cause?: unknown }) {
    super(message, options);
    this.requestId = requestId;
  }
}

/** The gateway ended the stream with an in-band `data: {"error": …}` event (DESIGN.md §5). */
export class InBandStreamError extends StreamError {
  override name = 'InBandStreamError';
  readonly error: ErrorObject;
  constructor(error: ErrorObject, requestId: string | null) {
    super(error.message, requestId);
    this.error = error;
  }
  get code(): ErrorCode | null {
    return this.error.code;
  }
}

/** The stream's connection ended (or failed) before `[DONE]` and without an error event. */
export class StreamInterruptedError extends StreamError {
  override name = 'StreamInterruptedError';
}

/** The `error` of an OpenAI envelope in `text`, or null when `text` is not one. */
export function parseEnvelope(text: string): ErrorObject | null {
  try {
    const value = JSON.parse(text) as { error?: Partial<ErrorObject> } | null;
    return value?.error ? asErrorObject(value.error) : null;
  } catch {
    return null;
  }
}

/** Normalises a decoded `error` object (missing fields become null / defaults). */
export function asErrorObject(error: Partial<ErrorObject>): ErrorObject {
  return {
    message: typeof error.message === 'string' ? error.message : 'Unknown error',
    type: typeof error.type === 'string' ? error.type : 'unknown',
    param: typeof error.param === 'string' ? error.param : null,
    code: typeof error.code === 'string' ? error.code : null,
  };
}
