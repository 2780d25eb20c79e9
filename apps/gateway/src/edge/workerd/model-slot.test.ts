/**
 * ModelSlot's state machine without ORT: an in-memory R2 bucket, a fake clock, and the scripted
 * binding of packages/edge-model (a fixed token script in the Optimum layout) or a binding whose
 * session creation fails the way ORT does when workerd refuses to compile its wasm. The real
 * onnxruntime-web path runs in tests/workerd/edge.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type OrtBinding, parseManifest } from '@distillgate/edge-model';
import type { Logger } from '@distillgate/router';
import { beforeAll, describe, expect, it } from 'vitest';
import { scriptedBinding } from '../../../../../packages/edge-model/src/scripted-binding.ts';
import { testModelDir, testModelSkipReason } from '../../../../../packages/edge-model/src/test-model.ts';
import { EdgeUnavailableError } from '../provider.ts';
import { ModelSlot } from './model-slot.ts';
import { R2ModelSource } from './r2-model-source.ts';

const ID = 'distillgate-student';
const WASM_REFUSED = 'WebAssembly.instantiate(): Wasm code generation disallowed by embedder';

/** An R2 bucket in memory; every put gets a new etag, as R2 does. */
class MemoryBucket {
  readonly objects = new Map<string, { bytes: Uint8Array; etag: string }>();
  heads = 0;
  private serial = 0;
  put(key: string, value: string | Uint8Array): void {
    const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
    this.objects.set(key, { bytes, etag: `e${++this.serial}` });
  }
  async head(key: string) {
    this.heads++;
    const o = this.objects.get(key);
    return o ? { etag: o.etag } : null;
  }
  async get(key: string) {
    const o = this.objects.get(key);
    if (!o) return null;
    return {
      etag: o.etag,
      arrayBuffer: async () => o.bytes.slice().buffer as ArrayBuffer,
      text: async () => new TextDecoder().decode(o.bytes),
    };
  }
}

function recordingLogger() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (msg: string) => lines.push({ level, msg });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

/** Counts sessions created and released; `fail` makes creation throw like ORT refused to start. */
function countingBinding(inner: OrtBinding, fail?: string) {
  const counts = { created: 0, released: 0 };
  const binding: OrtBinding = {
    ...inner,
    async createSession(bytes) {
      counts.created++;
      if (fail) throw new Error(fail);
      const session = await inner.createSession(bytes);
      return { ...session, run: session.run.bind(session), release: async () => void counts.released++ };
    },
  };
  return { binding, counts };
}

const skipReason = testModelSkipReason();

