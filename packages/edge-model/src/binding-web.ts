/**
 * The onnxruntime-web adapter: the WASM-only build (`onnxruntime-web/wasm`, whose default export
 * condition is `dist/ort.wasm.bundle.min.mjs`, the Emscripten glue inlined so ORT needs no dynamic
 * import), one thread, SIMD on. Runs in Node (main thread or a worker_threads worker) and in workerd.
 *
 * Where the .wasm comes from (first match wins; ORT reads these at its first session creation and
 * never again in this JS realm):
 * - `wasmModule`: a precompiled `WebAssembly.Module` (workerd: `import wasm from
 *   'onnxruntime-web/ort-wasm-simd-threaded.wasm'`, which wrangler turns into a Module). workerd
 *   forbids compiling WASM from bytes and ORT has no hook for a Module (DESIGN.md §4), so we set
 *   `env.wasm.wasmBinary` to a small sentinel module and wrap `WebAssembly.instantiate`: a call whose
 *   bytes equal the sentinel instantiates `wasmModule` instead; every other call passes through.
 * - `wasmBinary`: the bytes of `ort-wasm-simd-threaded.wasm` (anywhere compiling bytes is allowed).
 * - neither: ORT locates the file itself (in Node it reads `dist/ort-wasm-simd-threaded.wasm`
 *   next to the bundle).
 */
import * as ort from 'onnxruntime-web/wasm';
import type { OrtBinding, OrtSessionLike, OrtTensorLike } from './binding.ts';

export interface WebBindingOptions {
  /** Precompiled `ort-wasm-simd-threaded.wasm` (must be the one matching onnxruntime-web 1.30.0). */
  wasmModule?: WebAssembly.Module;
  /** Raw bytes of `ort-wasm-simd-threaded.wasm`; ignored when `wasmModule` is given. */
  wasmBinary?: Uint8Array;
  /** ORT graph optimisation level. @default 'all' (fuses the tied head's Transpose+MatMul) */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

/**
 * The sentinel passed as `wasmBinary` when a precompiled module is used: a valid, empty wasm module
 * (magic, version 1) with one custom section named `distillgate:precompiled-ort`, so it can never be
 * mistaken for ORT's real binary. Spec: WebAssembly Core 1.0 §5.5 (module, custom sections).
 */
const SENTINEL_NAME = 'distillgate:precompiled-ort';
const SENTINEL = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d, // \0asm
  0x01,
  0x00,
  0x00,
  0x00, // version 1
  0x00, // custom section id
  SENTINEL_NAME.length + 1, // section size (name length byte + name)
  SENTINEL_NAME.length,
  ...new TextEncoder().encode(SENTINEL_NAME),
]);

const HOOK = Symbol.for('distillgate.edge-model.precompiledOrtWasm');
type InstantiateFn = (source: unknown, imports?: WebAssembly.Imports) => Promise<unknown>;
type HookedWebAssembly = typeof WebAssembly & { [HOOK]?: { module: WebAssembly.Module } };

function isSentinel(source: unknown): boolean {
  const bytes =
    source instanceof Uint8Array
      ? source
      : source instanceof ArrayBuffer
        ? new Uint8Array(source)
        : ArrayBuffer.isView(source)
          ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
          : null;
  return bytes !== null && bytes.length === SENTINEL.length && bytes.every((b, i) => b === SENTINEL[i]);
}

/**
 * Wraps `WebAssembly.instantiate` once per realm so that instantiating the sentinel bytes yields
 * `{ instance, module }` from `module` instead. Later calls only replace the module to use.
 */
function installPrecompiledHook(module: WebAssembly.Module): void {
  const wasm = WebAssembly as HookedWebAssembly;
  if (wasm[HOOK]) {
    wasm[HOOK].module = module;
    return;
  }
  const state = { module };
  const original = WebAssembly.instantiate.bind(WebAssembly) as InstantiateFn;
  const hooked: InstantiateFn = function instantiateWithPrecompiledOrt(source, imports) {
    if (!isSentinel(source)) return original(source, imports);
    return (original(state.module, imports) as Promise<WebAssembly.Instance>).then((instance) => ({ instance, module: state.module }));
  };
  wasm.instantiate = hooked as typeof WebAssembly.instantiate;
  wasm[HOOK] = state;
}

/**
 * Configures onnxruntime-web's global `env` (numThreads 1, simd, no proxy worker, the wasm source)
 * and returns the binding. Call before the first session is created in this realm.
 */
export function createWebBinding(options: WebBindingOptions = {}): OrtBinding {
  ort.env.wasm.numThreads = 1; // no pthread workers: one core per isolate / worker thread
  ort.env.wasm.simd = true; // fixed-width SIMD (the only build ORT 1.30 ships)
  ort.env.wasm.proxy = false; // run in this thread; the Node side puts the engine in a worker itself
  if (options.wasmModule) {
    installPrecompiledHook(options.wasmModule);
    ort.env.wasm.wasmBinary = SENTINEL;
  } else if (options.wasmBinary) {
    ort.env.wasm.wasmBinary = options.wasmBinary;
  }
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['wasm'],
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
  };
  return {
    runtime: 'onnxruntime-web',
    async createSession(modelBytes) {
      return wrapSession(await ort.InferenceSession.create(modelBytes, sessionOptions));
    },
    int64: (data, dims) => new ort.Tensor('int64', data, dims),
    float32: (data, dims) => new ort.Tensor('float32', data, dims),
  };
}

/** The one place our structural tensor type meets ORT's nominal one (same runtime by contract). */
export function wrapSession(session: ort.InferenceSession): OrtSessionLike {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata,
    outputMetadata: session.outputMetadata,
    run: (feeds) => session.run(feeds as Record<string, ort.Tensor>) as Promise<Record<string, OrtTensorLike>>,
    release: () => session.release(),
  };
}
