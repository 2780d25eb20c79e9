import { describe, expect, it } from 'vitest';
import { encodeSseData, readSseEvents, SSE_DONE, type SseFrame } from './sse.ts';

const utf8 = new TextEncoder();

/** Every line ending, comments, field-only blocks (no event), multibyte text, multi-line data. */
const PAYLOAD = [
  ': keep-alive\r\n',
  'retry: 3000\r\n\r\n', // retry only: no event
  'data: {"text":"héllo 世界 🎉"}\r\n\r\n',
  'event: message\nid: 7\ndata: line one\ndata: line two 🎉\n\n',
  'data: cr only ☃\r\r',
  ':comment without space\n',
  'data:no-space\n\n',
  'id: 8\n\n', // id only: no event
  'data: \n\n', // empty data is still an event
  'data: {"text":"é"}\r\n\r\n',
  'data: [DONE]\n\n',
].join('');

const EXPECTED: SseFrame[] = [
  { data: '{"text":"héllo 世界 🎉"}' },
  { data: 'line one\nline two 🎉', event: 'message', id: '7' },
  { data: 'cr only ☃' },
  { data: 'no-space' },
  { data: '' },
  { data: '{"text":"é"}' },
  { data: '[DONE]' },
];

function streamOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
  });
}

/** `bytes` cut at each of `offsets` (ascending). */
function splitAt(bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const end of [...offsets, bytes.length]) {
    chunks.push(bytes.subarray(start, end));
    start = end;
  }
  return chunks;
}

async function collect(body: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<SseFrame[]> {
  const frames: SseFrame[] = [];
  for await (const frame of readSseEvents(body, signal)) frames.push(frame);
  return frames;
}

/** mulberry32: a seeded PRNG so the random splits are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} not within ${ms} ms`)), ms))]);
}

describe('encodeSseData', () => {
  it('writes one data line of JSON and a blank line', () => {
    expect(encodeSseData({ a: 'x\ny' })).toBe('data: {"a":"x\\ny"}\n\n');
    expect(SSE_DONE).toBe('data: [DONE]\n\n');
  });

  it('round-trips through readSseEvents', async () => {
    const values = [
      { id: 'c1', text: 'héllo\n世界' },
      { error: { message: 'cut', type: 'server_error', param: null, code: 'stream_truncated' } },
    ];
    const wire = values.map(encodeSseData).join('') + SSE_DONE;
    const frames = await collect(streamOf([utf8.encode(wire)]));
    expect(frames.map((f) => f.data)).toEqual([...values.map((v) => JSON.stringify(v)), '[DONE]']);
  });
});

describe('readSseEvents', () => {
  const bytes = utf8.encode(PAYLOAD);

  it('decodes the payload in one read', async () => {
    expect(await collect(streamOf([bytes]))).toEqual(EXPECTED);
  });

  it('gives the same events for a split at every byte offset', async () => {
    expect(bytes.length).toBeGreaterThan(PAYLOAD.length); // multibyte characters are present
    for (let offset = 1; offset < bytes.length; offset++) {
      const frames = await collect(streamOf(splitAt(bytes, [offset])));
      expect(frames, `split at byte ${offset}`).toEqual(EXPECTED);
    }
  });

  it('gives the same events for one byte per read', async () => {
    const offsets = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(await collect(streamOf(splitAt(bytes, offsets)))).toEqual(EXPECTED);
  });

  it('gives the same events for random multi-splits (seed 42, 200 runs)', async () => {
    const random = prng(42);
    for (let run = 0; run < 200; run++) {
      const cuts = new Set<number>();
      const count = 1 + Math.floor(random() * 12);
      while (cuts.size < count) cuts.add(1 + Math.floor(random() * (bytes.length - 1)));
      const offsets = [...cuts].sort((a, b) => a - b);
      expect(await collect(streamOf(splitAt(bytes, offsets))), `splits ${offsets.join(',')}`).toEqual(EXPECTED);
    }
  });

  it('yields several events from one read, and zero-length reads change nothing', async () => {
    const chunks = [utf8.encode('data: a\n\ndata: b\n\nda'), new Uint8Array(0), utf8.encode('ta: c\n\n')];
    expect((await collect(streamOf(chunks))).map((f) => f.data)).toEqual(['a', 'b', 'c']);
  });

  it('drops an unterminated last block (a cut stream must not look complete)', async () => {
    for (const tail of ['data: partial', 'data: partial\n', 'data: partial\r', 'data: partial\r\n']) {
      const frames = await collect(streamOf([utf8.encode(`data: a\n\n${tail}`)]));
      expect(
        frames.map((f) => f.data),
        JSON.stringify(tail),
      ).toEqual(['a']);
    }
  });

  it('dispatches a last event terminated by a bare "\\r\\r"', async () => {
    expect(await collect(streamOf([utf8.encode('data: last\r\r')]))).toEqual([{ data: 'last' }]);
    expect(await collect(streamOf(splitAt(utf8.encode('data: last\r\r'), [11])))).toEqual([{ data: 'last' }]);
  });

  it('cancels the body when the consumer breaks', async () => {
    let resolveCancel: (reason: unknown) => void = () => {};
    const cancelled = new Promise((resolve) => {
      resolveCancel = resolve;
    });
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent++;
        controller.enqueue(utf8.encode(`data: ${sent}\n\n`));
      },
      cancel(reason) {
        resolveCancel(reason);
      },
    });
    for await (const frame of readSseEvents(body)) {
      if (frame.data === '3') break;
    }
    await within(cancelled, 1000, 'body cancel');
    expect(sent).toBeLessThan(50);
  });

  it('cancels the body when the loop throws', async () => {
    let cancelCalls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(utf8.encode('data: x\n\n'));
      },
      cancel() {
        cancelCalls++;
      },
    });
    await expect(
      (async () => {
        for await (const _ of readSseEvents(body)) throw new Error('consumer failed');
      })(),
    ).rejects.toThrow('consumer failed');
    await within(
      (async () => {
        while (cancelCalls === 0) await new Promise((r) => setTimeout(r, 1));
      })(),
      1000,
      'body cancel',
    );
  });

  it('stops with the abort reason and cancels the body when the signal aborts', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(utf8.encode('data: first\n\n'));
      }, // then nothing more arrives: a stalled upstream
      cancel() {
        cancelled = true;
      },
    });
    const controller = new AbortController();
    const frames: string[] = [];
    const reason = new Error('client went away');
    const run = (async () => {
      for await (const frame of readSseEvents(body, controller.signal)) {
        frames.push(frame.data);
        controller.abort(reason);
      }
    })();
    await expect(within(run, 1000, 'abort')).rejects.toBe(reason);
    expect(frames).toEqual(['first']);
    expect(cancelled).toBe(true);
  });

  it('throws at once for an already-aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(collect(streamOf([utf8.encode('data: a\n\n')]), controller.signal)).rejects.toThrow('gone');
  });

  it('rethrows the body error after the events before it', async () => {
    const failure = new Error('connection reset');
    const frames: string[] = [];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(utf8.encode('data: a\n\ndata: b\n\ndata: par'));
        controller.error(failure);
      },
    });
    await expect(
      (async () => {
        for await (const frame of readSseEvents(body)) frames.push(frame.data);
      })(),
    ).rejects.toBe(failure);
    expect(frames.length).toBeLessThanOrEqual(2);
  });
});
