/**
 * Edge admission limits in the real gateway process: with `maxConcurrent: 1, maxQueued: 0` a
 * request arriving while a generation runs gets 429 `edge_overloaded` with Retry-After when it
 * names the edge model, and is served by the pool when it comes through the alias `auto`
 * (edge first, then the pool).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeModelsDir, edgeSkipReason, makeEdgeModelsDir, STUDENT } from './edge-models.ts';
import { conforms, type Json, post, type Stack, startStack } from './helpers.ts';

const skipReason = edgeSkipReason();

let models: EdgeModelsDir;
let stack: Stack;
let chatUrl: string;

beforeAll(async () => {
  if (skipReason) return;
  models = await makeEdgeModelsDir();
  stack = await startStack({
    mocks: 1,
    edge: { modelsDir: models.dir, models: [STUDENT], maxConcurrent: 1, maxQueued: 0 },
    models: { auto: { targets: [{ edge: STUDENT }, { upstream: 'mock0' }] } },
  });
  chatUrl = `${stack.url}/v1/chat/completions`;
  const warm = await post(chatUrl, { model: STUDENT, messages: [{ role: 'user', content: 'warm up' }], max_tokens: 2 });
  expect(warm.status).toBe(200); // the model is loaded before the bursts below
  await warm.text();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  models?.remove();
});

/** A generation long enough (the whole context) to still run when the next requests arrive. */
const long = (model: string) => ({
  model,
  messages: [{ role: 'user', content: 'And God said' }],
  temperature: 1,
  seed: 1,
  max_tokens: Math.max(8, (models?.contextLength ?? 64) - 24),
});

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

/** Sends `n` requests at once; each answer whole. */
async function burst(n: number, model: string): Promise<Answer[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const res = await post(chatUrl, long(model));
      return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
    }),
  );
}

/**
 * Bursts until one shows what `seen` looks for (at most 5): with one slot and no queue, a burst's
 * requests overlap the first one's generation, except on a badly stalled machine.
 */
async function burstUntil(model: string, seen: (answers: Answer[]) => boolean): Promise<Answer[]> {
  let answers: Answer[] = [];
  for (let round = 0; round < 5; round++) {
    answers = await burst(3, model);
    if (seen(answers)) break;
  }
  return answers;
}

describe.skipIf(skipReason !== null)('edge overload (maxConcurrent 1, maxQueued 0)', () => {
  it('naming the edge model: one is served, the others get 429 edge_overloaded with Retry-After', async () => {
    const answers = await burstUntil(STUDENT, (a) => a.some((x) => x.status === 429));
    const served = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(served.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const a of served) expect(a.headers.get('x-distillgate-route')).toBe('edge');
    for (const a of refused) {
      conforms('ErrorResponse', a.body);
      expect(a.body.error).toMatchObject({ type: 'server_error', code: 'edge_overloaded' });
      expect(a.body.error.message).toMatch(/overloaded \(1 running, 0 queued\)/);
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  });

  it('through auto: the edge serves one, the pool the ones the edge refused; none fails', async () => {
    const answers = await burstUntil('auto', (a) => a.some((x) => x.headers.get('x-distillgate-route') === 'pool'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const routes = answers.map((a) => a.headers.get('x-distillgate-route'));
    expect(routes).toContain('edge');
    expect(routes).toContain('pool');
    for (const a of answers) {
      conforms('CreateChatCompletionResponse', a.body);
      const route = a.headers.get('x-distillgate-route');
      expect(a.body.model).toBe(route === 'edge' ? STUDENT : 'mock-model');
    }
    expect(stack.mocks[0]?.requests.length).toBeGreaterThanOrEqual(1);
  });
});
