/**
 * The gateway inside workerd (the real Workers runtime via vitest-pool-workers), calling a real
 * loopback upstream started by global-setup.ts, with the D1 metering of wrangler.toml on: requests
 * carry the test file's development key (setup.ts).
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { AUTH } from './dev-key.ts';

const worker = (exports as unknown as { default: { fetch(req: Request): Promise<Response> } }).default;

function chat(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return worker.fetch(
    new Request('http://gateway/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...AUTH, ...headers },
      body: JSON.stringify(body),
    }),
  );
}

describe('gateway in workerd', () => {
  it('answers a chat completion through the upstream with the route headers', async () => {
    const res = await chat({ model: 'auto', messages: [{ role: 'user', content: 'hello from workerd' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-distillgate-route')).toBe('pool');
    expect(res.headers.get('x-distillgate-model')).toBe('distillgate-teacher@0.1.0');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const body = (await res.json()) as { choices: Array<{ message: { content: string }; finish_reason: string }> };
    expect(body.choices[0]?.message.content).toBe('echo: hello from workerd');
    expect(body.choices[0]?.finish_reason).toBe('stop');
  });

  it('relays a stream ending in exactly one [DONE]', async () => {
    const res = await chat({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'one two three' }] });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    const data = text
      .split('\n\n')
      .filter(Boolean)
      .map((e) => e.replace(/^data: /, ''));
    expect(data.at(-1)).toBe('[DONE]');
    expect(data.filter((d) => d === '[DONE]')).toHaveLength(1);
    const content = data
      .slice(0, -1)
      .map((d) => JSON.parse(d) as { choices: Array<{ delta: { content?: string } }> })
      .map((c) => c.choices[0]?.delta.content ?? '')
      .join('');
    expect(content).toBe('echo: one two three');
  });

  it('refuses bad input with the OpenAI error envelope', async () => {
    const res = await chat({ model: 'auto', messages: [] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { param: string; type: string } };
    expect(body.error.param).toBe('messages');
    expect(body.error.type).toBe('invalid_request_error');
  });
});
