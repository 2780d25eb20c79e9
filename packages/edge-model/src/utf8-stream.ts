/**
 * Streaming detokenisation that never emits half a character. Byte-level BPE tokens are byte
 * strings and may split a UTF-8 character (e.g. '€' = E2 82 AC as three tokens), so token bytes
 * are fed to a streaming `TextDecoder` (WHATWG Encoding §4.1, `stream: true`), which holds an
 * incomplete trailing sequence until the next bytes complete it.
 *
 * U+FFFD appears only for bytes that really are invalid: an ill-formed sequence mid-stream, or an
 * incomplete one still pending at `flush()` (the model ended inside a character).
 */
export class Utf8Stream {
  private decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

  /** Feeds one token's bytes; returns the complete characters they finish ('' while one is incomplete). */
  push(bytes: Uint8Array): string {
    return this.decoder.decode(bytes, { stream: true });
  }

  /** Ends the stream: pending bytes of an unfinished character become U+FFFD. */
  flush(): string {
    const text = this.decoder.decode();
    this.decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
    return text;
  }
}

/** OpenAI's `token` string for a token's bytes: the text if valid UTF-8 alone, else `bytes:\xNN…`. */
export function tokenString(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return `bytes:${Array.from(bytes, (b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}`;
  }
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
