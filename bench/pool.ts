/**
 * GPU-worker throughput under concurrency (`npm run bench:pool`): one real gpu-worker process
 * serving the committed teacher on loopback, closed-loop clients at concurrency 1, 4 and 16, each
 * request a streamed completion (greedy, `max_tokens` fixed, `ignore_eos`-free prompts that rarely
 * end early). Two workers run one after the other on the same model: step-level batching on (the
 * default: every decoding sequence advances in one decoder run per step) and off (`--max-batch 1`:
 * one sequence per run, round robin). Printed side by side: generated tokens/s, its ratio to
 * concurrency 1, request latency p50/p99 and time to first token p50/p99 (ms). Both workers are up
 * at once (the idle one costs nothing) and every level runs A B B A, so drift in the shared
 * machine's load hits both variants alike.
 *
 *   npm run bench:pool -- [--model distillgate-teacher] [--max-tokens 32] [--requests 48] [--levels 1,4,16] [--threads 1]
 *
 * `--requests` is the count per level and pass (at least the concurrency); each level runs two passes per variant. Results also go to
 * bench/results/pool-<time>.json. Bounded: at most levels × requests × max_tokens tokens per worker.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startGpuWorkerProcess } from '../tests/support/gpu-worker-process.ts';
import { percentile } from './open-loop.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'distillgate-teacher' },
    'max-tokens': { type: 'string', default: '32' },
    requests: { type: 'string', default: '48' },
    levels: { type: 'string', default: '1,4,16' },
    threads: { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npm run bench:pool -- [--model NAME] [--max-tokens 32] [--requests 48] [--levels 1,4,16] [--threads 1]');
  process.exit(0);
}
const positive = (name: string, v: string | undefined) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
  return n;
};
const maxTokens = positive('max-tokens', args['max-tokens']);
const requests = positive('requests', args.requests);
const levels = (args.levels ?? '').split(',').map((v) => positive('levels', v));
const threads = positive('threads', args.threads);

const PROMPTS = [
  'In the beginning God created',
  'And it came to pass in those days',
  'The LORD is my shepherd;',
  'Blessed are the poor in spirit:',
  'Now the serpent was more subtil than',
  'And the earth was without form, and void;',
  'Let us make man in our image,',
  'For God so loved the world,',
];

interface RequestTiming {
  latencyMs: number;
  ttftMs: number;
  tokens: number;
}

/** One streamed completion; its latency, time to first content token and completion_tokens. */
async function streamOne(url: string, prompt: string): Promise<RequestTiming> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: args.model,
      prompt,
      max_tokens: maxTokens,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    }),
  });
  if (!res.ok || !res.body) throw new Error(`worker answered ${res.status}: ${await res.text()}`);
  let ttftMs = Number.NaN;
  let tokens = 0;
  let buffer = '';
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffer += decoder.decode(read.value, { stream: true });
    for (let cut = buffer.indexOf('\n\n'); cut !== -1; cut = buffer.indexOf('\n\n')) {
      const data = buffer.slice(0, cut).replace(/^data: /, '');
      buffer = buffer.slice(cut + 2);
      if (data === '[DONE]') continue;
      const chunk = JSON.parse(data) as { choices: Array<{ text?: string }>; usage?: { completion_tokens: number } | null };
      if (Number.isNaN(ttftMs) && chunk.choices[0]?.text) ttftMs = performance.now() - t0;
      if (chunk.usage) tokens = chunk.usage.completion_tokens;
    }
  }
  return { latencyMs: performance.now() - t0, ttftMs, tokens };
}

interface LevelResult {
  concurrency: number;
  requests: number;
  tokens: number;
  wallMs: number;
  tokensPerS: number;
  p50Ms: number;
  p99Ms: number;
  ttftP50Ms: number;
  ttftP99Ms: number;
}

/** `count` requests, `concurrency` in flight at any time (closed loop). */
async function runLevel(url: string, concurrency: number, count: number): Promise<LevelResult & { timings: RequestTiming[] }> {
  const timings: RequestTiming[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        timings.push(await streamOne(url, PROMPTS[i % PROMPTS.length]!));
      }
    }),
  );
  return { ...summarize(concurrency, timings, performance.now() - t0), timings };
}

