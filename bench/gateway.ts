/**
 * The gateway's ADDED latency over calling the upstream directly (`npm run bench:gateway`).
 *
 * Non-streaming chat completions (max_tokens 16) against the loopback echo mock, sent open loop
 * at a fixed rate (bench/open-loop.ts). Phase A calls the mock directly, phase B goes through the
 * real gateway process; both use the same schedule and count, run in alternating rounds
 * (A B, B A, …) after a warm-up of each. The gateway is pinned to core 0 and this process (load
 * generator + mock) to core 1 with `taskset`, as DESIGN.md §4 describes.
 *
 *   npm run bench:gateway -- --rate 200 --count 2000 --warmup 200 [--rounds 4] [--cpu-prof DIR]
 *
 * Runs well under a minute, so it does not checkpoint; `--max-seconds` bounds it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { type GatewayProcess, mockConfig, startGatewayProcess } from '../tests/support/gateway-process.ts';
import { startMockUpstream } from '../tests/support/mock-upstream.ts';
import { summarizeProfiles } from './cpu-profile.ts';
import { runOpenLoop, type Sample, type Summary, summarize } from './open-loop.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The aim for the gateway's own cost (added over direct). @unit ms */
const AIM_ADDED_P50_MS = 0.5;
const AIM_ADDED_P99_MS = 3;

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    count: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '4' },
    'max-seconds': { type: 'string', default: '60' },
    'log-level': { type: 'string', default: 'info' },
    'cpu-prof': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npm run bench:gateway -- [--rate 200] [--count 2000] [--warmup 200] [--rounds 4] [--max-seconds 60]');
  console.log('       [--log-level info] [--cpu-prof DIR  (profile the gateway and print its top self-time functions)]');
  process.exit(0);
}
const rate = positive('rate');
const count = positive('count');
const warmup = Math.max(0, Math.floor(Number(args.warmup)));
const rounds = Math.min(count, positive('rounds'));
const maxSeconds = positive('max-seconds');

