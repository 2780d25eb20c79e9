import { describe, expect, it } from 'vitest';
import { TeacherClient, TeacherHttpError } from './client.ts';

/** A fetch that answers from a script, recording each call's time. */
function scripted(answers: Array<() => Response | Promise<Response>>) {
  const calls: number[] = [];
  const fetch = (async () => {
    calls.push(Date.now());
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next();
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const refused = () => {
  throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
};

describe('TeacherClient', () => {
  it('retries connection errors, 429 (honouring Retry-After) and 5xx, then returns the body', async () => {
    const { fetch, calls } = scripted([
      refused,
      () => json(429, { error: { message: 'busy' } }, { 'retry-after-ms': '120' }),
      () => json(503, { error: { message: 'draining' } }),
      () => json(200, { ok: true }),
    ]);
    const reasons: string[] = [];
    const client = new TeacherClient({ baseUrl: 'http://x/v1/', fetch, backoffBaseMs: 5, onRetry: (r) => reasons.push(r.reason) });
    expect(await client.post('/completions', { a: 1 })).toEqual({ ok: true });
    expect(calls).toHaveLength(4);
    expect(calls[2]! - calls[1]!).toBeGreaterThanOrEqual(110); // waited for retry-after-ms
    expect(reasons[0]).toContain('ECONNREFUSED');
    expect(reasons[1]).toContain('HTTP 429: busy');
    expect(client.retries).toBe(3);
  });

  it('does not retry a 400, and gives up after maxAttempts', async () => {
    const bad = scripted([() => json(400, { error: { message: 'logprobs must be ≤ 20' } })]);
    await expect(new TeacherClient({ baseUrl: 'http://x/v1', fetch: bad.fetch }).post('/completions', {})).rejects.toEqual(
      new TeacherHttpError(400, 'POST /completions: HTTP 400: logprobs must be ≤ 20'),
    );
    const down = scripted([refused, refused, refused]);
    await expect(
      new TeacherClient({ baseUrl: 'http://x/v1', fetch: down.fetch, maxAttempts: 3, backoffBaseMs: 1 }).get('/models'),
    ).rejects.toThrow(/failed after 3 attempts: fetch failed \(ECONNREFUSED\)/);
  });

  it('times out an attempt and retries it', async () => {
    const calls: number[] = [];
    const fetch = ((_url: string, init: RequestInit) => {
      calls.push(Date.now());
      if (calls.length > 1) return Promise.resolve(json(200, { ok: 1 }));
      // the first attempt never answers: only its timeout signal ends it
      return new Promise<Response>((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    }) as unknown as typeof globalThis.fetch;
    const client = new TeacherClient({ baseUrl: 'http://x/v1', fetch, timeoutMs: 50, backoffBaseMs: 1 });
    expect(await client.get('/models')).toEqual({ ok: 1 });
    expect(calls).toHaveLength(2);
  });

  it('stops waiting when the caller aborts', async () => {
    const { fetch } = scripted([() => json(503, {}, { 'retry-after': '30' })]);
    const ac = new AbortController();
    const pending = new TeacherClient({ baseUrl: 'http://x/v1', fetch }).get('/models', ac.signal);
    setTimeout(() => ac.abort(new Error('stop')), 20);
    await expect(pending).rejects.toThrow('stop');
  });
});
