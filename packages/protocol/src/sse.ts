/**
 * Server-sent events on Web streams, for Node and Cloudflare workerd alike.
 * Format: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';

/** One dispatched event. `data` lines are joined with "\n"; `event`/`id` only when the block set them. */
export interface SseFrame {
  data: string;
  event?: string;
  id?: string;
}

/** The stream terminator OpenAI sends after the last chunk. */
export const SSE_DONE = 'data: [DONE]\n\n';

/** One SSE event carrying `data` as JSON: `data: {...}\n\n`. */
export function encodeSseData(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/**
 * eventsource-parser holds a trailing "\r" back until it sees whether "\n" follows, so a stream
 * ending in "\r\r" would never dispatch its last event. Appending "\n" after a final "\r" settles
 * that without completing anything else: "…\r\n" is still one line end.
 */
function settleTrailingCr(): TransformStream<string, string> {
  let last = '';
  return new TransformStream<string, string>({
    transform(chunk, controller) {
      if (chunk === '') return;
      last = chunk;
      controller.enqueue(chunk);
    },
    flush(controller) {
      if (last.endsWith('\r')) controller.enqueue('\n');
    },
  });
}

/**
 * Decodes an SSE byte stream into events. Safe for any byte split (mid-line, mid-UTF-8 character,
 * several events per read), CRLF/CR/LF line ends; comments and field-only blocks (e.g. `retry:`)
 * yield nothing; an unterminated last block is dropped, as the spec says.
 *
 * Stopping early (`break`, `return`, a throw in the loop) cancels `body`, releasing the upstream
 * connection. Aborting `signal` cancels `body` too and makes the generator throw `signal.reason`.
 * @throws the body's error if the byte stream fails (e.g. the upstream connection drops)
 */
export async function* readSseEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseFrame> {
  signal?.throwIfAborted();
  // TS's DOM lib types TextDecoderStream's input as BufferSource, which it won't match to Uint8Array.
  const decoder = new TextDecoderStream() as unknown as ReadableWritablePair<string, Uint8Array>;
  const events = body.pipeThrough(decoder).pipeThrough(settleTrailingCr()).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  // Cancelling the last stream of the pipe chain cancels each one before it, down to `body`. The
  // signal is handled here, not through pipeThrough's `signal` option: workerd does not end a
  // pending read when a pipe is aborted while its source is stalled.
  const cancel = () => reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener('abort', cancel, { once: true });
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (done) break;
      const frame: SseFrame = { data: value.data };
      if (value.event !== undefined) frame.event = value.event;
      if (value.id !== undefined) frame.id = value.id;
      yield frame;
    }
    finished = true;
  } finally {
    signal?.removeEventListener('abort', cancel);
    if (!finished) await cancel();
    reader.releaseLock();
  }
}
