/**
 * An upstream that speaks OpenAI's wire format: our gpu-worker, vLLM, or any compatible server.
 * It owns the transport details of one member (URL layout, credentials, timeouts, error shapes)
 * and returns typed results; choosing members and failing over is the caller's job.
 */

import type { UpstreamConfig } from '@distillgate/config';
import { readSseEvents } from '@distillgate/protocol';
import {
  type AttemptFailure,
  classifyThrown,
  httpFailure,
  protocolFailure,
  type UpstreamErrorObject,
  UpstreamFailureError,
} from './failure.ts';
import { parseRetryAfterMs } from './retry-after.ts';
import { type FetchLike, type TimedResponse, timedFetch } from './timed-fetch.ts';

/** The two generation endpoints every member serves. */
export type Endpoint = 'chat.completions' | 'completions';

const PATHS: Record<Endpoint, string> = {
  'chat.completions': '/chat/completions',
  completions: '/completions',
};

/** Characters of an error body we read to find the upstream's message. */
const MAX_ERROR_BODY_CHARS = 64 * 1024;

/** A JSON object as decoded from the wire. */
export type JsonObject = Record<string, unknown>;

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: AttemptFailure };

/** An open upstream stream: chunks until `[DONE]`. */
export interface UpstreamStream {
  /**
   * The stream's chunk objects in order, `[DONE]` excluded. Ends normally only after `[DONE]`;
   * throws {@link UpstreamFailureError} on an in-band error event, undecodable data, a cut
   * connection or an idle timeout. Breaking out of the loop cancels the upstream request.
   */
  chunks: AsyncGenerator<JsonObject, void, undefined>;
  /** Aborts the upstream request (client went away, or the caller gave up). */
  cancel(reason?: unknown): void;
}

export interface SendOptions {
  /** The client's abort signal. */
  signal?: AbortSignal;
  /** Gateway request id, forwarded as `x-request-id` for cross-service tracing. */
  requestId?: string;
}

export class OpenAICompatibleUpstream {
  readonly name: string;
  /** Endpoint URLs, built once. */
  private readonly urls: Record<Endpoint, string>;

  constructor(
    readonly config: UpstreamConfig,
    private readonly fetchFn: FetchLike,
  ) {
    this.name = config.name;
    const base = config.baseUrl.replace(/\/+$/, '');
    this.urls = { 'chat.completions': `${base}${PATHS['chat.completions']}`, completions: `${base}${PATHS.completions}` };
  }

  /** Non-streaming call. On success, `value` is the decoded response object (it has `choices`). */
  async createJson(endpoint: Endpoint, body: JsonObject, opts: SendOptions = {}): Promise<Outcome<JsonObject>> {
    // an explicit `stream: true` is turned off; an absent `stream` stays absent
    const sent = await this.send(endpoint, body.stream === true ? { ...body, stream: false } : body, opts);
    if (!sent.ok) return sent;
    try {
      const text = await readText(sent.value);
      let decoded: unknown;
      try {
        decoded = JSON.parse(text);
      } catch {
        return { ok: false, failure: protocolFailure('upstream sent a response that is not JSON') };
      }
      if (!isObject(decoded)) return { ok: false, failure: protocolFailure('upstream sent a JSON value that is not an object') };
      if (decoded.error !== undefined && decoded.error !== null) {
        return { ok: false, failure: protocolFailure('upstream answered 200 with an error object', toErrorObject(decoded.error)) };
      }
      if (!Array.isArray(decoded.choices) || decoded.choices.length === 0) {
        return { ok: false, failure: protocolFailure('upstream response has no choices') };
      }
      return { ok: true, value: decoded };
    } catch (err) {
      return { ok: false, failure: classifyThrown(err, opts.signal) };
    }
  }

  /**
   * Streaming call (`stream: true`, with `stream_options.include_usage` forced on). Resolves once
   * response headers arrived; the first chunk is not awaited here.
   */
  async openStream(endpoint: Endpoint, body: JsonObject, opts: SendOptions = {}): Promise<Outcome<UpstreamStream>> {
    const streamOptions = isObject(body.stream_options) ? body.stream_options : {};
    const sent = await this.send(endpoint, { ...body, stream: true, stream_options: { ...streamOptions, include_usage: true } }, opts);
    if (!sent.ok) return sent;
    const res = sent.value;
    const contentType = res.headers.get('content-type') ?? '';
    if (!contentType.includes('text/event-stream')) {
      res.abort();
      return { ok: false, failure: protocolFailure(`upstream answered a stream request with ${contentType || 'no content type'}`) };
    }
    return { ok: true, value: { chunks: decodeChunks(res.body, opts.signal), cancel: res.abort } };
  }

