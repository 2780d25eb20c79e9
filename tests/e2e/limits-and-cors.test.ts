/**
 * `server.maxBodyBytes` (413 whether the size is declared or streamed, before any upstream call)
 * and `server.cors` (preflight without auth, exposed headers; nothing at all when no origins).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatBody, conforms, expectError, post, REQUEST_TIMEOUT_MS, type Stack, startStack, withAuth } from './helpers.ts';

const MAX_BODY_BYTES = 2048;
const ORIGIN = 'http://app.example';

let limited: Stack;
let plain: Stack;

beforeAll(async () => {
  [limited, plain] = await Promise.all([
    startStack({ server: { maxBodyBytes: MAX_BODY_BYTES, cors: { origins: [ORIGIN] } } }),
    startStack(),
  ]);
});
afterAll(() => Promise.all([limited?.stop(), plain?.stop()]));
beforeEach(() => {
  limited.reset();
  plain.reset();
});

function expectNoUpstreamRequest(stack: Stack): void {
  expect(stack.mocks.map((m) => m.requests.length)).toEqual([0, 0]);
}

/** A body sent as `pieces` with no Content-Length (chunked transfer encoding). */
function chunkedBody(pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const piece = pieces[i++];
      if (piece === undefined) controller.close();
      else controller.enqueue(encoder.encode(piece));
    },
  });
}

function postChunked(url: string, pieces: string[]): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: withAuth({ 'content-type': 'application/json' }),
    body: chunkedBody(pieces),
    duplex: 'half',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  } as RequestInit);
}

/** Splits `text` into pieces of `size` characters. */
function split(text: string, size: number): string[] {
  return Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));
}

describe('server.maxBodyBytes', () => {
  const oversized = JSON.stringify(chatBody({}, 'x'.repeat(MAX_BODY_BYTES)));

  it('a body over the limit with a Content-Length is a 413 and nothing goes upstream', async () => {
    expect(new TextEncoder().encode(oversized).byteLength).toBeGreaterThan(MAX_BODY_BYTES);
    const res = await post(`${limited.url}/v1/chat/completions`, oversized);
    await expectError(res, 413, 'request_too_large', null);
    expectNoUpstreamRequest(limited);
  });

  it('a chunked body over the limit is a 413 and nothing goes upstream', async () => {
    const res = await postChunked(`${limited.url}/v1/chat/completions`, split(oversized, 500));
    expect(res.headers.get('content-length')).not.toBeNull(); // a plain JSON error, not a stream
    await expectError(res, 413, 'request_too_large', null);
    expectNoUpstreamRequest(limited);
  });

  it('a chunked body under the limit is read whole and served', async () => {
    const body = JSON.stringify(chatBody({}, 'small chunked body'));
    const res = await postChunked(`${limited.url}/v1/chat/completions`, split(body, 7));
    expect(res.status).toBe(200);
    const json = await res.json();
    conforms('CreateChatCompletionResponse', json);
    expect(json.choices[0].message.content).toBe('echo: small chunked body');
  });
});

describe('server.cors', () => {
  const preflight = (url: string, origin = ORIGIN) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });

  it('a preflight without auth gets 204, the origin allowed and the gateway headers exposed', async () => {
    const res = await preflight(limited.url);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-methods')?.split(',')).toContain('POST');
    const allowed = res.headers.get('access-control-allow-headers')?.toLowerCase().split(',') ?? [];
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    const exposed = res.headers.get('access-control-expose-headers')?.toLowerCase().split(',') ?? [];
    expect(exposed).toEqual(expect.arrayContaining(['x-request-id', 'x-distillgate-route', 'retry-after']));
    expectNoUpstreamRequest(limited);
  });

  it('the actual response to an allowed origin carries allow-origin and the exposed headers', async () => {
    const res = await post(`${limited.url}/v1/chat/completions`, chatBody(), { headers: { origin: ORIGIN } });
    expect(res.status).toBe(200);
    await res.text();
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const exposed = res.headers.get('access-control-expose-headers')?.toLowerCase().split(',') ?? [];
    expect(exposed).toEqual(
      expect.arrayContaining(['x-request-id', 'x-distillgate-route', 'x-distillgate-model', 'x-distillgate-cost-micro-usd', 'retry-after']),
    );
    // an origin not on the list is not allowed
    const other = await preflight(limited.url, 'http://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('with no origins configured, no CORS headers are sent', async () => {
    const responses = [
      await preflight(plain.url),
      await post(`${plain.url}/v1/chat/completions`, chatBody(), { headers: { origin: ORIGIN } }),
    ];
    for (const res of responses) {
      await res.text();
      const cors = [...res.headers.keys()].filter((name) => name.startsWith('access-control-'));
      expect(cors).toEqual([]);
    }
  });
});

describe('requests the HTTP parser refuses still get the error envelope', () => {
  /** Sends raw bytes on a fresh socket and returns everything the gateway answers. */
  function rawExchange(url: string, request: string): Promise<string> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.end(request));
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => {
        answer += d;
      });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy(new Error('no answer')));
    });
  }

  it.each([
    ['headers over the limit', `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(100_000)}\r\n\r\n`, 431],
    ['malformed framing', 'POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-length: nope\r\n\r\n', 400],
  ])('%s', async (_name, request, status) => {
    const answer = await rawExchange(plain.url, request);
    expect(answer.startsWith(`HTTP/1.1 ${status} `), answer.slice(0, 80)).toBe(true);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    conforms('ErrorResponse', body);
    expectNoUpstreamRequest(plain);
  });
});
