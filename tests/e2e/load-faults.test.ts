/**
 * Load with a fault: 1,000 requests, at most 200 in flight, mixed across the edge student, a
 * two-member pool of real gpu-workers serving the teacher, and the cascade alias (edge first,
 * escalating to the pool), streamed and not, `max_tokens` ≤ 16 — while one gpu-worker is killed
 * (SIGKILL) mid-run and restarted on its port later. Every client must get a valid completion or an
 * OpenAI-style error (in-band for a stream already started, never a cut without one); the usage rows
 * must be exactly one per request (none lost, none doubled), and no budget reservation may be left
 * held. The figures are printed for the record.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKey } from '@distillgate/db';
import { type NodeDatabase, openNodeDatabase } from '@distillgate/db/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.ts';
import { type GpuWorkerProcess, startGpuWorkerProcess } from '../support/gpu-worker-process.ts';
import { edgeSkipReason } from './edge-models.ts';
import { conforms, type Json, parseSse } from './helpers.ts';

const STUDENT = 'distillgate-student';
const TEACHER = 'distillgate-teacher';
const REQUESTS = 1_000;
const CONCURRENCY = 200;
const PROMPTS = ['In the beginning God created', 'hacker n.', 'The committee said on Monday that', 'CYNIC, n.', 'zq xv 93 ##@ qqq'];

const startWorker = (port: number) => startGpuWorkerProcess(['--models-dir', 'models', '--model', TEACHER, '--port', String(port)]);

describe.skipIf(edgeSkipReason() !== null)('1,000 requests at 200 in flight while a gpu-worker is killed and restarted', () => {
  let workers: GpuWorkerProcess[] = [];
  let ports: number[] = [];
  let gateway: GatewayProcess;
  let db: NodeDatabase;
  let secret: string;
  let keyId: string;

  beforeAll(async () => {
    ports = [await freePort(), await freePort()];
    workers = await Promise.all(ports.map(startWorker));
    const file = join(mkdtempSync(join(tmpdir(), 'distillgate-load-')), 'distillgate.sqlite');
    const upstream = (name: string, port: number) => ({
      name,
      baseUrl: `http://127.0.0.1:${port}/v1`,
      models: [TEACHER],
      version: '0.1.0',
      contextLength: 256,
      timeouts: { connectMs: 1000, firstByteMs: 20_000, idleMs: 10_000 },
      health: { healthCheckMs: 500, failureThreshold: 2, cooldownMs: 1000 },
    });
    gateway = await startGatewayProcess(
      {
        upstreams: [upstream('w1', ports[0] as number), upstream('w2', ports[1] as number)],
        edge: { modelsDir: 'models', models: [STUDENT], maxConcurrent: 4, maxQueued: 32 },
        models: {
          pool: { policy: 'pool', targets: [{ upstream: 'w1' }, { upstream: 'w2' }] },
          auto: { policy: 'cascade', targets: [{ edge: STUDENT }, { upstream: 'w1' }, { upstream: 'w2' }] },
        },
        routing: { aliases: { auto: { cascade: { signal: 'mean_margin', threshold: 0.12 }, calibration: { enabled: false } } } },
        metering: {
          database: file,
          prices: {
            [TEACHER]: { inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 },
            [STUDENT]: { inputUsdPerMTok: 0.02, outputUsdPerMTok: 0.08 },
          },
        },
      },
      { env: { DISTILLGATE_LOG_LEVEL: 'warn' }, startTimeoutMs: 60_000 },
    );
    db = openNodeDatabase({ file, migrate: false });
    // a budget large enough never to refuse, so every request reserves and must release or settle
    const created = await createKey(db.db, { name: 'load', budgetMicroUsd: 1_000_000_000 });
    secret = created.secret;
    keyId = created.key.id;
  }, 180_000);

  afterAll(async () => {
    db?.close();
    await gateway?.stop();
    await Promise.all(workers.map((w) => w.stop()));
  });

  it('every client gets a completion or an OpenAI error; one usage row per request; nothing reserved after', async () => {
    const outcomes = new Map<string, number>();
    const count = (kind: string) => outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
    const ids: string[] = [];
    let done = 0;
    let next = 0;
    const models = ['auto', 'pool', STUDENT];

    async function one(i: number): Promise<void> {
      const model = models[i % models.length] as string;
      const stream = i % 2 === 0;
      const body = { model, prompt: PROMPTS[i % PROMPTS.length], max_tokens: 1 + (i % 16), temperature: 0, stream };
      let res: Response;
      try {
        res = await fetch(`${gateway.url}/v1/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
      } catch (err) {
        throw new Error(`request ${i} (${model}) got no answer: ${(err as Error).message}`);
      }
      ids.push(res.headers.get('x-request-id') as string);
      const text = await res.text();
      if (res.status !== 200) {
        const error = JSON.parse(text) as Json;
        conforms('ErrorResponse', error);
        count(`${res.status} ${error.error.code}`);
        return;
      }
      if (!stream) {
        const completion = JSON.parse(text) as Json;
        expect(completion.object).toBe('text_completion');
        count(`200 ${res.headers.get('x-distillgate-route')}`);
        return;
      }
      const read = parseSse(text);
      if (read.errors.length > 0) {
        expect(read.doneCount).toBe(0); // never [DONE] after an in-band error
        count(`in-band ${read.errors[0]?.error?.code}`);
        return;
      }
      // a stream that ended without [DONE] and without an error event is a silent cut: never allowed
      expect(read.doneCount, `request ${i}: ${text.slice(-200)}`).toBe(1);
      count(`200 ${res.headers.get('x-distillgate-route')} stream`);
    }

    const faults: string[] = [];
    let restarted: Promise<void> = Promise.resolve();
    const startedMs = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < REQUESTS; i = next++) {
          await one(i);
          done++;
          if (done === 300) {
            workers[0]?.child.kill('SIGKILL');
            faults.push(`w1 SIGKILL after ${done} requests`);
          }
          if (done === 600) {
            restarted = startWorker(ports[0] as number).then((w) => {
              workers[0] = w;
              faults.push(`w1 restarted after ${done} requests`);
            });
          }
        }
      }),
    );
    await restarted;
    const wallMs = Date.now() - startedMs;

    // every row lands (background writes): exactly one per request id
    const placeholders = ids.map(() => '?').join(',');
    let rows = 0;
    for (let i = 0; i < 100; i++) {
      rows = (db.sqlite.prepare(`SELECT count(*) n FROM usage_events WHERE request_id IN (${placeholders})`).get(...ids) as Json).n;
      if (rows === REQUESTS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const distinct = new Set(ids).size;
    const duplicates = (db.sqlite.prepare('SELECT count(*) - count(DISTINCT request_id) d FROM usage_events').get() as Json).d;
    // each hold settles just after its row is written (background): wait for the last ones
    const reservedNow = () =>
      (db.sqlite.prepare('SELECT coalesce(sum(reserved_micro_usd), 0) r FROM spend_counters WHERE key_id = ?').get(keyId) as Json).r;
    for (let i = 0; i < 100 && reservedNow() !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    const reserved = reservedNow();
    const spent = (db.sqlite.prepare('SELECT coalesce(sum(spent_micro_usd), 0) s FROM spend_counters WHERE key_id = ?').get(keyId) as Json)
      .s;
    const billed = (
      db.sqlite
        .prepare(`SELECT coalesce(sum(cost_micro_usd), 0) c FROM usage_events WHERE request_id IN (${placeholders})`)
        .get(...ids) as Json
    ).c;
    console.log(
      JSON.stringify(
        {
          requests: REQUESTS,
          concurrency: CONCURRENCY,
          wallMs,
          faults,
          outcomes: Object.fromEntries([...outcomes].sort()),
          usageRows: rows,
          duplicates,
          lost: REQUESTS - rows,
          reservedMicroUsdAfter: reserved,
          spentMicroUsd: spent,
          billedMicroUsd: billed,
        },
        null,
        2,
      ),
    );
    expect(faults).toHaveLength(2);
    expect(distinct).toBe(REQUESTS);
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(REQUESTS);
    expect(rows).toBe(REQUESTS);
    expect(duplicates).toBe(0);
    expect(reserved).toBe(0);
    expect(spent).toBe(billed); // the budget's truth equals the rows: nothing charged twice or lost
    // the surviving member kept the pool answering: most pool requests succeeded
    expect([...outcomes].filter(([k]) => k.startsWith('200 pool')).reduce((a, [, n]) => a + n, 0)).toBeGreaterThan(REQUESTS / 6);
  }, 300_000);
});