  private async send(endpoint: Endpoint, body: JsonObject, opts: SendOptions): Promise<Outcome<TimedResponse>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    if (opts.requestId) headers['x-request-id'] = opts.requestId;
    try {
      const res = await timedFetch(
        this.fetchFn,
        this.urls[endpoint],
        { method: 'POST', headers, body: JSON.stringify(body) },
        { firstByteMs: this.config.timeouts.firstByteMs, idleMs: this.config.timeouts.idleMs, signal: opts.signal },
      );
      if (res.status < 200 || res.status > 299) {
        const upstreamError = scrubError(await readErrorObject(res), this.config.apiKey);
        res.abort();
        return { ok: false, failure: httpFailure(res.status, upstreamError, parseRetryAfterMs(res.headers)) };
      }
      return { ok: true, value: res };
    } catch (err) {
      return { ok: false, failure: classifyThrown(err, opts.signal) };
    }
  }
}

async function* decodeChunks(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<JsonObject, void, undefined> {
  try {
    for await (const event of readSseEvents(body, signal)) {
      if (event.data === '[DONE]') return;
      let chunk: unknown;
      try {
        chunk = JSON.parse(event.data);
      } catch {
        throw new UpstreamFailureError(protocolFailure('upstream sent an SSE event that is not JSON'));
      }
      if (!isObject(chunk)) throw new UpstreamFailureError(protocolFailure('upstream sent an SSE event that is not an object'));
      if (chunk.error !== undefined && chunk.error !== null) {
        throw new UpstreamFailureError(protocolFailure('upstream sent an in-band error event', toErrorObject(chunk.error)));
      }
      yield chunk;
    }
  } catch (err) {
    throw new UpstreamFailureError(classifyThrown(err, signal));
  }
  throw new UpstreamFailureError(protocolFailure('upstream stream ended without [DONE]'));
}

/** Reads the whole body as UTF-8 text. */
async function readText(res: TimedResponse): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await res.read();
    if (done) return text + decoder.decode();
    text += decoder.decode(value, { stream: true });
  }
}

async function readErrorObject(res: TimedResponse): Promise<UpstreamErrorObject | undefined> {
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < MAX_ERROR_BODY_CHARS) {
      const { done, value } = await res.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // a body that fails mid-read still leaves us the status
  }
  text = text.slice(0, MAX_ERROR_BODY_CHARS);
  try {
    const decoded: unknown = JSON.parse(text);
    if (isObject(decoded)) return toErrorObject(decoded.error ?? decoded);
  } catch {
    // not JSON: use the text itself
  }
  return text.trim() ? { message: scrubSecrets(text.trim().slice(0, 500)) } : undefined;
}

/**
 * Removes credentials an upstream may echo in its error text before the text goes anywhere (the
 * client's error body, logs): `Bearer <token>`, OpenAI-style key shapes (`sk-…`, also masked ones
 * like `sk-abc***wxyz`), our own `dg-…` keys, and the upstream's configured secret itself.
 */
export function scrubSecrets(message: string, secret?: string): string {
  let out = message;
  if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.replace(/Bearer\s+\S+/gi, 'Bearer [redacted]').replace(/\b(?:sk|dg)-[A-Za-z0-9_*.-]{6,}/g, '[redacted]');
}

function scrubError(error: UpstreamErrorObject | undefined, secret?: string): UpstreamErrorObject | undefined {
  if (error?.message !== undefined) error.message = scrubSecrets(error.message, secret);
  return error;
}

/** Accepts OpenAI's `{error:{…}}` payload, vLLM's top-level `{object:"error",message,…}` and FastAPI's `{detail}`. */
function toErrorObject(value: unknown): UpstreamErrorObject {
  if (typeof value === 'string') return { message: scrubSecrets(value) };
  if (!isObject(value)) return { message: 'unknown upstream error' };
  const raw = typeof value.message === 'string' ? value.message : typeof value.detail === 'string' ? value.detail : undefined;
  const message = raw === undefined ? undefined : scrubSecrets(raw);
  const out: UpstreamErrorObject = {};
  if (message !== undefined) out.message = message;
  if (typeof value.type === 'string') out.type = value.type;
  if (typeof value.param === 'string' || value.param === null) out.param = value.param;
  if (typeof value.code === 'string' || typeof value.code === 'number' || value.code === null) out.code = value.code;
  return out;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
