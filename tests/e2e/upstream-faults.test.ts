/**
 * Non-streaming requests whose upstream misbehaves: failover to the next member, the error when
 * every member fails (502 / 504 / 503 + Retry-After), and a deterministic 4xx returned unchanged
 * without trying another member.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MockBehaviour } from '../support/mock-upstream.ts';
import { chatBody, conforms, expectError, type Json, post, type Stack, startStack, within } from './helpers.ts';

let stack: Stack;
let chatUrl: string;

beforeAll(async () => {
  stack = await startStack();
  chatUrl = `${stack.url}/v1/chat/completions`;
});
afterAll(() => stack?.stop());
beforeEach(() => stack.reset());

const TEXT = 'served by the next member';

/** Asserts a 200 completion whose content came from mock1's echo. */
async function expectServedByMock1(res: Response): Promise<Json> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const body = JSON.parse(text) as Json;
  conforms('CreateChatCompletionResponse', body);
  expect(body.choices[0].message.content).toBe(`echo: ${TEXT}`);
  expect(stack.mocks[1]?.requests).toHaveLength(1);
  expect(res.headers.get('x-distillgate-model')).toBe('mock-model@test');
  return body;
}

const serverError: MockBehaviour = { kind: 'status', status: 500, body: { error: { message: 'internal', type: 'server_error' } } };

describe('failover to the next member', () => {
  const faults: Array<[string, MockBehaviour]> = [
    ['500', serverError],
    ['a destroyed connection', { kind: 'destroy' }],
    ['200 with an error object', { kind: 'status', status: 200, body: { error: { message: 'overloaded', type: 'server_error' } } }],
    [
      '200 with choices: []',
      { kind: 'status', status: 200, body: { id: 'x', object: 'chat.completion', created: 1, model: 'mock-model', choices: [] } },
    ],
    ['200 with a body that is not JSON', { kind: 'status', status: 200, body: '<html>gateway page</html>' }],
  ];

  it.each(faults)('mock0 answers %s → served by mock1', async (_name, fault) => {
    stack.mocks[0]?.enqueue(fault);
    await expectServedByMock1(await post(chatUrl, chatBody({}, TEXT)));
    expect(stack.mocks[0]?.requests).toHaveLength(1);
  });

  it('the first member refuses connections → served by mock1', async () => {
    await expectServedByMock1(await post(chatUrl, chatBody({ model: 'refused' }, TEXT)));
  });

  it('mock0 hangs past firstByteMs → served by mock1, the hung request closed', async () => {
    stack.mocks[0]?.enqueue({ kind: 'hang' });
    const startedMs = Date.now();
    await expectServedByMock1(await post(chatUrl, chatBody({}, TEXT)));
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(2800); // firstByteMs 3000, minus timer slack
    await within(stack.mocks[0]?.requests[0]?.closed as Promise<number>, 5_000, 'the hung request being closed');
  });
});

describe('every member fails', () => {
  it('500 everywhere → 502 upstream_error', async () => {
    stack.mocks[0]?.enqueue(serverError);
    stack.mocks[1]?.enqueue(serverError);
    await expectError(await post(chatUrl, chatBody()), 502, 'upstream_error', null);
    expect(stack.mocks.map((m) => m.requests.length)).toEqual([1, 1]);
  });

  it('the last failure a timeout → 504 upstream_timeout', async () => {
    stack.mocks[0]?.enqueue(serverError);
    stack.mocks[1]?.enqueue({ kind: 'hang' });
    await expectError(await post(chatUrl, chatBody()), 504, 'upstream_timeout', null);
  });

  it('429 with Retry-After everywhere → 503 model_unavailable with Retry-After; inside the window no member is called', async () => {
    const busy: MockBehaviour = {
      kind: 'status',
      status: 429,
      body: { error: { message: 'queue full', type: 'requests' } },
      headers: { 'retry-after': '2' },
    };
    stack.mocks[0]?.enqueue(busy);
    stack.mocks[1]?.enqueue(busy);
    const res = await post(chatUrl, chatBody());
    expect(res.headers.get('retry-after')).toBe('2');
    await expectError(res, 503, 'model_unavailable');
    // within the window: refused at once, with the time left, and nobody upstream is asked
    const again = await post(chatUrl, chatBody());
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(again.headers.get('retry-after'))).toBeLessThanOrEqual(2);
    await expectError(again, 503, 'model_unavailable');
    expect(stack.mocks.map((m) => m.requests.length)).toEqual([1, 1]);
    await new Promise((r) => setTimeout(r, 2100)); // the window ends: the next tests get both members back
    const after = await post(chatUrl, chatBody());
    expect(after.status).toBe(200);
    await after.text();
    expect(stack.mocks[0]?.requests).toHaveLength(2);
  });
});

describe('a deterministic upstream 4xx', () => {
  it('is returned as a 400 with the upstream message, and mock1 is not called', async () => {
    const message = "This model's maximum is 7 stop sequences, you sent 9.";
    stack.mocks[0]?.enqueue({
      kind: 'status',
      status: 400,
      body: { error: { message, type: 'invalid_request_error', param: 'stop', code: null } },
    });
    const error = await expectError(await post(chatUrl, chatBody()), 400, 'invalid_value', 'stop');
    expect(error.message).toBe(message);
    expect(error.type).toBe('invalid_request_error');
    expect(stack.mocks[1]?.requests).toHaveLength(0);
  });

  it('a vLLM-style top-level error body keeps its message too', async () => {
    const message = 'prompt is too long for this engine';
    stack.mocks[0]?.enqueue({ kind: 'status', status: 422, body: { object: 'error', message, type: 'BadRequestError', code: 422 } });
    const error = await expectError(await post(chatUrl, chatBody()), 400, 'invalid_value');
    expect(error.message).toBe(message);
    expect(stack.mocks[1]?.requests).toHaveLength(0);
  });
});
