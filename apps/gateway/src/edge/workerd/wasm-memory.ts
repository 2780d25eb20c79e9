/**
 * Finds ORT's WebAssembly linear memory so the isolate can report it (the 128 MB isolate limit,
 * DESIGN.md §4). ORT keeps its instance private, so we watch `WebAssembly.instantiate`: a call that
 * instantiates the precompiled ORT module yields the `WebAssembly.Memory` it was given or exports.
 * `ort-wasm-simd-threaded.wasm` imports its memory (`a.a`, shared, growable); other builds export it.
 *
 * Installed BEFORE `createWebBinding` (binding-web.ts), whose sentinel hook then wraps this one and
 * calls it with the real Module. Linear memory only grows, so `bytes()` is a high-water mark.
 */

const PROBE = Symbol.for('distillgate.gateway.ortWasmMemory');
type InstantiateFn = (source: unknown, imports?: WebAssembly.Imports) => Promise<unknown>;
type ProbedWebAssembly = typeof WebAssembly & { [PROBE]?: { module: WebAssembly.Module; memory: WebAssembly.Memory | null } };

export interface WasmMemoryProbe {
  /** ORT's linear memory size now, bytes; null before ORT instantiated its module. */
  bytes(): number | null;
}

function memoryIn(imports: WebAssembly.Imports | undefined, instance: WebAssembly.Instance | undefined): WebAssembly.Memory | null {
  for (const value of Object.values(instance?.exports ?? {})) if (value instanceof WebAssembly.Memory) return value;
  for (const namespace of Object.values(imports ?? {})) {
    for (const value of Object.values(namespace)) if (value instanceof WebAssembly.Memory) return value;
  }
  return null;
}

/**
 * Wraps `WebAssembly.instantiate` once per isolate (state on a global symbol, so a second copy of
 * this module in the same isolate shares it) to remember the memory of `module`'s instance.
 */
export function probeWasmMemory(module: WebAssembly.Module): WasmMemoryProbe {
  const wasm = WebAssembly as ProbedWebAssembly;
  if (!wasm[PROBE]) {
    const state: { module: WebAssembly.Module; memory: WebAssembly.Memory | null } = { module, memory: null };
    const original = WebAssembly.instantiate.bind(WebAssembly) as InstantiateFn;
    const probed: InstantiateFn = async function instantiateAndProbeMemory(source, imports) {
      const result = await original(source, imports);
      // Below the sentinel hook: (Module, imports) → Instance. Above it (hook installed first):
      // (sentinel bytes, imports) → { instance, module }.
      const pair = result as { instance?: WebAssembly.Instance; module?: WebAssembly.Module };
      if (source === state.module) state.memory = memoryIn(imports, result as WebAssembly.Instance);
      else if (pair.module === state.module) state.memory = memoryIn(imports, pair.instance);
      return result;
    };
    wasm.instantiate = probed as typeof WebAssembly.instantiate;
    wasm[PROBE] = state;
  }
  const state = wasm[PROBE];
  state.module = module;
  return { bytes: () => state.memory?.buffer.byteLength ?? null };
}
