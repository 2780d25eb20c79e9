/**
 * The `pool` policy with real members: three gpu-worker processes on loopback serving the committed
 * student, behind the real gateway process. Balancing spreads concurrent requests; a member killed
 * mid-stream costs that client exactly one in-band error (no `[DONE]`) and nobody else anything;
 * a member restarted on its port is used again once its health check passes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.ts';
import { type GpuWorkerProcess, startGpuWorkerProcess } from '../support/gpu-worker-process.ts';
import { type MockUpstream, startMockUpstream } from '../support/mock-upstream.ts';
import { edgeSkipReason, STUDENT } from './edge-models.ts';
import { expectError, expectInBandError, type Json, parseSse, post, REQUEST_TIMEOUT_MS, within } from './helpers.ts';

const skipReason = edgeSkipReason();
const MODELS = join(new URL('../..', import.meta.url).pathname, 'models');
const liveDir = () => {
  const { live } = JSON.parse(readFileSync(join(MODELS, STUDENT, 'channels.json'), 'utf8')) as { live: string };
  return join(MODELS, STUDENT, live);
};
/** Active health check interval of every member. @unit ms */
const HEALTH_CHECK_MS = 200;
const MEMBERS = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const workerArgs = (port = 0) => ['--model-dir', liveDir(), '--max-concurrent', '4', '--port', String(port)];

