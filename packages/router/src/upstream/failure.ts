/**
 * Typed outcomes of one upstream attempt. Routing decides from these, never from headers
 * (STYLE.md "For this repo").
 */

/** Why an attempt failed. */
export type FailureKind =
  /** DNS, refused, reset or TLS failure before response headers. */
  | 'connect'
  /** A connect, first-byte or idle timeout fired. */
  | 'timeout'
  /** The upstream answered with a non-2xx status. */
  | 'http'
  /** 2xx but not the OpenAI wire format: bad JSON, an in-band error, an empty or cut stream. */
  | 'protocol'
  /** The client went away; nothing more should be tried. */
  | 'aborted';

/** The OpenAI-style error object an upstream sent, when it sent one. */
export interface UpstreamErrorObject {
  message?: string;
  type?: string;
  param?: string | null;
  code?: string | number | null;
}

/** One failed attempt. */
export interface AttemptFailure {
  kind: FailureKind;
  /** Upstream HTTP status (kind `http`). */
  status?: number;
  /** Timeout phase (kind `timeout`). */
  phase?: TimeoutPhase;
  /** Whether the next member may be tried (only ever before the first byte reached the client). */
  retryable: boolean;
  /** The upstream asked not to be called before this many ms from now (Retry-After). */
  retryAfterMs?: number;
  /** Human-readable cause, safe to log (no credentials, no prompt text). */
  message: string;
  /** The upstream's own error object, relayed to the client for deterministic 4xx. */
  upstreamError?: UpstreamErrorObject;
}

export type TimeoutPhase = 'connect' | 'first_byte' | 'idle';

/** Raised (as an abort reason) when one of an upstream's timeouts fires. */
export class UpstreamTimeoutError extends Error {
  constructor(
    readonly phase: TimeoutPhase,
    readonly timeoutMs: number,
  ) {
    super(`upstream ${phase.replace('_', ' ')} timeout after ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}

/** Thrown by a stream reader when the upstream broke the wire protocol mid-stream. */
export class UpstreamFailureError extends Error {
  constructor(readonly failure: AttemptFailure) {
    super(failure.message);
    this.name = 'UpstreamFailureError';
  }
}

/**
 * Statuses after which another member may be tried. Everything else (400, 413, 422…) is the
 * request's own fault and goes back to the client unchanged.
 */
const RETRYABLE_STATUSES = new Set([
  401, // our credential for this member is wrong: another member may accept its own
  403, // same
  404, // this member does not serve the model (config drift)
  408, // request timeout at the upstream
  409, // conflict/lock contention
  429, // rate limited or queue full: honour Retry-After, try another member
  500,
  502,
  503,
  504,
]);

/** Classifies an upstream HTTP error status. */
export function httpFailure(status: number, upstreamError: UpstreamErrorObject | undefined, retryAfterMs?: number): AttemptFailure {
  return {
    kind: 'http',
    status,
    retryable: RETRYABLE_STATUSES.has(status) || status >= 500,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    message: `upstream answered HTTP ${status}${upstreamError?.message ? `: ${upstreamError.message}` : ''}`,
    ...(upstreamError ? { upstreamError } : {}),
  };
}

/** A protocol failure (retryable: a different member may answer properly). */
export function protocolFailure(message: string, upstreamError?: UpstreamErrorObject): AttemptFailure {
  return { kind: 'protocol', retryable: true, message, ...(upstreamError ? { upstreamError } : {}) };
}

/**
 * Classifies anything thrown by fetch or a body read.
 * @param clientSignal the client's abort signal; when it fired, the attempt is `aborted`
 */
export function classifyThrown(err: unknown, clientSignal?: AbortSignal): AttemptFailure {
  if (err instanceof UpstreamFailureError) return err.failure;
  if (clientSignal?.aborted) return { kind: 'aborted', retryable: false, message: 'client closed the connection' };
  const timeout = findTimeout(err);
  if (timeout) return { kind: 'timeout', phase: timeout.phase, retryable: true, message: timeout.message };
  // undici's `request` throws coded errors itself; Web fetch wraps them in a TypeError's `cause`.
  const code = (err as { code?: unknown })?.code ?? (err as { cause?: { code?: unknown } })?.cause?.code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return { kind: 'timeout', phase: 'connect', retryable: true, message: 'upstream connect timeout' };
  }
  const detail = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  return { kind: 'connect', retryable: true, message: `upstream connection failed: ${detail}` };
}

function findTimeout(err: unknown): UpstreamTimeoutError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current; depth++) {
    if (current instanceof UpstreamTimeoutError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
