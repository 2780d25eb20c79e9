/**
 * timedFetch against a real loopback node:http server and the platform's fetch: each test scripts
 * the server's side (headers late or never, chunks with gaps) and watches the server-side
 * connection close. Each test gets its own server (its own port), so no keep-alive socket of an
 * earlier test is reused.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyThrown, UpstreamTimeoutError } from './failure.ts';
import { timedFetch } from './timed-fetch.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler = (_req, res) => res.end('default');
/** Resolves with the ms the server-side connection stayed open, for the latest request. */
let closed: Promise<number>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const decoder = new TextDecoder();

beforeEach(async () => {
  server = createServer((req, res) => {
    const startedMs = Date.now();
    closed = new Promise((resolve) => res.on('close', () => resolve(Date.now() - startedMs)));
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const fetchFn = (input: string, init: RequestInit) => fetch(input, init);

/** Resolves with what `promise` rejected with (fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** Writes `pieces` with `gapMs` between them, then ends (or stays open when `end` is false). */
function chunks(pieces: string[], gapMs: number, end = true): Handler {
  return async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    for (const piece of pieces) {
      if (res.destroyed) return;
      res.write(piece);
      await sleep(gapMs);
    }
    if (end && !res.destroyed) res.end();
  };
}

/** Reads `reader` to its end. */
async function readRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  let text = '';
  for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value, { stream: true });
  return text;
}

describe('timedFetch', () => {
  it('passes a normal response through (status, headers, every byte)', async () => {
    handler = chunks(['hello ', 'world'], 10);
    const res = await timedFetch(fetchFn, `${baseUrl}/ok`, { method: 'POST', body: '{}' }, { firstByteMs: 5_000, idleMs: 5_000 });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await readRest(res.body.getReader())).toBe('hello world');
  });

  it('first-byte timeout fires when the headers never come, and the connection is closed', async () => {
    handler = () => {}; // accept, never answer
    const startedMs = Date.now();
    const err = await rejection(timedFetch(fetchFn, `${baseUrl}/hang`, { method: 'GET' }, { firstByteMs: 150, idleMs: 5_000 }));
    const elapsedMs = Date.now() - startedMs;
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect(classifyThrown(err)).toMatchObject({ kind: 'timeout', phase: 'first_byte', retryable: true });
    expect(elapsedMs).toBeGreaterThanOrEqual(140);
    expect(elapsedMs).toBeLessThan(3_000);
    expect(await closed).toBeLessThan(3_000);
  });

  it('the first-byte budget also covers the first body bytes, counted from the call', async () => {
    handler = async (_req, res) => {
      await sleep(250);
      res.writeHead(200).flushHeaders(); // headers at ~250 ms, body not before ~2 s
      await sleep(1_750);
      if (!res.destroyed) res.end('late');
    };
    const startedMs = Date.now();
    const res = await timedFetch(fetchFn, `${baseUrl}/late-body`, { method: 'GET' }, { firstByteMs: 300, idleMs: 5_000 });
    const err = await rejection(res.body.getReader().read());
    const elapsedMs = Date.now() - startedMs;
    expect(classifyThrown(err)).toMatchObject({ kind: 'timeout', phase: 'first_byte' });
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(elapsedMs).toBeLessThan(540); // a budget restarted at the headers would fire at ~550 ms
    expect(await closed).toBeLessThan(1_500);
  });

  it('idle timeout fires when the upstream goes quiet between chunks', async () => {
    handler = chunks(['one', 'two'], 1_000);
    const res = await timedFetch(fetchFn, `${baseUrl}/gap`, { method: 'GET' }, { firstByteMs: 1_000, idleMs: 150 });
    const reader = res.body.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe('one');
    const startedMs = Date.now();
    const err = await rejection(reader.read());
    const elapsedMs = Date.now() - startedMs;
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect(classifyThrown(err)).toMatchObject({ kind: 'timeout', phase: 'idle', message: 'upstream idle timeout after 150 ms' });
    expect(elapsedMs).toBeGreaterThanOrEqual(140);
    expect(elapsedMs).toBeLessThan(900);
    expect(await closed).toBeLessThan(900);
  });

  it('a slow consumer (not reading) does not trigger the idle timeout', async () => {
    handler = async (_req, res) => {
      res.writeHead(200).flushHeaders();
      res.write('one');
      await sleep(50);
      res.write('two');
      await sleep(250); // the upstream is quiet while nobody reads, then sends more
      if (!res.destroyed) res.end('three');
    };
    const res = await timedFetch(fetchFn, `${baseUrl}/slow-reader`, { method: 'GET' }, { firstByteMs: 1_000, idleMs: 100 });
    const reader = res.body.getReader();
    let text = '';
    while (text !== 'onetwo') text += decoder.decode((await reader.read()).value); // a first read, then an idle-timed one
    await sleep(600); // far past idleMs without reading
    text += await readRest(reader);
    expect(text).toBe('onetwothree');
  });

  it('cancelling the body closes the server-side connection', async () => {
    handler = chunks(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 200, false);
    const res = await timedFetch(fetchFn, `${baseUrl}/cancel`, { method: 'GET' }, { firstByteMs: 1_000, idleMs: 1_000 });
    const reader = res.body.getReader();
    expect(decoder.decode((await reader.read()).value)).toBe('a');
    const cancelledMs = Date.now();
    await reader.cancel('client went away');
    const openMs = await closed;
    expect(openMs).toBeLessThan(1_000); // the server would have kept writing for 1.6 s
    expect(Date.now() - cancelledMs).toBeLessThan(1_000);
  });

  it('the client signal aborts the request before the headers', async () => {
    handler = () => {};
    const client = new AbortController();
    setTimeout(() => client.abort(), 80);
    const startedMs = Date.now();
    const err = await rejection(
      timedFetch(fetchFn, `${baseUrl}/abort-early`, { method: 'GET' }, { firstByteMs: 5_000, idleMs: 5_000, signal: client.signal }),
    );
    expect(Date.now() - startedMs).toBeLessThan(2_000);
    expect(err).not.toBeInstanceOf(UpstreamTimeoutError);
    expect(classifyThrown(err, client.signal)).toEqual({ kind: 'aborted', retryable: false, message: 'client closed the connection' });
    expect(await closed).toBeLessThan(2_000);
  });

  it('the client signal aborts the body mid-stream and closes the connection', async () => {
    handler = chunks(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 200, false);
    const client = new AbortController();
    const res = await timedFetch(
      fetchFn,
      `${baseUrl}/abort-body`,
      { method: 'GET' },
      { firstByteMs: 5_000, idleMs: 5_000, signal: client.signal },
    );
    const reader = res.body.getReader();
    await reader.read();
    const pending = reader.read().then(
      () => reader.read(), // 'b' may already be on its way; the abort must show by the next read at the latest
      (err: unknown) => Promise.reject(err),
    );
    client.abort();
    const err = await rejection(pending);
    expect(classifyThrown(err, client.signal)).toMatchObject({ kind: 'aborted' });
    expect(await closed).toBeLessThan(1_000);
  });

  it('an already-aborted client signal never reaches the server', async () => {
    let reached = false;
    handler = (_req, res) => {
      reached = true;
      res.end();
    };
    const err = await rejection(
      timedFetch(fetchFn, `${baseUrl}/pre-aborted`, { method: 'GET' }, { firstByteMs: 1_000, idleMs: 1_000, signal: AbortSignal.abort() }),
    );
    expect(classifyThrown(err, AbortSignal.abort())).toMatchObject({ kind: 'aborted' });
    await sleep(50);
    expect(reached).toBe(false);
  });

  it('abort() of a response is idempotent and closes the connection', async () => {
    handler = chunks(['a', 'b', 'c', 'd', 'e', 'f'], 200, false);
    const res = await timedFetch(fetchFn, `${baseUrl}/abort-method`, { method: 'GET' }, { firstByteMs: 1_000, idleMs: 1_000 });
    res.abort();
    res.abort(new Error('again'));
    expect(await closed).toBeLessThan(1_000);
  });
});
