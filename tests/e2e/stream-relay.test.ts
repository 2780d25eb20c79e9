/**
 * Streams relayed from scripted upstream bytes: decoded text byte-equal under any byte split,
 * finish_reason mapping, the usage chunk, and a client abort reaching the upstream connection.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  chatBody,
  chatChunk,
  conforms,
  expectCleanEnd,
  post,
  readSse,
  type Stack,
  sse,
  startStack,
  streamedText,
  usageChunk,
  within,
} from './helpers.ts';

let stack: Stack;
let chatUrl: string;

beforeAll(async () => {
  stack = await startStack();
  chatUrl = `${stack.url}/v1/chat/completions`;
});
afterAll(() => stack?.stop());
beforeEach(() => stack.reset());

describe('upstream SSE split at any byte', () => {
  const TEXTS = ['héllo ', '世界 ', '🎉', ' ok\n', 'naïve café ', 'Ω≈ç√ ', '🇺🇳 👩‍👩‍👧 end'];
  const EXPECTED = TEXTS.join('');
  const CRLF = '\r\n';
  const wire = new TextEncoder().encode(
    [
      `: keep-alive comment${CRLF}${CRLF}`,
      `retry: 100${CRLF}${CRLF}`,
      sse(chatChunk({ role: 'assistant', content: '' }), CRLF),
      ...TEXTS.flatMap((text, i) => [...(i === 2 ? [`: mid-stream comment${CRLF}`] : []), sse(chatChunk({ content: text }), CRLF)]),
      sse(chatChunk({}, 'stop'), CRLF),
      sse(usageChunk(3, TEXTS.length), CRLF),
      `data: [DONE]${CRLF}${CRLF}`,
    ].join(''),
  );

  /** Cuts `bytes` at the given offsets (sorted, deduplicated, inside the array). */
  function cutAt(offsets: number[]): Uint8Array[] {
    const cuts = [...new Set(offsets.filter((o) => o > 0 && o < wire.length))].sort((a, b) => a - b);
    return [0, ...cuts].map((start, i) => wire.subarray(start, cuts[i] ?? wire.length));
  }

  /** mulberry32: a small seeded PRNG, so random splits are the same on every run. */
  function seeded(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const indices = Array.from({ length: wire.length }, (_, i) => i);
  const eventEnds = indices.filter((i) => wire[i - 1] === 0x0a && wire[i - 2] === 0x0d && wire[i - 3] === 0x0a);
  const strategies: Array<[string, () => Uint8Array[]]> = [
    ['every byte its own piece', () => cutAt(indices)],
    ['cut inside every multibyte UTF-8 character', () => cutAt(indices.filter((i) => ((wire[i] as number) & 0xc0) === 0x80))],
    ['cut between every CR and LF', () => cutAt(indices.filter((i) => wire[i] === 0x0a && wire[i - 1] === 0x0d))],
    ['three events per piece', () => cutAt(eventEnds.filter((_, n) => n % 3 === 2))],
    ['the whole stream in one piece', () => [wire]],
    ...[1, 7, 42, 1234, 99_991].map((seed): [string, () => Uint8Array[]] => [
      `random cuts, seed ${seed}`,
      () => {
        const random = seeded(seed);
        return cutAt(Array.from({ length: 40 }, () => Math.floor(random() * wire.length)));
      },
    ]),
  ];

  it.each(strategies)('%s: text byte-equal, no U+FFFD, one [DONE] at the end', async (_name, pieces) => {
    stack.mocks[0]?.enqueue({ kind: 'raw', pieces: pieces(), gapMs: 1 });
    const read = await readSse(await post(chatUrl, chatBody({ stream: true })));
    const text = streamedText(read.chunks);
    expect(Buffer.from(text, 'utf8').equals(Buffer.from(EXPECTED, 'utf8'))).toBe(true);
    expect(text).not.toContain('\uFFFD');
    expectCleanEnd(read);
    expect(read.chunks.at(-1)?.choices[0].finish_reason).toBe('stop');
    expect(read.chunks.some((c) => c.usage)).toBe(false); // the client did not ask for usage
  });
});

describe('finish_reason mapping', () => {
  const MAPPING: Array<[string, string]> = [
    ['eos_token', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
  ];

  it.each(MAPPING)('upstream %s → %s, streamed and not', async (upstream, expected) => {
    stack.mocks[0]?.enqueue({ kind: 'echo', finishReason: upstream }, { kind: 'echo', finishReason: upstream });
    const res = await post(chatUrl, chatBody());
    expect(res.status).toBe(200);
    const body = await res.json();
    conforms('CreateChatCompletionResponse', body);
    expect(body.choices[0].finish_reason).toBe(expected);

    const read = await readSse(await post(chatUrl, chatBody({ stream: true })));
    expectCleanEnd(read);
    const reasons = read.chunks.map((c) => c.choices[0]?.finish_reason).filter((r) => r != null);
    expect(reasons).toEqual([expected]);
  });
});

describe('stream_options.include_usage', () => {
  // mock tokens are words: prompt "count these four words" = 4, completion "echo: count these four words" = 5
  const PROMPT = 'count these four words';
  const COST = 4 * 1 + 5 * 2; // mockConfig prices: 1 µUSD per prompt token, 2 per completion token

  it('when asked, the final usage chunk is forwarded with distillgate cost, route and model version', async () => {
    const read = await readSse(await post(chatUrl, chatBody({ stream: true, stream_options: { include_usage: true } }, PROMPT)));
    expectCleanEnd(read);
    const withUsage = read.chunks.filter((c) => c.usage);
    expect(withUsage).toHaveLength(1);
    const last = read.chunks.at(-1);
    expect(last).toBe(withUsage[0]);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
    expect(last?.distillgate).toEqual({ cost_micro_usd: COST, route: 'pool', model_version: 'mock-model@test' });
    expect(stack.mocks[0]?.requests[0]?.body.stream_options).toEqual({ include_usage: true });
  });

  it('when not asked, no chunk has usage, but the upstream was still asked for it', async () => {
    for (const streamOptions of [undefined, { include_usage: false }]) {
      stack.reset();
      const read = await readSse(await post(chatUrl, chatBody({ stream: true, stream_options: streamOptions }, PROMPT)));
      expectCleanEnd(read);
      expect(streamedText(read.chunks)).toBe(`echo: ${PROMPT}`);
      expect(read.chunks.filter((c) => c.usage !== undefined || c.distillgate !== undefined)).toEqual([]);
      expect(stack.mocks[0]?.requests[0]?.body.stream_options).toEqual({ include_usage: true });
    }
  });
});

describe('client abort', () => {
  it('aborting after the first chunk closes the upstream connection within 5 s', async () => {
    const words = Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ');
    stack.mocks[0]?.enqueue({ kind: 'echo', chunkDelayMs: 100 }); // ≈ 10 s if nobody stops it
    const abort = new AbortController();
    const res = await post(chatUrl, chatBody({ stream: true }, words), { signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await within(reader.read(), 5_000, 'the first chunk');
    expect(new TextDecoder().decode(first.value)).toMatch(/^data: \{/);
    const abortedMs = Date.now();
    abort.abort();
    await reader.cancel().catch(() => {});

    const upstream = stack.mocks[0]?.requests[0];
    const closedAfterMs = await within(upstream?.closed as Promise<number>, 5_000, 'the upstream connection close');
    expect(Date.now() - abortedMs).toBeLessThan(5_000);
    expect(closedAfterMs).toBeLessThan(8_000); // ms since the request arrived: well before the stream's natural end
  });
});
