import type { GenerationEvent } from '@distillgate/edge-model';
import { describe, expect, it } from 'vitest';
import { CREDIT_WINDOW } from './protocol.ts';
import { RemoteGeneration } from './remote-generation.ts';

const confidence = { maxProb: 1, entropyNats: 0, top1Top2Margin: 1 };
const token = (index: number): GenerationEvent => ({ type: 'token', index, tokenId: index, text: 'x', logprobs: null, confidence });
const done: GenerationEvent = {
  type: 'done',
  finish_reason: 'length',
  stop_reason: 'max_tokens',
  text: '',
  usage: { prompt_tokens: 1, completion_tokens: 1 },
  timings: { queueMs: 0, prefillMs: 0, decodeMs: 0 },
};

function link() {
  const calls = { credit: [] as number[], abort: 0, settled: 0 };
  return { calls, link: { credit: (n: number) => calls.credit.push(n), abort: () => calls.abort++, settled: () => calls.settled++ } };
}

describe('RemoteGeneration', () => {
  it('hands credit back in half-window batches as the consumer takes events, and settles once on done', async () => {
    const { calls, link: l } = link();
    const g = new RemoteGeneration(l, new AbortController().signal);
    for (let i = 0; i < CREDIT_WINDOW; i++) g.push(token(i));
    const it = g[Symbol.asyncIterator]();
    for (let i = 0; i < CREDIT_WINDOW / 2 - 1; i++) await it.next();
    expect(calls.credit).toEqual([]);
    await it.next();
    expect(calls.credit).toEqual([CREDIT_WINDOW / 2]);
    g.push(done);
    g.end(); // the worker's `end` after done changes nothing
    const rest: GenerationEvent[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest.at(-1)).toBe(done);
    expect(calls).toMatchObject({ abort: 0, settled: 1 });
  });

  it('a consumer waiting for the next event wakes on push', async () => {
    const { link: l } = link();
    const g = new RemoteGeneration(l, new AbortController().signal);
    const next = g[Symbol.asyncIterator]().next();
    g.push(token(0));
    expect((await next).value).toMatchObject({ type: 'token', index: 0 });
  });

  it('aborting the signal aborts the worker side, and the consumer sees the reason after buffered events', async () => {
    const { calls, link: l } = link();
    const controller = new AbortController();
    const g = new RemoteGeneration(l, controller.signal);
    g.push(token(0));
    const reason = new Error('gone');
    controller.abort(reason);
    const it = g[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ index: 0 });
    await expect(it.next()).rejects.toBe(reason);
    expect(calls).toMatchObject({ abort: 1, settled: 1 });
  });

  it('leaving the loop early aborts; after done it does not', async () => {
    const a = link();
    const early = new RemoteGeneration(a.link, new AbortController().signal);
    early.push(token(0));
    for await (const _ of early) break;
    expect(a.calls).toMatchObject({ abort: 1, settled: 1 });

    const b = link();
    const finished = new RemoteGeneration(b.link, new AbortController().signal);
    finished.push(done);
    for await (const _ of finished) break;
    expect(b.calls).toMatchObject({ abort: 0, settled: 1 });
  });

  it('a failure from the worker ends the iteration with that error', async () => {
    const { link: l } = link();
    const g = new RemoteGeneration(l, new AbortController().signal);
    const error = new Error('the edge worker thread exited');
    g.end(error);
    await expect(g[Symbol.asyncIterator]().next()).rejects.toBe(error);
  });
});
