/// <reference path="./wasm-modules.d.ts" />
/**
 * onnxruntime-web inside workerd, once per isolate (DESIGN.md §4). wrangler's `CompiledWasm` rule
 * (wrangler.toml) turns the `.wasm` import into a `WebAssembly.Module`: workerd forbids compiling
 * WASM from bytes, and `createWebBinding({ wasmModule })` (packages/edge-model/src/binding-web.ts)
 * is the one place that substitutes this precompiled module for ORT's own instantiation. This file
 * only wires it: the module, the memory probe under it, one binding for every model of the isolate.
 * The 14.2 MB wasm (3.7 MB gzip) rides in the script bundle; model weights never do (R2).
 */
import { createWebBinding, type OrtBinding } from '@distillgate/edge-model';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import { probeWasmMemory, type WasmMemoryProbe } from './wasm-memory.ts';

export interface OrtRuntime {
  binding: OrtBinding;
  /** ORT's WASM linear memory (null until the first session instantiated ORT). */
  memory: WasmMemoryProbe;
}

let runtime: OrtRuntime | undefined;

/** The isolate's ORT binding (ORT itself initialises at the first session, 16–24 s in miniflare). */
export function ortRuntime(): OrtRuntime {
  if (!runtime) {
    const memory = probeWasmMemory(ortWasm); // first: the sentinel hook must wrap the probe
    runtime = { binding: createWebBinding({ wasmModule: ortWasm }), memory };
  }
  return runtime;
}
