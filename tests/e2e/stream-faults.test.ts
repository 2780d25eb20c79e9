/**
 * Streams whose upstream misbehaves. Before anything reached the client the gateway fails over
 * (or answers a JSON error); after that the stream ends with one in-band error event and never a
 * fake finish_reason or `[DONE]` (DESIGN.md §5).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  chatBody,
  chatChunk,
  contentEvents,
  expectCleanEnd,
  expectError,
  expectInBandError,
  post,
  readSse,
  type Stack,
  sse,
  startStack,
  streamedText,
  UPSTREAM_DONE,
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

const streamBody = (model = 'auto') => chatBody({ model, stream: true }, 'from the next member');
const ECHO = 'echo: from the next member';

/** Asserts a normal stream served by mock1 after mock0 failed. */
async function expectServedByMock1(res: Response): Promise<void> {
  const read = await readSse(res);
  expectCleanEnd(read);
  expect(streamedText(read.chunks)).toBe(ECHO);
  expect(stack.mocks[1]?.requests).toHaveLength(1);
}

describe('upstream cut after content was relayed', () => {
  it.each([
    ['the connection is destroyed', true],
    ['the response ends cleanly', false],
  ])('%s: relayed chunks, then one stream_truncated event', async (_name, destroy) => {
    stack.mocks[0]?.enqueue({ kind: 'raw', pieces: contentEvents(['first ', 'second']), destroy });
    const read = await readSse(await post(chatUrl, streamBody()));
    expect(streamedText(read.chunks)).toBe('first second');
    expectInBandError(read, 'stream_truncated');
    expect(stack.mocks[1]?.requests).toHaveLength(0); // never spliced into a second member
  });

  it('an in-band error after content is one upstream_error event, no [DONE]', async () => {
    const pieces = [...contentEvents(['partial']), sse({ error: { message: 'engine crashed', type: 'server_error' } }), UPSTREAM_DONE];
    stack.mocks[0]?.enqueue({ kind: 'raw', pieces });
    const read = await readSse(await post(chatUrl, streamBody()));
    expect(streamedText(read.chunks)).toBe('partial');
    expectInBandError(read, 'upstream_error');
    expect(stack.mocks[1]?.requests).toHaveLength(0);
  });

  it('an idle upstream ends the stream with stream_truncated within idleMs + margin', async () => {
    const IDLE_MS = 2000; // mockConfig's timeouts.idleMs
    const [role, first, second] = contentEvents(['one ', 'two']);
    // two chunks at once, then silence longer than idleMs before the rest
    stack.mocks[0]?.enqueue({
      kind: 'raw',
      pieces: [`${role}${first}${second}`, sse(chatChunk({ content: 'late' }))],
      gapMs: IDLE_MS + 2500,
    });
    const res = await post(chatUrl, streamBody());
    const startedMs = Date.now();
    const read = await readSse(res);
    const elapsedMs = Date.now() - startedMs;
    expect(streamedText(read.chunks)).toBe('one two');
    expectInBandError(read, 'stream_truncated');
    expect(elapsedMs).toBeGreaterThanOrEqual(IDLE_MS - 200);
    expect(elapsedMs).toBeLessThan(IDLE_MS + 1500);
  });
});

describe('nothing relayed yet: the next member serves the stream', () => {
  it('mock0 cuts after its role chunk, before any content', async () => {
    stack.mocks[0]?.enqueue({ kind: 'raw', pieces: [sse(chatChunk({ role: 'assistant', content: '' }))], destroy: true });
    await expectServedByMock1(await post(chatUrl, streamBody()));
  });

  it('mock0 answers 500', async () => {
    stack.mocks[0]?.enqueue({ kind: 'status', status: 500, body: { error: { message: 'boom', type: 'server_error' } } });
    await expectServedByMock1(await post(chatUrl, streamBody()));
  });

  it('mock0 hangs past firstByteMs', async () => {
    stack.mocks[0]?.enqueue({ kind: 'hang' });
    const startedMs = Date.now();
    await expectServedByMock1(await post(chatUrl, streamBody()));
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(2800); // firstByteMs 3000, minus timer slack
    await within(stack.mocks[0]?.requests[0]?.closed as Promise<number>, 5_000, 'the hung request being closed');
  });

  // firstByteMs bounds the wait for the first chunk worth relaying, not only for the first bytes
  it.each([
    ['only keep-alive comments', [] as string[]],
    ['a role chunk, then only keep-alive comments', [sse(chatChunk({ role: 'assistant', content: '' }))]],
  ])('mock0 sends %s past firstByteMs', async (_name, head) => {
    const pings = Array.from({ length: 16 }, () => ': ping\n\n'); // one per 500 ms: never idle, never content
    stack.mocks[0]?.enqueue({ kind: 'raw', pieces: [...head, ...pings], gapMs: 500 });
    const startedMs = Date.now();
    await expectServedByMock1(await post(chatUrl, streamBody()));
    const elapsedMs = Date.now() - startedMs;
    expect(elapsedMs).toBeGreaterThanOrEqual(2800);
    expect(elapsedMs).toBeLessThan(3000 + 1500);
    await within(stack.mocks[0]?.requests[0]?.closed as Promise<number>, 2_000, 'the pinging request being closed');
  });

  it('the first member refuses connections', async () => {
    await expectServedByMock1(await post(chatUrl, streamBody('refused')));
  });
});

describe('200 but no choice first: an upstream failure', () => {
  const failures: Array<[string, string[]]> = [
    ['an in-band error event first', [sse({ error: { message: 'overloaded', type: 'server_error', code: 'busy' } })]],
    ['a bare [DONE]', [sse(chatChunk({ role: 'assistant', content: '' })), UPSTREAM_DONE]],
  ];

  it.each(failures)('%s → failover to mock1', async (_name, pieces) => {
    stack.mocks[0]?.enqueue({ kind: 'raw', pieces });
    await expectServedByMock1(await post(chatUrl, streamBody()));
  });

  it.each(failures)('%s with only one member → a 502 JSON error, no SSE', async (_name, pieces) => {
    stack.mocks[0]?.enqueue({ kind: 'raw', pieces });
    const res = await post(chatUrl, streamBody('solo'));
    expect(res.headers.get('content-type')).not.toMatch(/event-stream/);
    await expectError(res, 502, 'upstream_error', null);
    expect(stack.mocks[1]?.requests).toHaveLength(0);
  });
});

describe('legacy completions stream', () => {
  it('a cut /v1/completions stream also ends with one stream_truncated event', async () => {
    const chunk = (text: string) => ({
      id: 'up',
      object: 'text_completion',
      created: 1,
      model: 'mock-model',
      choices: [{ index: 0, text, logprobs: null, finish_reason: null }],
    });
    stack.mocks[0]?.enqueue({ kind: 'raw', pieces: [sse(chunk('abc')), sse(chunk('def'))], destroy: true });
    const res = await post(`${stack.url}/v1/completions`, { model: 'auto', prompt: 'x', stream: true });
    const read = await readSse(res, null);
    expect(streamedText(read.chunks)).toBe('abcdef');
    expectInBandError(read, 'stream_truncated');
  });
});