/** A metric's value summed over its label sets, from the worker's Prometheus text (0 when absent). */
async function metric(worker: GpuWorkerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${worker.url}/metrics`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).text();
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

const shortChat = (i: number): Json => ({
  model: 'balanced',
  messages: [{ role: 'user', content: `Say something about the number ${i}` }],
  max_tokens: 8,
});

describe.skipIf(skipReason !== null)('pool alias over real gpu-workers', () => {
  const workers: GpuWorkerProcess[] = [];
  let gateway: GatewayProcess;

  beforeAll(async () => {
    workers.push(...(await Promise.all(Array.from({ length: MEMBERS }, () => startGpuWorkerProcess(workerArgs(), 120_000)))));
    const upstreams = workers.map((w, i) => ({
      name: `gpu${i}`,
      baseUrl: `${w.url}/v1`,
      models: [STUDENT],
      version: 'test',
      timeouts: { connectMs: 1000, firstByteMs: 20_000, idleMs: 10_000 },
      health: { healthCheckMs: HEALTH_CHECK_MS, timeoutMs: 1000, failureThreshold: 2, cooldownMs: 1000, metricsPath: '/metrics' },
    }));
    gateway = await startGatewayProcess({
      upstreams,
      edge: { models: [] },
      models: { balanced: { policy: 'pool', targets: upstreams.map((u) => ({ upstream: u.name })) } },
    });
  }, 240_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all(workers.map((w) => w.stop()));
    const failures = (gateway?.logs ?? []).filter((line) => /"level":"error"|Unhandled|uncaught|^\s+at /i.test(line));
    expect(failures).toEqual([]);
  });

  it('spreads 12 concurrent requests over at least two members', async () => {
    const before = await Promise.all(workers.map((w) => metric(w, 'vllm:prompt_tokens_total')));
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => post(`${gateway.url}/v1/chat/completions`, shortChat(i))));
    for (const res of responses) {
      expect(res.status, await res.clone().text()).toBe(200);
      expect(res.headers.get('x-distillgate-route')).toBe('pool');
      expect(((await res.json()) as Json).choices[0].message.content).toEqual(expect.any(String));
    }
    const after = await Promise.all(workers.map((w) => metric(w, 'vllm:prompt_tokens_total')));
    const used = after.filter((n, i) => n > (before[i] as number)).length;
    expect(used).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('a member killed mid-stream: that client gets one in-band error, new requests go to the others; restarted, it is used again', async () => {
    const res = await post(
      `${gateway.url}/v1/chat/completions`,
      {
        model: 'balanced',
        messages: [{ role: 'user', content: 'And God said' }],
        max_tokens: 240,
        temperature: 0, // greedy: this prompt runs to max_tokens on the student
        stream: true,
      },
      { signal: AbortSignal.timeout(60_000) },
    );
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value, { stream: true });

    // the member serving the stream is the one with a running request
    const running = await Promise.all(workers.map((w) => metric(w, 'vllm:num_requests_running')));
    const victim = running.findIndex((n) => n > 0);
    expect(victim).toBeGreaterThanOrEqual(0);
    const killed = workers[victim] as GpuWorkerProcess;
    const port = Number(new URL(killed.url).port);
    killed.child.kill('SIGKILL');
    await within(killed.exited, 10_000, 'the killed member exiting');

    for (let i = 0; i < 10_000; i++) {
      const { done, value } = await within(reader.read(), 20_000, 'the rest of the cut stream');
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expectInBandError(parseSse(text), 'stream_truncated');

    // after the health check marked it down, nothing a client sees goes wrong
    await sleep(HEALTH_CHECK_MS * 3);
    const survivors = workers.filter((_, i) => i !== victim);
    const responses = await Promise.all(Array.from({ length: 6 }, (_, i) => post(`${gateway.url}/v1/chat/completions`, shortChat(i))));
    for (const r of responses) expect(r.status, await r.text()).toBe(200);

    // restart on the same port: a new process, so its counters start at 0
    const restarted = await startGpuWorkerProcess(workerArgs(port), 120_000);
    workers[victim] = restarted;
    await sleep(HEALTH_CHECK_MS * 3);
    let served = 0;
    for (let round = 0; round < 20 && served === 0; round++) {
      const batch = await Promise.all(Array.from({ length: 6 }, (_, i) => post(`${gateway.url}/v1/chat/completions`, shortChat(i))));
      for (const r of batch) expect(r.status, await r.text()).toBe(200);
      served = await metric(restarted, 'vllm:prompt_tokens_total');
    }
    expect(served).toBeGreaterThan(0);
    expect(survivors.length).toBe(MEMBERS - 1);
  }, 240_000);
});

describe('pool alias: what an upstream answers (scripted loopback members)', () => {
  let mocks: MockUpstream[];
  let gateway: GatewayProcess;
  const ask = () => post(`${gateway.url}/v1/chat/completions`, { model: 'balanced', messages: [{ role: 'user', content: 'hi there' }] });

  beforeAll(async () => {
    mocks = await Promise.all([startMockUpstream(), startMockUpstream()]);
    const upstreams = mocks.map((m, i) => ({
      name: `mock${i}`,
      baseUrl: m.baseUrl,
      models: ['mock-model'],
      timeouts: { connectMs: 1000, firstByteMs: 3000, idleMs: 2000 },
      // the mock answers GET /v1/models without recording it
      health: { path: '/v1/models', healthCheckMs: HEALTH_CHECK_MS, failureThreshold: 2, cooldownMs: 1000 },
    }));
    gateway = await startGatewayProcess({
      upstreams,
      edge: { models: [] },
      models: { balanced: { policy: 'pool', targets: upstreams.map((u) => ({ upstream: u.name })) } },
    });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all((mocks ?? []).map((m) => m.close()));
  });

  const reset = () => {
    for (const m of mocks) {
      m.requests.length = 0;
      m.fallback = { kind: 'echo' };
    }
  };

  it('a deterministic 400 goes back to the client after one attempt and marks no member down', async () => {
    reset();
    const invalid = {
      kind: 'status' as const,
      status: 400,
      body: { error: { message: 'bad temperature', type: 'invalid_request_error', param: 'temperature', code: null } },
    };
    for (const m of mocks) m.fallback = invalid;
    await expectError(await ask(), 400, 'invalid_value', 'temperature');
    expect(mocks.reduce((n, m) => n + m.requests.length, 0)).toBe(1);
    reset();
    // both members keep being used (p = 2·2⁻²⁰ that one is never picked by chance)
    for (let i = 0; i < 20; i++) expect((await ask()).status).toBe(200);
    expect(mocks.filter((m) => m.requests.length > 0).length).toBe(2);
  }, 30_000);

  it("a member's Retry-After is respected: no calls to it before then, used again after", async () => {
    reset();
    const [busy, other] = mocks as [MockUpstream, MockUpstream];
    busy.fallback = { kind: 'status', status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'queue full' } } };
    for (let i = 0; i < 30 && busy.requests.length === 0; i++) expect((await ask()).status).toBe(200);
    expect(busy.requests).toHaveLength(1);
    const askedAtMs = Date.now();
    for (let i = 0; i < 10; i++) expect((await ask()).status).toBe(200);
    expect(Date.now() - askedAtMs).toBeLessThan(2000);
    expect(busy.requests).toHaveLength(1);
    expect(other.requests.length).toBeGreaterThanOrEqual(11);
    busy.fallback = { kind: 'echo' };
    await sleep(2000 - (Date.now() - askedAtMs) + 100);
    for (let i = 0; i < 30 && busy.requests.length === 1; i++) expect((await ask()).status).toBe(200);
    expect(busy.requests.length).toBeGreaterThan(1);
  }, 30_000);
});
