/**
 * The distillation job's HTTP client for an OpenAI-compatible teacher (our gpu-worker, vLLM, or the
 * gateway). All transport policy is here (STYLE.md, after openai-node):
 *
 * | failure                          | retried | why                                            |
 * | -------------------------------- | ------- | ---------------------------------------------- |
 * | connect error, reset, DNS        | yes     | the server restarts or is not up yet           |
 * | per-request timeout              | yes     | one slow request; the next may be fine         |
 * | 408, 409                         | yes     | the server asked to try again                  |
 * | 429                              | yes     | busy / rate limited; honours Retry-After       |
 * | 5xx                              | yes     | the member failed; honours Retry-After         |
 * | other 4xx                        | no      | the request is wrong and will stay wrong       |
 *
 * Backoff: 0.5 s × 2^(attempt−1), capped at 30 s, with ±50 % jitter; a `retry-after-ms` or
 * `Retry-After` (seconds or HTTP date) replaces it (capped at 10 min). Scoring and generation are
 * idempotent, so a retried POST is safe. An abort of the caller's signal stops at once.
 */
import { parseRetryAfterMs } from '@distillgate/router';

export interface TeacherClientOptions {
  /** OpenAI-compatible base URL, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer` (e.g. a gateway key); never logged. */
  apiKey?: string;
  /** Per attempt. @unit ms @default 120000 */
  timeoutMs?: number;
  /** Attempts per request, the first included. @default 6 */
  maxAttempts?: number;
  /** @unit ms @default 500 */
  backoffBaseMs?: number;
  /** @unit ms @default 30000 */
  backoffCapMs?: number;
  fetch?: typeof fetch;
  /** Told about each retry (for logs). */
  onRetry?: (info: { path: string; attempt: number; delayMs: number; reason: string }) => void;
}

export class TeacherHttpError extends Error {
  override name = 'TeacherHttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const RETRY_STATUS = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    // the listener goes when the wait ends either way (a run-wide signal must not collect one per retry)
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** The OpenAI error envelope's message, or the start of the body. */
async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const msg = (JSON.parse(text) as { error?: { message?: string } }).error?.message;
    if (msg) return msg;
  } catch {}
  return text.slice(0, 300);
}

export class TeacherClient {
  readonly baseUrl: string;
  private readonly opts: Required<Omit<TeacherClientOptions, 'apiKey' | 'onRetry'>> & Pick<TeacherClientOptions, 'apiKey' | 'onRetry'>;
  /** Retries so far (all requests). */
  retries = 0;

  constructor(opts: TeacherClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.opts = { timeoutMs: 120_000, maxAttempts: 6, backoffBaseMs: 500, backoffCapMs: 30_000, fetch: globalThis.fetch, ...opts };
  }

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, undefined, signal);
  }

  post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>('POST', path, body, signal);
  }

  private async request<T>(method: string, path: string, body: unknown, signal = new AbortController().signal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      signal.throwIfAborted();
      let reason: string;
      let retryAfterMs: number | undefined;
      try {
        const res = await this.opts.fetch(`${this.baseUrl}${path}`, {
          method,
          headers,
          ...(payload !== undefined ? { body: payload } : {}),
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.opts.timeoutMs)]),
        });
        if (res.ok) return (await res.json()) as T;
        const message = `${method} ${path}: HTTP ${res.status}: ${await errorText(res)}`;
        if (!RETRY_STATUS(res.status)) throw new TeacherHttpError(res.status, message);
        reason = message;
        retryAfterMs = parseRetryAfterMs(res.headers);
      } catch (error) {
        if (error instanceof TeacherHttpError || signal.aborted) throw error;
        const e = error as Error & { cause?: { code?: string } };
        reason =
          e.name === 'TimeoutError'
            ? `timeout after ${this.opts.timeoutMs} ms`
            : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}`;
        if (e instanceof SyntaxError) reason = `invalid JSON from ${path}`;
      }
      if (attempt >= this.opts.maxAttempts) throw new Error(`${method} ${this.baseUrl}${path} failed after ${attempt} attempts: ${reason}`);
      const backoff = Math.min(this.opts.backoffCapMs, this.opts.backoffBaseMs * 2 ** (attempt - 1)) * (0.5 + Math.random());
      const delayMs = Math.round(retryAfterMs ?? backoff);
      this.retries++;
      this.opts.onRetry?.({ path, attempt, delayMs, reason });
      await sleep(delayMs, signal);
    }
  }
}
