/**
 * Sustained load on the whole gateway (`npm run bench:load`): closed-loop clients at a fixed
 * concurrency for a fixed time per phase, non-streamed completions of `max_tokens` 16, printed side
 * by side with the same calls made directly:
 *
 * - pool: the loopback echo mock called directly vs through the gateway (the gateway's own cost);
 * - edge: the committed student served by a gpu-worker process (onnxruntime-node, 1 thread, one
 *   sequence per run, 4 at once: the closest "direct call" of the model) vs the gateway's edge route
 *   (onnxruntime-web WASM in a worker thread, `edge.maxConcurrent` 4).
 *
 * For each: requests/s, latency p50/p99 (ms), errors, and — for the gateway phases — the gateway
 * process's CPU (% of one core, from /proc/<pid>/stat) and peak RSS (MiB). Phases alternate A B B A
 * so drift on the shared machine hits both. Bounded: phases × seconds.
 *
 *   npm run bench:load -- [--concurrency 32] [--seconds 5]
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { mockConfig, startGatewayProcess, TEST_API_KEY } from '../tests/support/gateway-process.ts';
import { startGpuWorkerProcess } from '../tests/support/gpu-worker-process.ts';
import { startMockUpstream } from '../tests/support/mock-upstream.ts';
import { percentile } from './open-loop.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '5' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npm run bench:load -- [--concurrency 32] [--seconds 5]');
  process.exit(0);
}
const concurrency = Number(args.concurrency);
const seconds = Number(args.seconds);
if (!(Number.isInteger(concurrency) && concurrency > 0 && seconds > 0)) throw new Error('--concurrency and --seconds must be positive');

const STUDENT = 'distillgate-student';
const agent = new Agent({ connections: concurrency * 2, pipelining: 1 });

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

interface Phase {
  name: string;
  url: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  /** The gateway's pid, when the phase goes through it. */
  pid?: number;
}
interface Result {
  requests: number;
  errors: number;
  latencies: number[];
  wallMs: number;
  cpuPct?: number;
  rssMiB?: number;
}

async function run(phase: Phase): Promise<Result> {
  const latencies: number[] = [];
  let errors = 0;
  const endAt = performance.now() + seconds * 1000;
  const cpu0 = phase.pid ? cpuSeconds(phase.pid) : 0;
  let rss = phase.pid ? rssMiB(phase.pid) : 0;
  const t0 = performance.now();
  const sampler = phase.pid ? setInterval(() => (rss = Math.max(rss, rssMiB(phase.pid as number))), 200) : undefined;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < endAt) {
        const start = performance.now();
        const res = await request(phase.url, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json', ...phase.headers },
          body: JSON.stringify(phase.body),
        });
        await res.body.text();
        if (res.statusCode === 200) latencies.push(performance.now() - start);
        else errors++;
      }
    }),
  );
  clearInterval(sampler);
  const wallMs = performance.now() - t0;
  const result: Result = { requests: latencies.length, errors, latencies, wallMs };
  if (phase.pid) {
    result.cpuPct = ((cpuSeconds(phase.pid) - cpu0) / (wallMs / 1000)) * 100;
    result.rssMiB = rss;
  }
  return result;
}

const mock = await startMockUpstream();
const student = await startGpuWorkerProcess([
  '--models-dir',
  join(ROOT, 'models'),
  '--model',
  STUDENT,
  '--threads',
  '1',
  '--max-concurrent',
  '4',
  '--max-batch',
  '1',
  '--max-queued',
  String(concurrency * 2),
]);
const base = mockConfig([mock.baseUrl]) as { upstreams: unknown[]; models: unknown; metering: Record<string, unknown> };
const gateway = await startGatewayProcess(
  {
    ...base,
    edge: { modelsDir: join(ROOT, 'models'), models: [STUDENT], maxConcurrent: 4, maxQueued: concurrency * 2 },
    metering: { ...base.metering, database: join(mkdtempSync(join(tmpdir(), 'distillgate-load-')), 'db.sqlite') },
  },
  { env: { DISTILLGATE_LOG_LEVEL: 'warn' }, startTimeoutMs: 60_000 },
);
const pid = gateway.child.pid as number;
const auth = { authorization: `Bearer ${TEST_API_KEY}` };
const chat = (model: string) => ({
  model,
  messages: [{ role: 'user', content: 'In the beginning God created' }],
  max_tokens: 16,
  temperature: 0,
});
const pairs: Array<[Phase, Phase]> = [
  [
    { name: 'pool direct (mock)', url: `${mock.baseUrl}/chat/completions`, body: chat('mock-model'), headers: {} },
    { name: 'pool via gateway', url: `${gateway.url}/v1/chat/completions`, body: chat('mock-model'), headers: auth, pid },
  ],
  [
    { name: 'edge direct (worker, ORT-node)', url: `${student.url}/v1/chat/completions`, body: chat(STUDENT), headers: {} },
    { name: 'edge via gateway (ORT-web)', url: `${gateway.url}/v1/chat/completions`, body: chat(STUDENT), headers: auth, pid },
  ],
];
const results = new Map<string, Result[]>();
try {
  for (const [a, b] of pairs) {
    for (const p of [a, b]) await run({ ...p }); // warm-up (model load, connections)
    for (const p of [a, b, b, a]) {
      const r = await run(p);
      results.set(p.name, [...(results.get(p.name) ?? []), r]);
      process.stdout.write('.');
    }
  }
  process.stdout.write('\n');
} finally {
  await gateway.stop();
  await student.stop();
  await mock.close();
  await agent.close();
}

console.log(`closed loop, ${concurrency} clients, ${seconds} s per phase × 2, non-streamed, max_tokens 16\n`);
console.log('phase                            req/s    p50 ms   p99 ms  errors  gateway CPU %  gateway RSS MiB');
for (const [name, rs] of results) {
  const latencies = rs.flatMap((r) => r.latencies).sort((x, y) => x - y);
  const rps = rs.reduce((s, r) => s + r.requests, 0) / (rs.reduce((s, r) => s + r.wallMs, 0) / 1000);
  const cpu = rs[0]?.cpuPct === undefined ? '' : (rs.reduce((s, r) => s + (r.cpuPct ?? 0), 0) / rs.length).toFixed(0);
  const rss = rs[0]?.rssMiB === undefined ? '' : Math.max(...rs.map((r) => r.rssMiB ?? 0)).toFixed(0);
  console.log(
    `${name.padEnd(32)} ${rps.toFixed(0).padStart(6)} ${percentile(latencies, 50).toFixed(1).padStart(9)} ${percentile(latencies, 99).toFixed(1).padStart(8)} ${String(rs.reduce((s, r) => s + r.errors, 0)).padStart(7)} ${cpu.padStart(14)} ${rss.padStart(16)}`,
  );
}
