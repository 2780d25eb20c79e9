/**
 * Property-based fuzzing of request bodies and headers against the real gateway process (fast-check,
 * fixed seeds, ≤ 200 runs each; the loopback mock upstream answers whatever passes validation):
 * never a 5xx, never a hang (every answer within the request timeout), every error an OpenAI
 * envelope; and a body made invalid in one known field gets a 400 naming that field in `param`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../support/gateway-process.ts';
import { conforms, type Json, post, type Stack, startStack } from './helpers.ts';

let stack: Stack;
let chatUrl: string;
let completionsUrl: string;

beforeAll(async () => {
  stack = await startStack();
  chatUrl = `${stack.url}/v1/chat/completions`;
  completionsUrl = `${stack.url}/v1/completions`;
});
afterAll(() => stack?.stop());

/** Reads the whole answer; checks what every answer must be. Returns the status and decoded error, if any. */
async function answer(res: Response): Promise<{ status: number; error?: Json }> {
  const text = await res.text();
  expect(res.status, text).toBeLessThan(500);
  if (res.status === 200) return { status: 200 };
  const body = JSON.parse(text) as Json;
  conforms('ErrorResponse', body);
  return { status: res.status, error: body.error };
}

const CHAT_FIELDS = [
  'model',
  'messages',
  'temperature',
  'top_p',
  'n',
  'stream',
  'stop',
  'max_tokens',
  'max_completion_tokens',
  'logprobs',
  'top_logprobs',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'user',
  'logit_bias',
  'stream_options',
  'response_format',
  'tools',
  'tool_choice',
] as const;

/** Any JSON value, small. */
const value = fc.jsonValue({ maxDepth: 3 });

describe('fuzzed bodies (no 5xx, no hang, OpenAI errors)', () => {
  it('arbitrary JSON values as the whole body', async () => {
    await fc.assert(
      fc.asyncProperty(value, async (body) => {
        await answer(await post(chatUrl, JSON.stringify(body)));
      }),
      { seed: 11, numRuns: 60 },
    );
  });

  it('objects of known chat fields with arbitrary values; a 400 names a field the body has', async () => {
    const field = fc.constantFrom(...CHAT_FIELDS);
    const body = fc
      .dictionary(field, value, { maxKeys: 6 })
      .map((b) => ({ model: 'solo', messages: [{ role: 'user', content: 'hi' }], ...b }));
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await answer(await post(chatUrl, b));
        if (res.status !== 400 || res.error?.param == null) return;
        const top = String(res.error.param).split(/[.[]/)[0] as string;
        expect(Object.keys(b), `param ${res.error.param} of ${JSON.stringify(b)}`).toContain(top);
      }),
      { seed: 12, numRuns: 150 },
    );
  });

  it('legacy completions with arbitrary prompts', async () => {
    const prompt = fc.oneof(
      fc.string(),
      fc.array(fc.integer({ min: -5, max: 100_000 }), { maxLength: 8 }),
      fc.array(fc.string(), { maxLength: 3 }),
      value,
    );
    await fc.assert(
      fc.asyncProperty(prompt, fc.option(value), async (p, maxTokens) => {
        await answer(await post(completionsUrl, { model: 'solo', prompt: p, ...(maxTokens === null ? {} : { max_tokens: maxTokens }) }));
      }),
      { seed: 13, numRuns: 80 },
    );
  });
});

