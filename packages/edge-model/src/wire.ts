/**
 * Engine events → OpenAI's wire objects, shared by every server of an EdgeEngine (the gateway's
 * edge target, gpu-worker/server), in the same shapes a relayed upstream answer has (spec
 * components CreateChatCompletionResponse, CreateChatCompletionStreamResponse,
 * CreateCompletionResponse): one choice at index 0, `finish_reason` stop/length, `usage` counted
 * by the model's own tokenizer, logprobs in the endpoint's shape.
 *
 *   chat logprobs:   { content: [{ token, logprob, bytes, top_logprobs: [{ token, logprob, bytes }] }], refusal: null }
 *   legacy logprobs: { tokens: [..], token_logprobs: [..], top_logprobs: [{ token: logprob }], text_offset: [..] }
 *
 * `text_offset` is the completion's length in UTF-16 code units when the token's event arrived
 * (text held back — half a character, a possible stop prefix — is counted when released).
 * With `echo` (legacy only) the prompt's text and its scored tokens (done.prompt_logprobs, the first
 * one null as in OpenAI/vLLM) come first.
 */
import type { DoneEvent, TokenEvent } from './generation.ts';
import type { TokenLogprob } from './logprobs.ts';
import type { PromptLogprob } from './prompt-logprobs.ts';

/** Which OpenAI endpoint the response is for. */
export type WireEndpoint = 'chat.completions' | 'completions';
/** How logprobs go on the wire: chat entries, the legacy `{tokens, token_logprobs, …}` object, or none. */
export type LogprobsShape = 'chat' | 'legacy' | null;
type JsonObject = Record<string, unknown>;

/** OpenAI's stand-in for a log-probability of −∞ (JSON has no infinities). */
const LOGPROB_FLOOR = -9999;

const finite = (logprob: number) => (Number.isFinite(logprob) ? logprob : LOGPROB_FLOOR);

function chatEntry(lp: TokenLogprob): JsonObject {
  return {
    token: lp.token,
    logprob: finite(lp.logprob),
    bytes: lp.bytes,
    top_logprobs: lp.top_logprobs.map((t) => ({ token: t.token, logprob: finite(t.logprob), bytes: t.bytes })),
  };
}

interface LegacyLogprobs {
  tokens: string[];
  token_logprobs: Array<number | null>;
  top_logprobs: Array<Record<string, number> | null>;
  text_offset: number[];
}

export interface EdgeWireOptions {
  endpoint: WireEndpoint;
  /** Response id (`chatcmpl-…` / `cmpl-…`), the same on every chunk. */
  id: string;
  /** Served model id (without version). */
  model: string;
  logprobs: LogprobsShape;
  /** Unix seconds. @default now */
  created?: number;
  /** Legacy completions: the prompt's text, returned before the completion (`echo: true`). @default none */
  echo?: { text: string };
}

/** Builds one response: either chunk by chunk (streaming) or whole from collected events. */
export class EdgeWire {
  private readonly chat: boolean;
  private readonly head: JsonObject;
  /** Completion text length so far, UTF-16 code units (legacy `text_offset`). */
  private offset = 0;

  constructor(private readonly options: EdgeWireOptions) {
    this.chat = options.endpoint === 'chat.completions';
    this.head = {
      id: options.id,
      object: this.chat ? 'chat.completion.chunk' : 'text_completion',
      created: options.created ?? Math.floor(Date.now() / 1000),
      model: options.model,
    };
  }

  // ---- streaming ---------------------------------------------------------------------------

  /** Chat streams open with the assistant role (as OpenAI's do); legacy streams have none. */
  openingChunks(): JsonObject[] {
    return this.chat ? [this.chunk({ role: 'assistant', content: '' }, null, null)] : [];
  }

  /** The chunk for one token, or null when it carries nothing (text held back, no logprobs asked). */
  tokenChunk(event: TokenEvent): JsonObject | null {
    const logprobs = this.logprobsOf([event], this.offset);
    this.offset += event.text.length;
    if (event.text === '' && logprobs === null) return null;
    return this.chunk({ content: event.text }, logprobs, null);
  }

  /** Text released only at the end (held bytes or a stop prefix that did not complete), if any. */
  tailChunk(done: DoneEvent): JsonObject | null {
    if (done.text === '') return null;
    this.offset += done.text.length;
    return this.chunk({ content: done.text }, null, null);
  }

  finishChunk(done: DoneEvent): JsonObject {
    return this.chunk({}, null, done.finish_reason);
  }