function positive(name: 'rate' | 'count' | 'rounds' | 'max-seconds'): number {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got ${args[name]}`);
  return value;
}

/** Pins this process (all threads) to core 1; says why not when it cannot. */
function pinSelf(): { pinned: boolean; note: string } {
  if (spawnSync('taskset', ['--version']).error) return { pinned: false, note: 'taskset not found: nothing pinned (numbers are noisier)' };
  if (availableParallelism() < 2) return { pinned: false, note: 'fewer than 2 usable cores (machine or CPU affinity): nothing pinned' };
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  } catch (err) {
    return { pinned: false, note: `taskset could not pin to core 1 (${(err as Error).message.split('\n')[0]}): nothing pinned` };
  }
  return { pinned: true, note: 'gateway → core 0; load generator + mock → core 1 (taskset)' };
}

/** User + system CPU time of a process so far, all threads (Linux /proc, USER_HZ = 100). @unit ms */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
  return Number.isFinite(ticks) ? ticks * 10 : undefined;
}

function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return undefined;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : undefined;
}

const BODY = JSON.stringify({
  messages: [{ role: 'user', content: 'Say hello to the benchmark in a few short words please' }],
  max_tokens: 16,
});

/** A sender over its own keep-alive pool, so connection setup is paid in the warm-up only. */
function sender(url: string, model: string): { send: () => Promise<boolean>; close: () => Promise<void> } {
  const dispatcher = new Agent({ keepAliveTimeout: 60_000, connections: 128 });
  const body = `{"model":${JSON.stringify(model)},${BODY.slice(1)}`;
  const send = async () => {
    const res = await request(url, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json' },
      body,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const text = await res.body.text();
    return res.statusCode === 200 && text.includes('"choices"');
  };
  return { send, close: () => dispatcher.close() };
}

function fmt(ms: number, sign = false): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return `${sign && ms >= 0 ? '+' : ''}${ms.toFixed(2)}`;
}

function printTable(direct: Summary, via: Summary, rates: { direct: number; via: number }): void {
  const col = (s: string, w = 9) => s.padStart(w);
  const row = (name: string, cells: string[]) => console.log(`${name.padEnd(14)}${cells.map((c) => col(c)).join('')}`);
  console.log(`${''.padEnd(14)}${['p50', 'p90', 'p99', 'max'].map((h) => col(h)).join('')}${col('req/s', 10)}${col('errors', 8)}`);
  for (const [name, s, r] of [
    ['direct', direct, rates.direct],
    ['via gateway', via, rates.via],
  ] as const) {
    console.log(
      `${name.padEnd(14)}${[s.p50, s.p90, s.p99, s.max].map((v) => col(fmt(v))).join('')}${col(r.toFixed(1), 10)}${col(String(s.errors), 8)}`,
    );
  }
  const addedP50 = via.p50 - direct.p50;
  const addedP99 = via.p99 - direct.p99;
  row('added (ms)', [fmt(addedP50, true), fmt(via.p90 - direct.p90, true), fmt(addedP99, true), '']);
  row('ratio', [
    `${(via.p50 / direct.p50).toFixed(2)}x`,
    `${(via.p90 / direct.p90).toFixed(2)}x`,
    `${(via.p99 / direct.p99).toFixed(2)}x`,
    '',
  ]);
  row('aim (added)', [`≤${AIM_ADDED_P50_MS.toFixed(2)}`, '', `≤${AIM_ADDED_P99_MS.toFixed(2)}`, '']);
  const verdict = (v: number, aim: number) => (v <= aim ? 'met' : `MISSED by ${(v - aim).toFixed(2)} ms`);
  console.log(`aim p50 ${verdict(addedP50, AIM_ADDED_P50_MS)}; aim p99 ${verdict(addedP99, AIM_ADDED_P99_MS)}`);
  console.log(`send lag behind schedule p99: direct ${fmt(direct.lagP99)} ms, via gateway ${fmt(via.lagP99)} ms`);
}

async function main(): Promise<void> {
  const pin = pinSelf();
  const loadBefore = loadavg()[0] ?? 0;
  const mock = await startMockUpstream();
  const profDir = args['cpu-prof'] ? resolve(args['cpu-prof']) : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  // --cpu-prof is refused in NODE_OPTIONS: a shell that execs node with it keeps the same pid
  const profile = profDir ? ['sh', '-c', `exec "$0" --cpu-prof --cpu-prof-dir='${profDir}' "$@"`] : [];
  const spawnedMs = performance.now();
  const gateway: GatewayProcess = await startGatewayProcess(mockConfig([mock.baseUrl]), {
    wrap: [...(pin.pinned ? ['taskset', '-c', '0'] : []), ...profile],
    env: { DISTILLGATE_LOG_LEVEL: args['log-level'] },
  });
  const deadlineMs = performance.now() + maxSeconds * 1000;
  const watchdog = setTimeout(
    () => {
      console.error(`bench: still running after ${maxSeconds + 20} s, giving up`);
      gateway.child.kill('SIGKILL');
      process.exit(1);
    },
    (maxSeconds + 20) * 1000,
  );
  const direct = sender(`${mock.baseUrl}/chat/completions`, 'mock-model');
  const via = sender(`${gateway.url}/v1/chat/completions`, 'auto');
  const rssIdle = rssMiB(gateway.child.pid);
  let rssPeak = rssIdle ?? 0;
  const rssTimer = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssMiB(gateway.child.pid) ?? 0);
  }, 250);

  console.log(`distillgate gateway bench — non-streaming chat, max_tokens 16, open loop ${rate} req/s`);
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}; ${pin.note}; gateway log level ${args['log-level']}`);
  if (loadBefore > 0.5) {
    console.log(`note: 1-min load average was ${loadBefore.toFixed(2)} before start: other work shares these cores and inflates the tails`);
  }
  const samples: Record<'direct' | 'via', Sample[]> = { direct: [], via: [] };
  const rates: Record<'direct' | 'via', number[]> = { direct: [], via: [] };
  let cutShort = false;
  let measureFromMs = 0;
  let gatewayCpuMs = 0;
  try {
    for (const [name, s] of [
      ['direct', direct],
      ['via', via],
    ] as const) {
      const w = await runOpenLoop({ rate, count: warmup, deadlineMs, send: s.send });
      console.error(`warm-up ${name}: ${w.samples.length} requests, ${summarize(w.samples).errors} errors`);
    }
    measureFromMs = performance.now() - spawnedMs;
    const perRound = Math.ceil(count / rounds);
    for (let r = 0; r < rounds && !cutShort; r++) {
      const n = Math.min(perRound, count - r * perRound);
      if (n <= 0) break;
      const order = r % 2 === 0 ? (['direct', 'via'] as const) : (['via', 'direct'] as const);
      for (const name of order) {
        const cpuBefore = cpuMs(gateway.child.pid) ?? Number.NaN;
        const result = await runOpenLoop({ rate, count: n, deadlineMs, send: (name === 'direct' ? direct : via).send });
        if (name === 'via') gatewayCpuMs += (cpuMs(gateway.child.pid) ?? Number.NaN) - cpuBefore;
        samples[name].push(...result.samples);
        rates[name].push(result.achievedRate);
        cutShort ||= result.cutShort;
        const s = summarize(result.samples);
        console.error(`round ${r + 1}/${rounds} ${name}: n=${s.n} p50=${fmt(s.p50)} p99=${fmt(s.p99)} ms errors=${s.errors}`);
      }
    }
  } finally {
    clearInterval(rssTimer);
    rssPeak = Math.max(rssPeak, rssMiB(gateway.child.pid) ?? 0);
    await Promise.all([direct.close(), via.close()]);
    await gateway.stop();
    await mock.close();
    clearTimeout(watchdog);
  }

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(
    `${samples.via.length} measured requests per target in ${rounds} alternating rounds, after ${warmup} warm-up each` +
      (cutShort ? ` — CUT SHORT at --max-seconds ${maxSeconds}` : ''),
  );
  console.log('latency (ms, each request from send to last body byte)');
  printTable(summarize(samples.direct), summarize(samples.via), { direct: mean(rates.direct), via: mean(rates.via) });
  const mib = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(1)} MiB`);
  console.log(`gateway RSS: ${mib(rssIdle)} after start, ${mib(rssPeak || undefined)} peak under load`);
  const cpuPerRequest = gatewayCpuMs / Math.max(1, samples.via.length);
  console.log(
    `gateway CPU: ${fmt(cpuPerRequest)} ms per request (user+sys over the via-gateway rounds; ceiling ≈ ${(1000 / cpuPerRequest).toFixed(0)} req/s on one core)`,
  );

  if (profDir) {
    const profile = summarizeProfiles(profDir, ROOT, measureFromMs);
    const busyMs = profile.totalMs - profile.idleMs;
    console.log(
      `\ngateway CPU profile (${profDir}), measured rounds only: ${busyMs.toFixed(0)} ms busy, ${profile.idleMs.toFixed(0)} ms idle`,
    );
    console.log('top self time (share of busy time):');
    for (const h of profile.hotspots)
      console.log(`${h.selfMs.toFixed(1).padStart(9)} ms ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.name}  ${h.where}`);
    console.log('self time by owner:');
    for (const o of profile.owners)
      console.log(`${o.selfMs.toFixed(1).padStart(9)} ms ${(o.share * 100).toFixed(1).padStart(5)}%  ${o.owner}`);
  }
  if (samples.direct.length === 0 || samples.via.length === 0) process.exitCode = 1;
}

await main();