/** One field made invalid: the generator of bad values and the param the 400 must name. */
const INVALID: Array<[string, fc.Arbitrary<unknown>]> = [
  [
    'temperature',
    fc.oneof(
      fc.double({ min: 2.0001, max: 1e6, noNaN: true }),
      fc.double({ max: -0.0001, min: -1e6, noNaN: true }),
      fc.string(),
      fc.boolean(),
    ),
  ],
  ['top_p', fc.oneof(fc.double({ min: 1.0001, max: 1e6, noNaN: true }), fc.double({ max: -0.0001, min: -1e6, noNaN: true }), fc.string())],
  ['n', fc.oneof(fc.integer({ max: 0, min: -1000 }), fc.constant(1.5), fc.string(), fc.constant(true))],
  ['max_tokens', fc.oneof(fc.integer({ max: 0, min: -1000 }), fc.constant(2.5), fc.string(), fc.constant([]))],
  [
    'presence_penalty',
    fc.oneof(fc.double({ min: 2.0001, max: 1e6, noNaN: true }), fc.double({ max: -2.0001, min: -1e6, noNaN: true }), fc.string()),
  ],
  ['frequency_penalty', fc.oneof(fc.double({ min: 2.0001, max: 1e6, noNaN: true }), fc.string())],
  ['seed', fc.oneof(fc.constant(1.5), fc.string(), fc.constant({}))],
  ['logprobs', fc.oneof(fc.string(), fc.integer(), fc.constant({}))],
  ['top_logprobs', fc.oneof(fc.integer({ min: 21, max: 1000 }), fc.integer({ max: -1, min: -1000 }), fc.string())],
  [
    'stop',
    fc.oneof(fc.array(fc.string(), { minLength: 5, maxLength: 8 }), fc.integer(), fc.array(fc.integer(), { minLength: 1, maxLength: 3 })),
  ],
  ['stream', fc.oneof(fc.string(), fc.integer(), fc.constant({}))],
  ['messages', fc.oneof(fc.constant([]), fc.string(), fc.integer(), fc.constant({}))],
  ['model', fc.oneof(fc.integer(), fc.constant(''), fc.constant([]), fc.constant(null))],
];

describe('one invalid field → 400 naming it', () => {
  it.each(INVALID)('%s', async (field, bad) => {
    await fc.assert(
      fc.asyncProperty(bad, async (v) => {
        const res = await answer(await post(chatUrl, { model: 'solo', messages: [{ role: 'user', content: 'hi' }], [field]: v }));
        expect(res.status, `${field} = ${JSON.stringify(v)}`).toBe(400);
        expect(String(res.error?.param).split(/[.[]/)[0], `${field} = ${JSON.stringify(v)}`).toBe(field);
      }),
      { seed: 14, numRuns: 15 },
    );
  });

  it('a message with a bad role or content names messages[i]…', async () => {
    const bad = fc.record({
      i: fc.integer({ min: 0, max: 2 }),
      key: fc.constantFrom('role', 'content'),
      v: fc.oneof(fc.integer(), fc.constant({}), fc.constant('wizard')),
    });
    await fc.assert(
      fc.asyncProperty(bad, async ({ i, key, v }) => {
        const messages: Json[] = [0, 1, 2].map(() => ({ role: 'user', content: 'ok' }));
        (messages[i] as Json)[key] = v;
        if (key === 'content' && v === 'wizard') return; // a string is valid content
        const res = await answer(await post(chatUrl, { model: 'solo', messages }));
        expect(res.status).toBe(400);
        expect(String(res.error?.param)).toMatch(new RegExp(`^messages\\[${i}\\]`));
      }),
      { seed: 15, numRuns: 40 },
    );
  });
});

describe('fuzzed headers (no 5xx, no hang)', () => {
  // header values a client can send: visible ASCII and spaces (fetch refuses control characters)
  const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,300}$/);
  it('authorization, content-type, idempotency-key, request ids and the route header', async () => {
    const headers = fc.record(
      {
        authorization: fc.oneof(
          headerValue,
          headerValue.map((v) => `Bearer ${v}`),
          fc.constant(`Bearer ${TEST_API_KEY}`),
        ),
        'content-type': fc.oneof(fc.constant('application/json'), headerValue),
        'idempotency-key': headerValue,
        'x-request-id': headerValue,
        'x-client-request-id': headerValue,
        'x-distillgate-route': headerValue,
      },
      { requiredKeys: ['authorization'] },
    );
    await fc.assert(
      fc.asyncProperty(headers, fc.boolean(), async (h, stream) => {
        const res = await answer(
          await post(chatUrl, { model: 'solo', stream, messages: [{ role: 'user', content: 'hi' }] }, { headers: h }),
        );
        if (res.status === 401) expect(res.error?.code).toBe('invalid_api_key');
      }),
      { seed: 16, numRuns: 120 },
    );
  });
});
