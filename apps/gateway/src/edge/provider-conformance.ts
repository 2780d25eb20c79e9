/**
 * TEST-ONLY: the behaviour every EdgeProvider shares (STYLE.md: pluggable parts run one shared
 * conformance suite). Node runs it in edge/node/provider.test.ts; the Workers provider can run it
 * inside workerd with its own fixture.
 *
 * The fixture's `model` must be served with `maxConcurrent: 1, maxQueued: 0` (the suite checks
 * admission), and have a context of at least 64 tokens. `broken`, when given, is a served model id
 * whose files cannot load. A generation nobody reads must keep its slot once it has produced 32
 * events at most (Node's credit window; Workers' pull-based engine holds it from the start).
 */
import {
  ContextLengthExceededError,
  type DoneEvent,
  EdgeOverloadedError,
  type GenerationEvent,
  type GenerationRequest,
  InvalidGenerationRequestError,
  type TokenEvent,
} from '@distillgate/edge-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EdgeProvider, EdgeUnavailableError } from './provider.ts';

export interface EdgeProviderFixture {
  provider: EdgeProvider;
  /** A working model, served with maxConcurrent 1 and maxQueued 0. */
  model: string;
  /** A served model whose files cannot load, if the fixture has one. */
  broken?: string;
  close(): Promise<void>;
}

const PROMPT: GenerationRequest = { prompt: 'And God said, Let there be light', temperature: 1, seed: 42, max_tokens: 6 };

async function collect(
  events: AsyncIterable<GenerationEvent>,
): Promise<{ tokens: TokenEvent[]; done: DoneEvent; events: GenerationEvent[] }> {
  const all: GenerationEvent[] = [];
  for await (const e of events) all.push(e);
  const done = all.at(-1);
  if (done?.type !== 'done') throw new Error('the last event is not done');
  return { tokens: all.filter((e): e is TokenEvent => e.type === 'token'), done, events: all };
}

/** Resolves with what `promise` threw. */
async function thrown(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export function edgeProviderConformance(name: string, setup: () => Promise<EdgeProviderFixture>, timeoutMs = 120_000): void {
  describe(`EdgeProvider conformance: ${name}`, () => {
    let fx: EdgeProviderFixture;
    const signal = () => AbortSignal.timeout(timeoutMs);
    beforeAll(async () => {
      fx = await setup();
    }, timeoutMs);
    afterAll(() => fx?.close());

    it('has() and models() name the served models', () => {
      expect(fx.provider.has(fx.model)).toBe(true);
      expect(fx.provider.has('no-such-edge-model')).toBe(false);
      const info = fx.provider.models().find((m) => m.id === fx.model);
      expect(info?.status).toMatch(/^(not_loaded|loading|ready)$/);
    });

    it(
      'a generation: token events indexed 0…n−1, then one done event; the version as models() says',
      async () => {
        const generation = await fx.provider.generate(fx.model, PROMPT, signal());
        const { tokens, done, events } = await collect(generation.events);
        expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
        expect(tokens.map((t) => t.index)).toEqual(tokens.map((_, i) => i));
        expect(done.usage.prompt_tokens).toBeGreaterThan(0);
        expect(done.usage.completion_tokens).toBeGreaterThanOrEqual(tokens.length);
        if (done.finish_reason === 'length') expect(done.usage.completion_tokens).toBe(6);
        const info = fx.provider.models().find((m) => m.id === fx.model);
        expect(info).toMatchObject({ status: 'ready', version: generation.version });
      },
      timeoutMs,
    );

    it('the same seed gives the same tokens', async () => {
      const a = await collect((await fx.provider.generate(fx.model, PROMPT, signal())).events);
      const b = await collect((await fx.provider.generate(fx.model, PROMPT, signal())).events);
      expect(b.tokens.map((t) => t.tokenId)).toEqual(a.tokens.map((t) => t.tokenId));
    });

    it('requests the model refuses: ContextLengthExceededError, InvalidGenerationRequestError (with param)', async () => {
      const long = await thrown(fx.provider.generate(fx.model, { prompt: 'and the '.repeat(4096), max_tokens: 4 }, signal()));
      expect(long).toBeInstanceOf(ContextLengthExceededError);
      expect((long as ContextLengthExceededError).param).toBe('prompt');
      const bad = await thrown(fx.provider.generate(fx.model, { ...PROMPT, temperature: 3 }, signal()));
      expect(bad).toBeInstanceOf(InvalidGenerationRequestError);
      expect((bad as InvalidGenerationRequestError).param).toBe('temperature');
    });

    it('one slot, no queue: a second generation is refused with EdgeOverloadedError until the first ends', async () => {
      const first = await fx.provider.generate(fx.model, { ...PROMPT, max_tokens: 48 }, signal()); // unread: holds its slot
      const refused = await thrown(fx.provider.generate(fx.model, PROMPT, signal()));
      expect(refused).toBeInstanceOf(EdgeOverloadedError);
      expect((refused as EdgeOverloadedError).retryAfterMs).toBeGreaterThanOrEqual(1000);
      await collect(first.events);
      await collect((await fx.provider.generate(fx.model, PROMPT, signal())).events);
    });

    it('aborting the signal ends the generation with an error and frees its slot', async () => {
      const controller = new AbortController();
      const generation = await fx.provider.generate(fx.model, { ...PROMPT, max_tokens: 48 }, controller.signal);
      const iterator = generation.events[Symbol.asyncIterator]();
      await iterator.next();
      controller.abort(new Error('client went away'));
      await expect(
        (async () => {
          for (let r = await iterator.next(); !r.done; r = await iterator.next());
        })(),
      ).rejects.toThrow();
      await collect((await fx.provider.generate(fx.model, PROMPT, signal())).events);
    });

    it('leaving the loop early frees the slot too', async () => {
      const generation = await fx.provider.generate(fx.model, { ...PROMPT, max_tokens: 48 }, signal());
      for await (const _ of generation.events) break;
      await collect((await fx.provider.generate(fx.model, PROMPT, signal())).events);
    });

    it('an unknown model id is EdgeUnavailableError', async () => {
      expect(await thrown(fx.provider.generate('no-such-edge-model', PROMPT, signal()))).toBeInstanceOf(EdgeUnavailableError);
    });

    it('a model that cannot load: EdgeUnavailableError, then unavailable in models()', async (ctx) => {
      if (!fx.broken) return ctx.skip('this fixture has no broken model');
      for (let i = 0; i < 2; i++)
        expect(await thrown(fx.provider.generate(fx.broken, PROMPT, signal()))).toBeInstanceOf(EdgeUnavailableError);
      expect(fx.provider.models().find((m) => m.id === fx.broken)?.status).toBe('unavailable');
    });
  });
}
