/**
 * The built @distillgate/sdk (packages/sdk/dist, produced by its `prepare` script on `npm ci`)
 * imported inside workerd: it talks to the gateway Worker of this test run through a custom
 * `fetch`, and to the loopback mock upstream (OpenAI-compatible) through workerd's own global
 * fetch — so it needs no Node-only API.
 */
import { exports } from 'cloudflare:workers';
import { AuthenticationError, Distillgate } from '@distillgate/sdk';
import { describe, expect, inject, it } from 'vitest';
import { DEV_KEY } from './dev-key.ts';

const worker = (exports as unknown as { default: { fetch(req: Request): Promise<Response> } }).default;

describe('@distillgate/sdk in workerd', () => {
  it('calls the gateway Worker: a chat completion with its headers, a stream to [DONE]', async () => {
    const client = new Distillgate({
      baseURL: 'http://gateway',
      apiKey: DEV_KEY,
      fetch: (url, init) => worker.fetch(new Request(url, init)),
    });
    const { data, gateway } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'hello from the sdk' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('echo: hello from the sdk');
    expect(gateway).toMatchObject({ route: 'pool', model: 'distillgate-teacher', modelVersion: '0.1.0' });
    expect(gateway.requestId).toBeTruthy();

    const stream = await client.chat.completions.create({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'one two' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('echo: one two');
  });

  it("uses workerd's global fetch against an OpenAI-compatible server", async () => {
    const client = new Distillgate({ baseURL: inject('mockBaseUrl'), apiKey: 'unused' });
    const answer = await client.chat.completions.create({ model: 'mock-model', messages: [{ role: 'user', content: 'via global fetch' }] });
    expect(answer.choices[0]?.message.content).toBe('echo: via global fetch');
    const wrong = new Distillgate({
      baseURL: 'http://gateway',
      apiKey: 'dg-wrong-key-0123456789',
      fetch: (url, init) => worker.fetch(new Request(url, init)),
    });
    await expect(wrong.models.list()).rejects.toBeInstanceOf(AuthenticationError);
  });
});
