/**
 * The transport every resource goes through, and the only place with transport policy:
 * authentication, the per-attempt timeout, the caller's AbortSignal, retries (retry.ts) with one
 * `Idempotency-Key` per logical request reused across its attempts, decoding answers and errors,
 * and handing streams over to stream.ts. Fetch-based; no Node-only API.
 */
import { APIPromise, type WithResponse } from './api-promise.ts';
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, DistillgateError } from './errors.ts';
import { gatewayMeta } from './gateway-meta.ts';
import { isRetryableStatus, RETRY_DEFAULTS, type RetryTiming, retryDelayMs } from './retry.ts';
import { Stream, type UsageChunkFields } from './stream.ts';

/** The fetch function the client calls (the global one by default). */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** The gateway's origin, e.g. `http://127.0.0.1:8787`; a trailing `/v1` (as the openai client takes it) is ignored. @default 'http://127.0.0.1:8787' */
  baseURL?: string;
  /** An API key (`dg-…`), sent as `Authorization: Bearer` to `/v1/*`. */
  apiKey?: string | null;
  /** DISTILLGATE_ADMIN_TOKEN, sent as `Authorization: Bearer` to `/admin/v1/*`. */
  adminToken?: string | null;
  /** How long one attempt may take: until the whole body is read, or a stream's headers arrive. @unit ms @default 600000 */
  timeoutMs?: number;
  /** Retries after the first attempt. @default 2 */
  maxRetries?: number;
  /** First step of the exponential backoff. @unit ms @default 500 */
  initialRetryDelayMs?: number;
  /** Largest backoff step. @unit ms @default 8000 */
  maxRetryDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the error is thrown at once. @unit ms @default 60000 */
  maxRetryAfterMs?: number;
  /** Replaces the global fetch (tests, proxies, a Worker's service binding). */
  fetch?: Fetch;
  /** Sent with every request. */
  defaultHeaders?: Record<string, string>;
}

/** Per-call options; each overrides the client's. */
export interface RequestOptions {
  /** @unit ms */
  timeoutMs?: number;
  maxRetries?: number;
  /** Aborting it cancels the request, its retries, its retry waits and a stream being read (APIUserAbortError). */
  signal?: AbortSignal;
  /** The Idempotency-Key of this logical request; generated when absent (POST only). */
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

/** One call as a resource describes it. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** From the origin, e.g. `/v1/chat/completions`. */
  path: string;
  /** Undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Which credential: the API key or the admin token. */
  auth: 'key' | 'admin';
}

const DEFAULT_TIMEOUT_MS = 600_000;

/** A random Idempotency-Key (a UUID where `crypto.randomUUID` exists, i.e. secure contexts). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return `dgsdk-${crypto.randomUUID()}`;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `dgsdk-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Waits `ms`, or rejects with APIUserAbortError when `signal` fires first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new APIUserAbortError({ cause: signal.reason }));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new APIUserAbortError({ cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** One attempt's abort wiring: the caller's signal and the timeout both abort `controller`. */
interface Attempt {
  controller: AbortController;
  timedOut(): boolean;
  /** Stops the timeout (a stream's headers arrived). */
  stopTimer(): void;
  /** Stops the timeout and unlinks the caller's signal. */
  release(): void;
}

function startAttempt(timeoutMs: number, signal: AbortSignal | undefined): Attempt {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new APIConnectionTimeoutError(timeoutMs));
  }, timeoutMs);
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    controller,
    timedOut: () => timedOut,
    stopTimer: () => clearTimeout(timer),
    release() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

export class Core {
  readonly baseURL: string;
  readonly #options: ClientOptions;
  readonly #timing: RetryTiming;

