/**
 * A slow client does not grow the gateway's memory without bound: the gateway relays a stream no
 * faster than its client reads it (ReadableStream pull + TCP back-pressure both ways), so an
 * upstream that could send 400 MB gets only as far as the socket buffers allow, and the gateway
 * process's RSS stays near where it started. Bounded: one stream, read for ~4 s, then cancelled.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, type Stack, startStack } from './helpers.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ mocks: 1 });
});
afterAll(() => stack?.stop());

/** Resident set size of a process, bytes (Linux /proc). */
function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe('a slow reader', () => {
  it('holds the upstream back instead of buffering its stream in the gateway', async () => {
    const pid = stack.gateway.child.pid as number;
    const progress = { bytes: 0 };
    const chunks = 400_000;
    const chunkChars = 1000; // ≈ 400 MB offered
    stack.mocks[0]?.enqueue({ kind: 'flood', chunks, chunkChars, progress });
    const controller = new AbortController();
    const res = await post(
      `${stack.url}/v1/chat/completions`,
      { model: 'solo', stream: true, messages: [{ role: 'user', content: 'flood' }] },
      { signal: controller.signal },
    );
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const before = rssBytes(pid);
    let received = 0;
    let peakRss = before;
    const started = Date.now();
    // one read every 20 ms: a client far slower than loopback
    while (Date.now() - started < 4_000) {
      const { value, done } = await reader.read();
      if (done) break;
      received += value.length;
      peakRss = Math.max(peakRss, rssBytes(pid));
      await new Promise((r) => setTimeout(r, 20));
    }
    const offered = progress.bytes;
    console.log(
      `slow reader: received ${received} B, upstream wrote ${offered} B, gateway RSS +${((peakRss - before) / 1048576).toFixed(1)} MiB`,
    );
    controller.abort();
    await reader.cancel().catch(() => {});
    // the upstream was held back: it wrote the client's share plus what loopback socket buffers and
    // the stream's queues hold (measured here: ≈ 12 MB beyond it); unbounded relaying would be ~400 MB
    expect(offered).toBeLessThan(received + 40 * 1024 * 1024);
    expect(offered).toBeLessThan(chunks * chunkChars * 0.1);
    // and the gateway did not keep what it was offered: its RSS grew far less (measured: ≈ 25 MiB)
    expect(peakRss - before).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);
});