function summarize(concurrency: number, timings: RequestTiming[], wallMs: number): LevelResult {
  const latency = timings.map((t) => t.latencyMs).sort((a, b) => a - b);
  const ttft = timings.map((t) => t.ttftMs).sort((a, b) => a - b);
  const tokens = timings.reduce((sum, t) => sum + t.tokens, 0);
  return {
    concurrency,
    requests: timings.length,
    tokens,
    wallMs,
    tokensPerS: (1000 * tokens) / wallMs,
    p50Ms: percentile(latency, 50),
    p99Ms: percentile(latency, 99),
    ttftP50Ms: percentile(ttft, 50),
    ttftP99Ms: percentile(ttft, 99),
  };
}

/** Both passes of one variant at one level as one result (their timings pooled). */
function pool(a: LevelResult & { timings: RequestTiming[] }, b: LevelResult & { timings: RequestTiming[] }) {
  return summarize(a.concurrency, [...a.timings, ...b.timings], a.wallMs + b.wallMs);
}

const VARIANTS = [
  { label: 'batched', args: [] as string[] },
  { label: 'unbatched', args: ['--max-batch', '1'] },
];
const maxConcurrent = String(Math.max(...levels));
const workers = await Promise.all(
  VARIANTS.map((v) =>
    startGpuWorkerProcess(
      [
        '--models-dir',
        join(ROOT, 'models'),
        '--model',
        args.model!,
        '--threads',
        String(threads),
        '--max-concurrent',
        maxConcurrent,
        ...v.args,
      ],
      120_000,
    ),
  ),
);
const runs = VARIANTS.map((v) => ({ label: v.label, levels: [] as LevelResult[] }));
try {
  for (const w of workers) await runLevel(w.url, 2, 4); // warm-up: first runs allocate
  for (const c of levels) {
    // A B B A: each variant runs once early and once late, so drift in machine load hits both alike
    const count = Math.max(requests, c);
    const [a1, b1] = [await runLevel(workers[0]!.url, c, count), await runLevel(workers[1]!.url, c, count)];
    const [b2, a2] = [await runLevel(workers[1]!.url, c, count), await runLevel(workers[0]!.url, c, count)];
    runs[0]!.levels.push(pool(a1, a2));
    runs[1]!.levels.push(pool(b1, b2));
    process.stderr.write(`c=${c}: ${runs.map((r) => `${r.label} ${r.levels.at(-1)!.tokensPerS.toFixed(0)} tok/s`).join(', ')}\n`);
  }
} finally {
  await Promise.all(workers.map((w) => w.stop()));
}

const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(8);
console.log(
  `\ngpu-worker ${args.model}, CPU (onnxruntime-node, ${threads} intra-op thread), streamed greedy completions of ${maxTokens} tokens\n` +
    `node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'} ×${cpus().length}, 1-min load ${loadavg()[0]?.toFixed(2)}\n`,
);
console.log('variant      conc   tok/s  ×conc1   p50 ms   p99 ms  ttft50  ttft99');
for (const run of runs) {
  const base = run.levels[0]!.tokensPerS;
  for (const r of run.levels) {
    console.log(
      `${run.label.padEnd(10)} ${String(r.concurrency).padStart(6)}${fmt(r.tokensPerS)}${fmt(r.tokensPerS / base, 2)}${fmt(r.p50Ms, 1)}${fmt(r.p99Ms, 1)}${fmt(r.ttftP50Ms, 1)}${fmt(r.ttftP99Ms, 1)}`,
    );
  }
}
const [batched, unbatched] = runs;
for (const [i, c] of levels.entries()) {
  console.log(
    `c=${c}: batched / unbatched throughput = ${(batched!.levels[i]!.tokensPerS / unbatched!.levels[i]!.tokensPerS).toFixed(2)}×`,
  );
}
const dir = join(ROOT, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const out = join(dir, `pool-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(out, JSON.stringify({ model: args.model, maxTokens, threads, runs }, null, 2));
console.log(`results: ${out}`);