describe.skipIf(skipReason !== null)('ModelSlot (fake R2, scripted binding)', () => {
  let tokenizer: string;
  let manifest: Record<string, unknown>;

  beforeAll(async () => {
    const dir = await testModelDir();
    tokenizer = readFileSync(join(dir, 'tokenizer.json'), 'utf8');
    const real = parseManifest(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    manifest = { name: ID, version: 'v1', context_length: real.context_length, eos_token_id: real.eos_token_id };
  }, 300_000);

  function setup(options: { fail?: string } = {}) {
    const bucket = new MemoryBucket();
    const publish = (version: string) => {
      bucket.put(`${ID}/${version}/model.onnx`, new Uint8Array([8, 8, 0x12]));
      bucket.put(`${ID}/${version}/tokenizer.json`, tokenizer);
      bucket.put(`${ID}/${version}/manifest.json`, JSON.stringify({ ...manifest, version }));
      bucket.put(`${ID}/channels.json`, JSON.stringify({ live: version, canary: null }));
    };
    // Always token 65; logits wider than any test tokenizer (the engine masks the padding).
    const { binding, counts } = countingBinding(scriptedBinding({ promptLength: 0, tokens: [], after: 65, vocabSize: 8192 }), options.fail);
    const clock = { ms: 0 };
    const { logger, lines } = recordingLogger();
    const slot = new ModelSlot({
      id: ID,
      source: new R2ModelSource(bucket),
      runtime: () => ({ binding, memory: { bytes: () => 1 << 24 } }),
      channelsCheckMs: 1000,
      logger,
      now: () => clock.ms,
    });
    return { bucket, publish, slot, counts, clock, lines };
  }

  const generateOnce = async (slot: ModelSlot) => {
    const lease = await slot.acquire();
    try {
      for await (const _ of lease.engine.generate({ prompt: 'hi', max_tokens: 2 })) {
        // drain
      }
      return lease.version;
    } finally {
      lease.release();
    }
  };

  it('is not_loaded until asked, then loads once for concurrent requests', async () => {
    const { publish, slot, counts } = setup();
    publish('v1');
    expect(slot.info()).toMatchObject({ id: ID, status: 'not_loaded', version: null });
    const leases = await Promise.all([slot.acquire(), slot.acquire(), slot.acquire()]);
    expect(leases.map((l) => l.version)).toEqual(['v1', 'v1', 'v1']);
    expect(counts.created).toBe(1);
    for (const l of leases) l.release();
    expect(slot.info()).toMatchObject({ status: 'ready', version: 'v1', contextLength: manifest.context_length });
  });

  it('reads the etag at most once per channelsCheckMs and follows a new live version', async () => {
    const { bucket, publish, slot, counts, clock } = setup();
    publish('v1');
    expect(await generateOnce(slot)).toBe('v1');
    await generateOnce(slot);
    clock.ms = 999;
    await generateOnce(slot);
    expect(bucket.heads).toBe(1);
    const held = await slot.acquire(); // a generation of v1 still running across the switch
    publish('v2');
    clock.ms = 1000;
    expect(await generateOnce(slot)).toBe('v2');
    expect(bucket.heads).toBe(2);
    expect(counts).toEqual({ created: 2, released: 0 }); // v1 stays until its last generation ends
    held.release();
    expect(counts.released).toBe(1);
  });

  it('marks ORT failing to start unavailable, logs it once, and retries only for a new version', async () => {
    const { publish, slot, counts, clock, lines } = setup({ fail: WASM_REFUSED });
    publish('v1');
    await expect(slot.acquire()).rejects.toBeInstanceOf(EdgeUnavailableError);
    clock.ms = 5000;
    await expect(slot.acquire()).rejects.toThrow(WASM_REFUSED);
    expect(counts.created).toBe(1);
    expect(slot.info()).toMatchObject({ status: 'unavailable', version: 'v1', error: WASM_REFUSED });
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
    publish('v2');
    clock.ms = 10_000;
    await expect(slot.acquire()).rejects.toBeInstanceOf(EdgeUnavailableError);
    expect(counts.created).toBe(2);
    expect(slot.info()).toMatchObject({ status: 'unavailable', version: 'v2' });
  });

  it('retries a storage failure after channelsCheckMs', async () => {
    const { bucket, publish, slot, clock, lines } = setup();
    publish('v1');
    bucket.objects.delete(`${ID}/v1/tokenizer.json`);
    await expect(slot.acquire()).rejects.toThrow(/tokenizer\.json not found/);
    expect(slot.info().status).toBe('unavailable');
    publish('v1'); // same version, files now complete (new channels etag too)
    clock.ms = 500;
    await expect(slot.acquire()).rejects.toThrow(/not found/); // not yet: within the interval
    clock.ms = 1000;
    expect(await generateOnce(slot)).toBe('v1');
    expect(slot.info().status).toBe('ready');
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
  });

  it('is unavailable with no version while channels.json is missing, and loads once it appears', async () => {
    const { publish, slot, clock } = setup();
    await expect(slot.acquire()).rejects.toThrow(/channels\.json not found/);
    expect(slot.info()).toMatchObject({ status: 'unavailable', version: null });
    publish('v1');
    clock.ms = 1000;
    expect(await generateOnce(slot)).toBe('v1');
  });
});
