/**
 * The workerd path of the web binding, exercised in Node: ORT must instantiate a precompiled
 * WebAssembly.Module handed to `createWebBinding({ wasmModule })` and never compile wasm bytes
 * (workerd forbids it). This file gets its own module registry and globals (vitest isolates test
 * files), so ORT initialises here for the first time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebBinding } from './binding-web.ts';
import { Decoder, lastRow } from './decoder.ts';
import type { ModelManifest } from './manifest.ts';
import { readModelDir } from './node/model-dir.ts';
import { BUILD_TIMEOUT_MS, testModelDir, testModelSkipReason } from './test-model.ts';

const skipReason = testModelSkipReason();

describe.skipIf(skipReason !== null)('createWebBinding({ wasmModule }) — precompiled ORT wasm', () => {
  const seen: string[] = [];
  const original = WebAssembly.instantiate;

  beforeAll(() => {
    // Record what reaches the real WebAssembly.instantiate (the binding's hook wraps this spy).
    WebAssembly.instantiate = ((source: unknown, imports?: WebAssembly.Imports) => {
      seen.push(source instanceof WebAssembly.Module ? 'module' : 'bytes');
      return (original as (s: unknown, i?: WebAssembly.Imports) => Promise<unknown>).call(WebAssembly, source, imports);
    }) as typeof WebAssembly.instantiate;
  });

  afterAll(() => {
    WebAssembly.instantiate = original;
  });

  it(
    'loads and runs the model without compiling wasm bytes',
    async () => {
      const wasmPath = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
      const wasmModule = await WebAssembly.compile(readFileSync(wasmPath)); // what wrangler hands the Worker
      const files = await readModelDir(await testModelDir());
      const decoder = await Decoder.create(createWebBinding({ wasmModule }), files.model, files.manifest as ModelManifest);
      const logits = lastRow(await decoder.forward(decoder.newSequence(), [1, 2, 3]));
      expect(logits.length).toBe(decoder.shape.vocabSize);
      expect(logits.every(Number.isFinite)).toBe(true);
      expect(seen).toEqual(['module']);
      await decoder.release();
    },
    BUILD_TIMEOUT_MS,
  );
});
