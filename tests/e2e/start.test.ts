/**
 * `npm start` as a user runs it (scripts/start.ts, the committed config and models): the gateway
 * and one local gpu-worker with the teacher come up together, the teacher answers through the pool
 * route and the student through the edge route with the development key printed at first start,
 * and stopping the gateway stops the worker.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { type ListeningProcess, spawnListening } from '../support/listening-process.ts';
import { edgeSkipReason } from './edge-models.ts';
import { post } from './helpers.ts';

describe.skipIf(edgeSkipReason() !== null)('npm start (gateway + local gpu-worker with the teacher)', () => {
  let start: ListeningProcess;
  let workerPort: number;
  let devKey: string;

  beforeAll(async () => {
    workerPort = await freePort();
    start = await spawnListening('npm start', [process.execPath, '--import', 'tsx', 'scripts/start.ts'], {
      env: {
        ...process.env,
        DISTILLGATE__SERVER__PORT: '0',
        DISTILLGATE__UPSTREAMS__0__BASE_URL: `"http://127.0.0.1:${workerPort}/v1"`,
        DISTILLGATE__METERING__DATABASE: JSON.stringify(join(mkdtempSync(join(tmpdir(), 'distillgate-start-')), 'db.sqlite')),
        DISTILLGATE_DEV_KEY: '',
        ORT_DISABLE_TELEMETRY: '1',
      },
      ready: /^distillgate listening on (http:\/\/\S+)/,
      startTimeoutMs: 90_000,
    });
  }, 120_000);
  afterAll(async () => {
    await start?.stop();
  });

  it('creates a development key on first start and prints it once, in a ready-to-paste curl', async () => {
    await new Promise((r) => setTimeout(r, 200)); // the lines after "listening on"
    const created = start.logs.find((l) => l.startsWith('created a development API key'));
    devKey = /(dg-[A-Za-z0-9_-]{43})$/.exec(created ?? '')?.[1] ?? '';
    expect(devKey).not.toBe('');
    expect(start.logs.filter((l) => l.includes(devKey))).toHaveLength(2); // that line and the curl
    expect(start.logs.some((l) => l.includes(`authorization: Bearer ${devKey}`))).toBe(true);
  });

  it('prints the worker lines with a prefix before the gateway is ready', () => {
    expect(start.logs.some((l) => l.startsWith('[gpu-worker] ') && l.includes(`listening on http://127.0.0.1:${workerPort}`))).toBe(true);
  });

  it('serves the teacher through the pool route and the student through the edge route', async () => {
    const teacher = await post(
      `${start.url}/v1/chat/completions`,
      {
        model: 'distillgate-teacher',
        messages: [{ role: 'user', content: 'Hello' }],
        max_tokens: 8,
      },
      { headers: { authorization: `Bearer ${devKey}` } },
    );
    expect(teacher.status).toBe(200);
    expect(teacher.headers.get('x-distillgate-route')).toBe('pool');
    expect(teacher.headers.get('x-distillgate-model')).toBe('distillgate-teacher@0.1.0');
    expect(((await teacher.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBeGreaterThan(0);

    // `auto` is the committed cascade: the route header pins this request to the student
    const student = await post(
      `${start.url}/v1/chat/completions`,
      { model: 'auto', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 8 },
      { headers: { authorization: `Bearer ${devKey}`, 'x-distillgate-route': 'edge' } },
    );
    const refused = await post(`${start.url}/v1/chat/completions`, { model: 'auto', messages: [{ role: 'user', content: 'Hi' }] });
    expect(refused.status).toBe(401); // the test suite's key is not this gateway's
    expect(student.status).toBe(200);
    expect(student.headers.get('x-distillgate-route')).toBe('edge');
    expect(student.headers.get('x-distillgate-policy')).toBe('cascade');

    // unpinned, the cascade decides: the student's answer, or the teacher's after an escalation
    const routed = await post(
      `${start.url}/v1/chat/completions`,
      { model: 'auto', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 8 },
      { headers: { authorization: `Bearer ${devKey}` } },
    );
    const route = routed.headers.get('x-distillgate-route');
    expect(routed.headers.get('x-distillgate-model')).toMatch(route === 'edge' ? /^distillgate-student@/ : /^distillgate-teacher@/);
    expect(['edge', 'escalated']).toContain(route);
  });

  it('stopping the gateway drains and stops the worker', async () => {
    start.child.kill('SIGTERM');
    expect(await start.exited).toBe(0);
    let refused = false;
    for (let i = 0; i < 100 && !refused; i++) {
      refused = await fetch(`http://127.0.0.1:${workerPort}/health`).then(
        () => false,
        () => true,
      );
      if (!refused) await new Promise((r) => setTimeout(r, 100));
    }
    expect(refused).toBe(true);
  });
});
