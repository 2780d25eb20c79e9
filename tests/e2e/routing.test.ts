/**
 * The router with the real student (edge, onnxruntime-web) and the real teacher (gpu-worker,
 * onnxruntime-node), both the committed models: the cascade keeps a prompt the student is sure of
 * on the edge and escalates one it is not (non-streamed and streamed: the client then gets only the
 * teacher's tokens); rules and the route header force a route; shadow runs record both models'
 * answers, and calibration on those records picks the threshold a brute-force sweep over the same
 * records picks.
 *
 * The two prompts' cascade scores (mean ln max-prob over the first 8 greedy tokens) are about
 * −1.4 (KJV, the corpus's best-learnt register) and −2.4 (character noise); the threshold −1.9 sits
 * between them.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { learnedRouterModelSchema } from '@distillgate/config';
import { type NodeDatabase, openNodeDatabase } from '@distillgate/db/node';
import { predictQuality, predictVector, trainLearnedRouter } from '@distillgate/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.ts';
import { type GpuWorkerProcess, startGpuWorkerProcess } from '../support/gpu-worker-process.ts';
import { startMockUpstream } from '../support/mock-upstream.ts';
import { type EdgeModelsDir, edgeSkipReason, makeEdgeModelsDir } from './edge-models.ts';
import { expectError, type Json, post, readSse, streamedText, withAuth } from './helpers.ts';

const STUDENT = 'distillgate-student';
const TEACHER = 'distillgate-teacher';
const ADMIN_TOKEN = 'routing-test-admin-token-0123456789';
const CONFIDENT = 'In the beginning God created the heaven and the earth.';
const UNSURE = 'zq xv 93 ##@ qqq kkk vvv';
const THRESHOLD = -1.9;
/** Prompts for the shadow runs (a mix of registers and noise). */
const SHADOW_PROMPTS = [CONFIDENT, UNSURE, 'hacker n.', 'The committee said on Monday that', 'CYNIC, n.', 'Xylophone quantum 7 4 9 ??'];

/** A learned router that rates scripture above noise (trained here on four examples). */
const LEARNED = trainLearnedRouter(
  [
    { features: { text: 'And God said unto Noah' }, quality: 0.95 },
    { features: { text: 'the LORD thy God' }, quality: 0.9 },
    { features: { text: 'qq ## 77 zz' }, quality: 0.1 },
    { features: { text: '@@ 12 kk 99' }, quality: 0.05 },
  ],
  { hashBuckets: 16 },
);
/** Between the two prompts' predictions. */
const LEARNED_THRESHOLD =
  (predictQuality(LEARNED, { text: CONFIDENT, maxTokens: 16 }) + predictQuality(LEARNED, { text: UNSURE, maxTokens: 16 })) / 2;

/** The attempts of a request, polled until `n` are written (they follow the usage row). */
async function attemptsOf(database: NodeDatabase, requestId: string | null, n: number): Promise<unknown[]> {
  let attempts: unknown[] = [];
  for (let i = 0; i < 100 && attempts.length < n; i++) {
    attempts = database.sqlite.prepare('SELECT member, outcome FROM usage_attempts WHERE request_id = ? ORDER BY n').all(requestId);
    if (attempts.length < n) await new Promise((r) => setTimeout(r, 50));
  }
  return attempts;
}

const cascade = () => ({ policy: 'cascade', targets: [{ edge: STUDENT }, { upstream: 'teacher' }] });

