/**
 * What the cascade gate costs in time to first token (`npm run bench:routing`): the real gateway
 * with the committed student on the edge and one real gpu-worker serving the committed teacher,
 * streamed greedy completions one at a time, variants interleaved request by request (so the
 * shared machine's drift hits every variant alike):
 *
 * - `student`            the edge student asked directly (no gate): the baseline of an edge answer;
 * - `cascade K=k, kept`  a cascade alias whose threshold every draft passes: the client's first byte
 *                        waits for k drafted tokens (K = `routing.aliases.<alias>.cascade.probeTokens`);
 * - `teacher`            the pool asked directly: the baseline of a teacher answer;
 * - `cascade K=k, escalated`  a threshold no draft passes: the k-token draft is discarded, then the
 *                        teacher answers — an escalation's added time to first token.
 *
 * Printed: time to first token p50/p99 (ms) per variant and the p50 ratio to its baseline.
 *
 *   npm run bench:routing -- [--requests 20] [--max-tokens 16] [--k 1,4,8,16]
 *
 * Bounded: requests × variants streamed completions of max-tokens tokens. Results also go to
 * bench/results/routing-<time>.json.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { startGatewayProcess, TEST_API_KEY } from '../tests/support/gateway-process.ts';
import { startGpuWorkerProcess } from '../tests/support/gpu-worker-process.ts';
import { percentile } from './open-loop.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '20' },
    'max-tokens': { type: 'string', default: '16' },
    k: { type: 'string', default: '1,4,8,16' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npm run bench:routing -- [--requests 20] [--max-tokens 16] [--k 1,4,8,16]');
  process.exit(0);
}
const positive = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
  return n;
};
const requests = positive('requests', args.requests);
const maxTokens = positive('max-tokens', args['max-tokens']);
const ks = (args.k ?? '').split(',').map((v) => positive('k', v));

const STUDENT = 'distillgate-student';
const TEACHER = 'distillgate-teacher';
const PROMPTS = ['In the beginning God created', 'hacker n.', 'The committee said on Monday that', 'CYNIC, n.', 'She opened the door and'];

/** Thresholds in mean ln max-prob: every draft passes −10⁹; none passes 1 (a log-probability is ≤ 0). */
const KEEP = -1e9;
const ESCALATE = 1;

const aliases: Record<string, { k: number; threshold: number }> = {};
for (const k of ks) {
  aliases[`kept-k${k}`] = { k, threshold: KEEP };
  aliases[`escalated-k${k}`] = { k, threshold: ESCALATE };
}

const worker = await startGpuWorkerProcess(['--models-dir', join(ROOT, 'models'), '--model', TEACHER]);
const gateway = await startGatewayProcess(
  {
    upstreams: [{ name: 'teacher', baseUrl: `${worker.url}/v1`, models: [TEACHER], version: 'bench', contextLength: 256 }],
    edge: { modelsDir: join(ROOT, 'models'), models: [STUDENT], maxConcurrent: 1 },
    models: Object.fromEntries(
      Object.keys(aliases).map((name) => [name, { policy: 'cascade', targets: [{ edge: STUDENT }, { upstream: 'teacher' }] }]),
    ),
    routing: {
      aliases: Object.fromEntries(
        Object.entries(aliases).map(([name, a]) => [
          name,
          { cascade: { probeTokens: a.k, signal: 'mean_logprob', threshold: a.threshold }, calibration: { enabled: false } },
        ]),
      ),
    },
    metering: { database: join(mkdtempSync(join(tmpdir(), 'distillgate-bench-')), 'db.sqlite') },
  },
  { env: { DISTILLGATE_LOG_LEVEL: 'warn' }, startTimeoutMs: 60_000 },
);
const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: TEST_API_KEY, maxRetries: 0 });

/** Time to the first chunk with text, ms, and the route that served. */
async function ttft(model: string, prompt: string): Promise<{ ms: number; route: string | null }> {
  const t0 = performance.now();
  const { data: stream, response } = await client.completions
    .create({ model, prompt, max_tokens: maxTokens, temperature: 0, stream: true })
    .withResponse();
  let ms = Number.NaN;
  for await (const chunk of stream) if (Number.isNaN(ms) && chunk.choices[0]?.text) ms = performance.now() - t0;
  return { ms, route: response.headers.get('x-distillgate-route') };
}

const variants = [STUDENT, TEACHER, ...Object.keys(aliases)];
const samples = new Map<string, number[]>(variants.map((v) => [v, []]));
try {
  for (const v of variants) await ttft(v, PROMPTS[0] as string); // warm every path (edge model load, connections)
  for (let i = 0; i < requests; i++) {
    const prompt = PROMPTS[i % PROMPTS.length] as string;
    const order = i % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const { ms, route } = await ttft(v, prompt);
      const expected = v === STUDENT ? 'edge' : v === TEACHER ? 'pool' : v.startsWith('kept') ? 'edge' : 'escalated';
      if (route !== expected) throw new Error(`${v} was served by ${route}, expected ${expected}`);
      if (!Number.isNaN(ms)) samples.get(v)?.push(ms);
    }
    process.stdout.write(`\r${i + 1}/${requests} rounds`);
  }
  process.stdout.write('\n');
} finally {
  await gateway.stop();
  await worker.stop();
}

const stats = (v: string) => {
  const sorted = [...(samples.get(v) ?? [])].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};
const student = stats(STUDENT);
const teacher = stats(TEACHER);
const rows = variants.map((v) => {
  const s = stats(v);
  const base = v === STUDENT || v.startsWith('kept') ? student : teacher;
  const label =
    v === STUDENT ? 'student (edge, no gate)' : v === TEACHER ? 'teacher (pool)' : `cascade K=${aliases[v]?.k}, ${v.split('-')[0]}`;
  return { variant: label, ...s, ratioToBaseline: s.p50 / base.p50 };
});
console.log(`time to first token, ${requests} streamed completions of ${maxTokens} tokens per variant, interleaved\n`);
console.log('variant                         n   p50 ms   p99 ms   p50 / baseline');
for (const r of rows) {
  console.log(
    `${r.variant.padEnd(30)} ${String(r.n).padStart(3)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)}   ${r.ratioToBaseline.toFixed(2)}×`,
  );
}
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
const out = join(ROOT, 'bench/results', `routing-${new Date().toISOString().replaceAll(':', '-')}.json`);
writeFileSync(out, `${JSON.stringify({ requests, maxTokens, ks, rows }, null, 2)}\n`);
console.log(`\nwrote ${out}`);