  constructor(options: ClientOptions = {}) {
    this.#options = options;
    this.baseURL = (options.baseURL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '').replace(/\/v1$/, '');
    this.#timing = {
      initialDelayMs: options.initialRetryDelayMs ?? RETRY_DEFAULTS.initialDelayMs,
      maxDelayMs: options.maxRetryDelayMs ?? RETRY_DEFAULTS.maxDelayMs,
      maxRetryAfterMs: options.maxRetryAfterMs ?? RETRY_DEFAULTS.maxRetryAfterMs,
    };
  }

  /** A JSON call. The promise rejects with APIError (by status), APIConnectionError, APIConnectionTimeoutError or APIUserAbortError. */
  json<T>(req: ApiRequest, opts: RequestOptions = {}): APIPromise<T> {
    return new APIPromise(
      this.send(req, opts, false).then(async ({ response, attempt }) => {
        try {
          const text = await this.readBody(response, attempt, opts.signal);
          return { data: (text === '' ? undefined : JSON.parse(text)) as T, response, gateway: gatewayMeta(response.headers) };
        } finally {
          attempt.release();
        }
      }),
    );
  }

  /** A streamed call (`stream: true`): resolves once the 200's headers arrive; retried only before that. */
  stream<Chunk extends UsageChunkFields>(req: ApiRequest, opts: RequestOptions = {}): APIPromise<Stream<Chunk>> {
    return new APIPromise(
      this.send(req, opts, true).then(({ response, attempt }): WithResponse<Stream<Chunk>> => {
        attempt.stopTimer();
        const gateway = gatewayMeta(response.headers);
        const stream = new Stream<Chunk>(response, gateway, attempt.controller, attempt.release, opts.signal);
        return { data: stream, response, gateway };
      }),
    );
  }

  /** Attempts until a 2xx answer (its body unread) or a final error. */
  private async send(req: ApiRequest, opts: RequestOptions, streaming: boolean): Promise<{ response: Response; attempt: Attempt }> {
    const maxRetries = opts.maxRetries ?? this.#options.maxRetries ?? RETRY_DEFAULTS.maxRetries;
    const idempotencyKey = req.method === 'POST' ? (opts.idempotencyKey ?? newIdempotencyKey()) : undefined;
    const url = this.url(req);
    const init = { method: req.method, headers: this.headers(req, opts, idempotencyKey, streaming), body: this.body(req) };
    for (let retry = 0; ; retry++) {
      if (opts.signal?.aborted) throw new APIUserAbortError({ cause: opts.signal.reason });
      const attempt = startAttempt(opts.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.signal);
      let failure: DistillgateError;
      let headers: Headers | undefined;
      try {
        const response = await this.fetch(url, { ...init, signal: attempt.controller.signal });
        if (response.ok) return { response, attempt };
        headers = response.headers;
        const text = await this.readBody(response, attempt, opts.signal);
        attempt.release();
        failure = APIError.fromResponse(response.status, text, response.headers);
      } catch (err) {
        attempt.release();
        if (opts.signal?.aborted) throw new APIUserAbortError({ cause: opts.signal.reason });
        if (attempt.timedOut()) failure = new APIConnectionTimeoutError(opts.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
        else if (err instanceof DistillgateError) failure = err;
        else failure = new APIConnectionError(`Connection error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      const retryable =
        failure instanceof APIError ? isRetryableStatus(failure.status, failure.code) : failure instanceof APIConnectionError;
      const delayMs = retryable && retry < maxRetries ? retryDelayMs(retry, headers, this.#timing) : null;
      if (delayMs === null) throw failure;
      await sleep(delayMs, opts.signal);
    }
  }

  /** The body's text, read under the attempt's timeout. @throws APIUserAbortError, APIConnectionTimeoutError, APIConnectionError */
  private async readBody(response: Response, attempt: Attempt, signal: AbortSignal | undefined): Promise<string> {
    try {
      return await response.text();
    } catch (err) {
      if (signal?.aborted) throw new APIUserAbortError({ cause: signal.reason });
      if (attempt.timedOut()) throw attempt.controller.signal.reason;
      throw new APIConnectionError('Connection error while reading the answer.', { cause: err });
    }
  }

  private fetch(url: string, init: RequestInit): Promise<Response> {
    const custom = this.#options.fetch;
    // the global fetch must be called unbound from any object (workerd and browsers throw "Illegal invocation")
    return custom ? custom(url, init) : fetch(url, init);
  }

  private url(req: ApiRequest): string {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(req.query ?? {})) if (value !== undefined) query.set(name, String(value));
    const search = query.toString();
    return `${this.baseURL}${req.path}${search ? `?${search}` : ''}`;
  }

  private headers(req: ApiRequest, opts: RequestOptions, idempotencyKey: string | undefined, streaming: boolean): Record<string, string> {
    const credential = req.auth === 'admin' ? this.#options.adminToken : this.#options.apiKey;
    return {
      accept: streaming ? 'text/event-stream' : 'application/json',
      ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      ...this.#options.defaultHeaders,
      ...opts.headers,
    };
  }

  private body(req: ApiRequest): string | undefined {
    return req.body === undefined ? undefined : JSON.stringify(req.body);
  }
}