describe.skipIf(edgeSkipReason() !== null)('routing with the real student and teacher', () => {
  let worker: GpuWorkerProcess;
  let gateway: GatewayProcess;
  let db: NodeDatabase;
  let file: string;

  beforeAll(async () => {
    worker = await startGpuWorkerProcess(['--models-dir', 'models', '--model', TEACHER]);
    file = join(mkdtempSync(join(tmpdir(), 'distillgate-routing-')), 'distillgate.sqlite');
    gateway = await startGatewayProcess(
      {
        upstreams: [{ name: 'teacher', baseUrl: `${worker.url}/v1`, models: [TEACHER], version: '0.1.0', contextLength: 256 }],
        edge: { modelsDir: 'models', models: [STUDENT], maxConcurrent: 2 },
        models: {
          auto: cascade(),
          shadowed: cascade(),
          ruled: { policy: 'rules', targets: [{ edge: STUDENT }, { upstream: 'teacher' }] },
          learned: { policy: 'learned', targets: [{ edge: STUDENT }, { upstream: 'teacher' }] },
        },
        routing: {
          aliases: {
            auto: { cascade: { probeTokens: 8, signal: 'mean_logprob', threshold: THRESHOLD }, calibration: { enabled: false } },
            shadowed: {
              cascade: { probeTokens: 8, signal: 'mean_logprob', threshold: THRESHOLD },
              shadow: { share: 1, maxTokens: 12 },
              calibration: { minRecords: SHADOW_PROMPTS.length, target: 0.9, everyMs: 3_600_000 },
            },
            ruled: { rules: { maxPromptTokens: 8 } },
            learned: { learned: { model: LEARNED, threshold: LEARNED_THRESHOLD }, calibration: { enabled: false } },
          },
        },
        metering: {
          database: file,
          prices: {
            [TEACHER]: { inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 },
            [STUDENT]: { inputUsdPerMTok: 0.02, outputUsdPerMTok: 0.08 },
          },
        },
      },
      { env: { DISTILLGATE_ADMIN_TOKEN: ADMIN_TOKEN }, startTimeoutMs: 60_000 },
    );
    db = openNodeDatabase({ file, migrate: false });
  }, 120_000);

  afterAll(async () => {
    db?.close();
    await gateway?.stop();
    await worker?.stop();
  });

  const complete = (model: string, prompt: string, extra: Json = {}, headers: Record<string, string> = {}) =>
    post(`${gateway.url}/v1/completions`, { model, prompt, max_tokens: 16, temperature: 0, ...extra }, { headers: withAuth(headers) });

  /** The usage row of a response (written just after it: polled). */
  async function usageRow(res: Response): Promise<Json> {
    const id = res.headers.get('x-request-id');
    for (let i = 0; i < 100; i++) {
      const row = db.sqlite.prepare('SELECT * FROM usage_events WHERE request_id = ?').get(id) as Json | undefined;
      if (row) return row;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no usage row for ${id}`);
  }

  it('keeps a confident prompt on the edge, with its confidence in headers and usage row', async () => {
    const res = await complete('auto', CONFIDENT);
    const body = (await res.json()) as Json;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-distillgate-route')).toBe('edge');
    expect(res.headers.get('x-distillgate-model')).toMatch(/^distillgate-student@/);
    expect(res.headers.get('x-distillgate-policy')).toBe('cascade');
    const confidence = Number(res.headers.get('x-distillgate-confidence'));
    expect(confidence).toBeGreaterThanOrEqual(THRESHOLD);
    // the student's own answer, unchanged by the gate (the draft's tokens are the answer's first ones)
    const direct = (await (await complete(STUDENT, CONFIDENT)).json()) as Json;
    expect(body.choices[0].text).toBe(direct.choices[0].text);
    const row = await usageRow(res);
    expect(row).toMatchObject({ route: 'edge', routing_policy: 'cascade', internal_cost_micro_usd: 0, served_model: STUDENT });
    expect(row.confidence).toBeCloseTo(confidence, 3);
  });

  it('escalates a low-confidence prompt: the answer is the teacher’s, the draft is internal cost', async () => {
    const res = await complete('auto', UNSURE);
    const body = (await res.json()) as Json;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-distillgate-route')).toBe('escalated');
    expect(res.headers.get('x-distillgate-model')).toBe(`${TEACHER}@0.1.0`);
    expect(Number(res.headers.get('x-distillgate-confidence'))).toBeLessThan(THRESHOLD);
    const teacher = (await (await complete(TEACHER, UNSURE)).json()) as Json;
    expect(body.choices[0].text).toBe(teacher.choices[0].text);
    expect(body.model).toBe(TEACHER);
    const row = await usageRow(res);
    expect(row).toMatchObject({ route: 'escalated', served_model: TEACHER, upstream_member: 'teacher', routing_policy: 'cascade' });
    expect(row.internal_cost_micro_usd).toBeGreaterThan(0); // the discarded 8-token draft, at the student's price
    expect(row.cost_micro_usd).toBe(Number(res.headers.get('x-distillgate-cost-micro-usd')));
    expect(await attemptsOf(db, row.request_id, 2)).toEqual([
      { member: `edge:${STUDENT}`, outcome: 'escalated' },
      { member: 'teacher', outcome: 'ok' },
    ]);
  });

  it('a streamed escalation sends only the teacher’s tokens; a confident stream is the student’s', async () => {
    const teacherText = ((await (await complete(TEACHER, UNSURE)).json()) as Json).choices[0].text;
    const escalated = await complete('auto', UNSURE, { stream: true, stream_options: { include_usage: true } });
    expect(escalated.headers.get('x-distillgate-route')).toBe('escalated');
    // legacy stream chunks carry finish_reason null until the last, which OpenAI's spec (written for the
    // non-streamed object) does not allow: not validated against it, as in stream-faults.test.ts
    const read = await readSse(escalated, null);
    expect(read.doneCount).toBe(1);
    expect(read.chunks.every((c) => c.model === TEACHER)).toBe(true);
    expect(streamedText(read.chunks)).toBe(teacherText);
    expect(read.chunks.at(-1)?.distillgate).toMatchObject({ route: 'escalated', model_version: `${TEACHER}@0.1.0` });

    const studentText = ((await (await complete(STUDENT, CONFIDENT)).json()) as Json).choices[0].text;
    const edge = await complete('auto', CONFIDENT, { stream: true });
    expect(edge.headers.get('x-distillgate-route')).toBe('edge');
    const edgeRead = await readSse(edge, null);
    expect(streamedText(edgeRead.chunks)).toBe(studentText);
  });

  it('rules and the route header force a route; a bad header value is a 400 naming it', async () => {
    const long = await complete('ruled', `${CONFIDENT} ${CONFIDENT}`);
    expect(long.headers.get('x-distillgate-route')).toBe('pool');
    const short = await complete('ruled', 'hacker n.');
    expect(short.headers.get('x-distillgate-route')).toBe('edge');
    const forced = await complete('auto', CONFIDENT, {}, { 'x-distillgate-route': 'pool' });
    expect(forced.headers.get('x-distillgate-route')).toBe('pool');
    expect((await usageRow(forced)).confidence).toBeNull();
    await expectError(await complete('auto', CONFIDENT, {}, { 'x-distillgate-route': 'gpu' }), 400, 'invalid_value', 'x-distillgate-route');
  });

  it('learned: the prediction on the prompt picks the route, before any model runs', async () => {
    const edge = await complete('learned', CONFIDENT);
    expect(edge.headers.get('x-distillgate-route')).toBe('edge');
    expect(Number(edge.headers.get('x-distillgate-confidence'))).toBeCloseTo(
      predictQuality(LEARNED, { text: CONFIDENT, maxTokens: 16 }),
      4,
    );
    const pool = await complete('learned', UNSURE);
    expect(pool.headers.get('x-distillgate-route')).toBe('pool');
    expect(pool.headers.get('x-distillgate-policy')).toBe('learned');
    expect((await usageRow(pool)).confidence).toBeCloseTo(predictQuality(LEARNED, { text: UNSURE, maxTokens: 16 }), 9);
  });

  it('records shadow runs and calibrates the threshold a brute-force sweep over the same records picks', async () => {
    const shadows = () => db.sqlite.prepare("SELECT * FROM shadow_records WHERE alias = 'shadowed' ORDER BY id").all() as Json[];
    const waitForShadows = async (n: number) => {
      for (let i = 0; i < 600 && shadows().length < n; i++) await new Promise((r) => setTimeout(r, 50));
      return shadows();
    };
    // one at a time: shadow runs take one slot per process, a second one meanwhile is dropped
    for (const [i, prompt] of SHADOW_PROMPTS.entries()) {
      expect((await complete('shadowed', prompt, { max_tokens: 8 })).status).toBe(200);
      await waitForShadows(i + 1);
    }
    const rows = shadows();
    expect(rows).toHaveLength(SHADOW_PROMPTS.length);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'recorded', sample_rate: 1, policy: 'cascade', student_model: STUDENT, teacher_model: TEACHER });
      for (const q of [row.quality_q, row.quality_rouge_l]) expect(q >= 0 && q <= 1).toBe(true);
      expect([0, 1]).toContain(row.quality_agreement);
      expect(row.internal_cost_micro_usd).toBeGreaterThan(0);
      // the shadow's cost lands on the request's own usage row, as internal cost
      const usage = db.sqlite
        .prepare('SELECT route, internal_cost_micro_usd FROM usage_events WHERE request_id = ?')
        .get(row.request_id) as Json;
      const draftMicroUsd = usage.route === 'escalated' ? 1 : 0; // an escalated request's draft costs > 0 too
      expect(usage.internal_cost_micro_usd).toBeGreaterThanOrEqual(row.internal_cost_micro_usd + draftMicroUsd);
    }
    const confident = rows.find((r) => r.served_route === 'edge');
    expect(confident?.cascade_score).toBeGreaterThanOrEqual(THRESHOLD);

    const calibrated = await fetch(`${gateway.url}/admin/v1/routing/shadowed/calibrate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(calibrated.status).toBe(200);
    const status = (await calibrated.json()) as Json;
    expect(status).toMatchObject({ object: 'routing_alias', alias: 'shadowed', policy: 'cascade', threshold_source: 'calibration' });

    // brute force: every candidate threshold (each score, and +∞), the largest edge share whose quality ≥ 0.9
    const candidates = [Number.POSITIVE_INFINITY, ...rows.map((r) => r.cascade_score).filter((s) => s !== null)];
    let best = { threshold: Number.POSITIVE_INFINITY, share: 0, quality: 1 };
    for (const t of candidates) {
      const onEdge = rows.filter((r) => r.cascade_score !== null && r.cascade_score >= t);
      const quality = rows.reduce((s, r) => s + (onEdge.includes(r) ? r.quality_q : 1), 0) / rows.length;
      const share = onEdge.length / rows.length;
      if (quality >= 0.9 - 1e-12 && share > best.share) best = { threshold: t, share, quality };
    }
    expect(status.calibration.threshold).toBe(Number.isFinite(best.threshold) ? best.threshold : null);
    expect(status.calibration.edge_share).toBeCloseTo(best.share, 12);
    expect(status.calibration.quality).toBeCloseTo(best.quality, 12);
    expect(status.calibration.records).toBe(rows.length);
    expect(status.threshold).toBe(status.calibration.threshold);
    const stored = db.sqlite.prepare("SELECT * FROM routing_calibrations WHERE alias = 'shadowed'").all();
    expect(stored.length).toBeGreaterThanOrEqual(1);

    // the learned router can be fitted on these records (features kept, never the prompt text)
    expect(rows.every((r) => !JSON.stringify(r).includes('committee'))).toBe(true);
    const out = join(mkdtempSync(join(tmpdir(), 'distillgate-router-')), 'learned.json');
    execFileSync(process.execPath, [
      '--import',
      'tsx',
      'scripts/train-router.ts',
      '--database',
      file,
      '--alias',
      'shadowed',
      '--min-records',
      '4',
      '--out',
      out,
    ]);
    const model = learnedRouterModelSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    for (const row of rows) expect(predictVector(model, JSON.parse(row.prompt_features))).toBeGreaterThan(0);
  });

  it('a burst of sampled requests gets one shadow record each: measured, or dropped and counted', async () => {
    const before = db.sqlite.prepare("SELECT count(*) n FROM shadow_records WHERE alias = 'shadowed'").get() as Json;
    const burst = await Promise.all(SHADOW_PROMPTS.slice(0, 4).map((p) => complete('shadowed', p, { max_tokens: 4 })));
    const ids = burst.map((r) => r.headers.get('x-request-id'));
    let rows: Json[] = [];
    for (let i = 0; i < 600 && rows.length < ids.length; i++) {
      rows = db.sqlite.prepare(`SELECT * FROM shadow_records WHERE request_id IN (${ids.map(() => '?').join(',')})`).all(...ids) as Json[];
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(['recorded', 'dropped']).toContain(row.status);
      if (row.status === 'dropped') expect(['another shadow run in flight', 'edge busy']).toContain(row.detail);
    }
    const after = db.sqlite.prepare("SELECT count(*) n FROM shadow_records WHERE alias = 'shadowed'").get() as Json;
    expect(after.n - before.n).toBe(4);
    const status = (await (
      await fetch(`${gateway.url}/admin/v1/routing`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json()) as Json;
    const shadowed = status.data.find((a: Json) => a.alias === 'shadowed');
    expect(shadowed.shadow.recorded + shadowed.shadow.dropped + shadowed.shadow.failed).toBe(after.n);
  });

  it('GET /metrics: request counts equal the usage rows, escalations counted, behind the admin token', async () => {
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(401);
    const rows = () => db.sqlite.prepare('SELECT route, status, count(*) n FROM usage_events GROUP BY route, status').all() as Json[];
    const escalatedRows = () =>
      rows()
        .filter((r) => r.route === 'escalated')
        .reduce((s, r) => s + r.n, 0);
    let text = '';
    let counted = new Map<string, number>();
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      text = await res.text();
      counted = new Map(
        [...text.matchAll(/^distillgate_requests_total\{route="([^"]+)",status="([^"]+)"\} (\d+)$/gm)].map((m) => [
          `${m[1]}/${m[2]}`,
          Number(m[3]),
        ]),
      );
      const expected = new Map(rows().map((r) => [`${r.route ?? 'none'}/${r.status}`, r.n]));
      if ([...expected].every(([k, n]) => counted.get(k) === n) && counted.size === expected.size) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(rows().map((r) => [`${r.route ?? 'none'}/${r.status}`, r.n])));
    const escalations = Number(/^distillgate_escalations_total (\d+)$/m.exec(text)?.[1]);
    expect(escalations).toBeGreaterThanOrEqual(escalatedRows()); // streamed, non-streamed (+ drafts cut short)
    expect(text).toMatch(/^distillgate_ttft_ms_bucket\{route="edge",le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^distillgate_latency_ms_count\{route="escalated"\} \d+$/m);
    expect(text).toMatch(/^distillgate_reserved_micro_usd 0$/m);
  });

  it('an escalation whose pool member hangs falls back to the student, ungated, with the draft as internal cost', async () => {
    const hung = await startMockUpstream();
    hung.fallback = { kind: 'hang' };
    const file = join(mkdtempSync(join(tmpdir(), 'distillgate-fallback-')), 'distillgate.sqlite');
    const fallback = await startGatewayProcess({
      upstreams: [
        { name: 'teacher', baseUrl: hung.baseUrl, models: [TEACHER], timeouts: { connectMs: 1000, firstByteMs: 500, idleMs: 500 } },
      ],
      edge: { modelsDir: 'models', models: [STUDENT], maxConcurrent: 2 },
      models: { auto: cascade() },
      // a threshold no draft meets: every request escalates
      routing: { aliases: { auto: { cascade: { threshold: 1, signal: 'mean_margin' }, calibration: { enabled: false } } } },
      metering: { database: file, prices: { [STUDENT]: { inputUsdPerMTok: 0.02, outputUsdPerMTok: 0.08 } } },
    });
    const fallbackDb = openNodeDatabase({ file, migrate: false });
    try {
      for (const stream of [false, true]) {
        const res = await post(
          `${fallback.url}/v1/completions`,
          { model: 'auto', prompt: CONFIDENT, max_tokens: 8, temperature: 0, stream },
          { headers: withAuth() },
        );
        expect(res.status).toBe(200);
        expect(res.headers.get('x-distillgate-route')).toBe('edge');
        await res.text();
        const id = res.headers.get('x-request-id');
        let row: Json | undefined;
        for (let i = 0; i < 100 && !row; i++) {
          row = fallbackDb.sqlite.prepare('SELECT * FROM usage_events WHERE request_id = ?').get(id) as Json | undefined;
          if (!row) await new Promise((r) => setTimeout(r, 50));
        }
        expect(row).toMatchObject({ route: 'edge', served_model: STUDENT, status: 'ok' });
        expect(row?.internal_cost_micro_usd).toBeGreaterThan(0);
        expect(await attemptsOf(fallbackDb, id, 3)).toEqual([
          { member: `edge:${STUDENT}`, outcome: 'escalated' },
          { member: 'teacher', outcome: 'timeout' },
          { member: `edge:${STUDENT}`, outcome: 'ok' },
        ]);
      }
    } finally {
      fallbackDb.close();
      await fallback.stop();
      await hung.close();
    }
  }, 60_000);

  it('promotes a canary student version from the shadow records of both versions', async () => {
    const models: EdgeModelsDir = await makeEdgeModelsDir();
    const file = join(mkdtempSync(join(tmpdir(), 'distillgate-canary-')), 'distillgate.sqlite');
    const canaried = await startGatewayProcess(
      {
        upstreams: [{ name: 'teacher', baseUrl: `${worker.url}/v1`, models: [TEACHER], version: '0.1.0', contextLength: 256 }],
        edge: { modelsDir: models.dir, models: [STUDENT], maxConcurrent: 2, channelsCheckMs: 100 },
        models: { auto: cascade() },
        routing: {
          aliases: {
            // the two versions are copies: any canary passes a drop of 1, so this checks the plumbing end to end
            auto: { shadow: { share: 1, maxTokens: 4 }, calibration: { enabled: false }, canary: { minRecords: 3, maxQualityDrop: 1 } },
          },
        },
        metering: { database: file },
      },
      { env: { DISTILLGATE_ADMIN_TOKEN: ADMIN_TOKEN }, startTimeoutMs: 60_000 },
    );
    const canaryDb = openNodeDatabase({ file, migrate: false });
    try {
      models.setChannels(models.versions.a, { version: models.versions.b, share: 0.5 });
      await new Promise((r) => setTimeout(r, 500)); // the provider re-reads channels.json every 100 ms
      const perVersion = () =>
        Object.fromEntries(
          (
            canaryDb.sqlite
              .prepare("SELECT student_version v, count(*) n FROM shadow_records WHERE status = 'recorded' GROUP BY v")
              .all() as Json[]
          ).map((r) => [r.v, r.n]),
        );
      // requests until both versions have 3 shadow records (each run draws the canary with p = 0.5)
      for (let i = 0; i < 60; i++) {
        const counts = perVersion();
        if ((counts[models.versions.a] ?? 0) >= 3 && (counts[models.versions.b] ?? 0) >= 3) break;
        const res = await post(
          `${canaried.url}/v1/completions`,
          { model: 'auto', prompt: SHADOW_PROMPTS[i % 6], max_tokens: 4 },
          { headers: withAuth() },
        );
        expect(res.status).toBe(200);
        await res.text();
        await new Promise((r) => setTimeout(r, 150));
      }
      const checked = await fetch(`${canaried.url}/admin/v1/routing/auto/calibrate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const status = (await checked.json()) as Json;
      expect(status.canary).toMatchObject({ model: STUDENT, live: models.versions.a, canary: models.versions.b, decision: 'promote' });
      expect(status.canary.live_records).toBeGreaterThanOrEqual(3);
      expect(status.canary.canary_records).toBeGreaterThanOrEqual(3);
      await new Promise((r) => setTimeout(r, 300));
      const after = await post(
        `${canaried.url}/v1/completions`,
        { model: STUDENT, prompt: 'hacker n.', max_tokens: 2 },
        { headers: withAuth() },
      );
      expect(after.headers.get('x-distillgate-model')).toBe(`${STUDENT}@${models.versions.b}`);
    } finally {
      canaryDb.close();
      await canaried.stop();
      models.remove();
    }
  }, 120_000);
});