  /** The `stream_options.include_usage` chunk: no choices, `usage`, and distillgate's own fields. */
  usageChunk(done: DoneEvent, distillgate: JsonObject): JsonObject {
    return { ...this.head, choices: [], usage: usageOf(done), distillgate };
  }

  // ---- whole response ----------------------------------------------------------------------

  /** The non-streamed response for a generation's token events and its done event. */
  response(tokens: TokenEvent[], done: DoneEvent): JsonObject {
    const echo = this.chat ? '' : (this.options.echo?.text ?? '');
    const text = echo + tokens.map((t) => t.text).join('') + done.text;
    const logprobs = this.withEcho(this.logprobsOf(tokens, echo.length), done);
    const choice = this.chat
      ? { index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs, finish_reason: done.finish_reason }
      : { index: 0, text, logprobs, finish_reason: done.finish_reason };
    return {
      ...this.head,
      object: this.chat ? 'chat.completion' : 'text_completion',
      choices: [choice],
      usage: usageOf(done),
    };
  }

  /**
   * Streamed echo: the prompt's text (and scored tokens) as one chunk before the first token; the
   * first token's text offsets then count from the prompt's end. Null when not echoing.
   */
  echoChunk(done: DoneEvent | null, scored: DoneEvent['prompt_logprobs']): JsonObject | null {
    if (this.chat || this.options.echo === undefined) return null;
    const text = this.options.echo.text;
    this.offset = text.length;
    const logprobs = this.options.logprobs === null ? null : this.promptLogprobsOf(scored ?? done?.prompt_logprobs ?? []);
    return this.chunk({ content: text }, logprobs as JsonObject | null, null);
  }

  // ---- shapes ------------------------------------------------------------------------------

  /** Legacy logprobs of the prompt: its tokens with offsets into the prompt text (the first scored null). */
  private promptLogprobsOf(scored: PromptLogprob[]): LegacyLogprobs {
    const legacy: LegacyLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
    const utf8 = new TextDecoder('utf-8', { fatal: false });
    let offset = 0;
    for (const entry of scored) {
      legacy.tokens.push(entry.token);
      legacy.token_logprobs.push(entry.logprob === null ? null : finite(entry.logprob));
      legacy.top_logprobs.push(entry.top_logprobs && Object.fromEntries(entry.top_logprobs.map((a) => [a.token, finite(a.logprob)])));
      legacy.text_offset.push(offset);
      offset += utf8.decode(Uint8Array.from(entry.bytes), { stream: true }).length;
    }
    return legacy;
  }

  /** Prepends the echoed prompt's logprobs to the completion's (legacy, `echo` only). */
  private withEcho(logprobs: JsonObject | null, done: DoneEvent): JsonObject | null {
    if (this.chat || this.options.echo === undefined || logprobs === null) return logprobs;
    const prompt = this.promptLogprobsOf(done.prompt_logprobs ?? []);
    const gen = logprobs as unknown as LegacyLogprobs;
    return {
      tokens: [...prompt.tokens, ...gen.tokens],
      token_logprobs: [...prompt.token_logprobs, ...gen.token_logprobs],
      top_logprobs: [...prompt.top_logprobs, ...gen.top_logprobs],
      text_offset: [...prompt.text_offset, ...gen.text_offset],
    };
  }

  private chunk(delta: JsonObject, logprobs: JsonObject | null, finishReason: string | null): JsonObject {
    const choice = this.chat
      ? { index: 0, delta, logprobs, finish_reason: finishReason }
      : { index: 0, text: (delta.content as string | undefined) ?? '', logprobs, finish_reason: finishReason };
    return { ...this.head, choices: [choice] };
  }

  /** Logprobs of consecutive `tokens` in the endpoint's shape; the first one's text starts at `offset`. */
  private logprobsOf(tokens: TokenEvent[], offset: number): JsonObject | null {
    if (this.options.logprobs === null) return null;
    const entries = tokens.filter((t): t is TokenEvent & { logprobs: TokenLogprob } => t.logprobs !== null);
    if (this.options.logprobs === 'chat') return { content: entries.map((t) => chatEntry(t.logprobs)), refusal: null };
    const legacy: LegacyLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
    for (const t of entries) {
      legacy.tokens.push(t.logprobs.token);
      legacy.token_logprobs.push(finite(t.logprobs.logprob));
      legacy.top_logprobs.push(Object.fromEntries(t.logprobs.top_logprobs.map((a) => [a.token, finite(a.logprob)])));
      legacy.text_offset.push(offset);
      offset += t.text.length;
    }
    return legacy as unknown as JsonObject;
  }
}

function usageOf(done: DoneEvent): JsonObject {
  const { prompt_tokens, completion_tokens } = done.usage;
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}
