/**
 * The minimal surface the engine needs from an ONNX Runtime: create a session from model bytes,
 * make int64/float32 CPU tensors, run with named feeds, release. The engine never imports a runtime;
 * a binding is injected: `createWebBinding()` (onnxruntime-web, WASM, one thread; `binding-web.ts`)
 * at the edge, `createNodeBinding()` (onnxruntime-node; `node/binding-node.ts`) in the gpu-worker,
 * or a scripted fake in tests.
 *
 * The types are structural subsets of onnxruntime-common's `Tensor` and `InferenceSession`, so both
 * runtimes' objects satisfy them; a tensor made by one binding must only be fed to that binding's
 * sessions.
 */

/** A tensor as the engine sees it. `data` is a CPU typed array (BigInt64Array or Float32Array). */
export interface OrtTensorLike {
  /** onnxruntime type name: 'int64' | 'float32' | … */
  readonly type: string;
  /** Shape, outermost first, e.g. [B, S, V]. */
  readonly dims: readonly number[];
  readonly data: unknown;
  /** Frees runtime-owned memory (GPU/WASM); a no-op for plain CPU tensors. */
  dispose?(): void;
}

/** Declared type/shape of a graph input or output; symbolic axes are strings ('batch_size'). */
export interface OrtValueMetadataLike {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}

/** One loaded model. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Present on onnxruntime ≥ 1.21 (web and node); used to discover head count and head size. */
  readonly inputMetadata?: readonly OrtValueMetadataLike[];
  readonly outputMetadata?: readonly OrtValueMetadataLike[];
  /** Runs the graph once; resolves to every output by name. */
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

/** What the engine is given instead of an `import 'onnxruntime-…'`. */
export interface OrtBinding {
  /** For logs and metrics: 'onnxruntime-web', 'onnxruntime-node', or a test double's name. */
  readonly runtime: string;
  /**
   * Creates a session from the bytes of an `.onnx` file.
   * @throws whatever the runtime throws for an unreadable or unsupported model
   */
  createSession(modelBytes: Uint8Array): Promise<OrtSessionLike>;
  /** An int64 tensor over `data` (not copied). `data.length` must equal the product of `dims`. */
  int64(data: BigInt64Array, dims: readonly number[]): OrtTensorLike;
  /** A float32 tensor over `data` (not copied). `data.length` must equal the product of `dims`. */
  float32(data: Float32Array, dims: readonly number[]): OrtTensorLike;
}

/** The float32 data of an output tensor, checked. @throws Error when `t` is not float32 */
export function float32Data(t: OrtTensorLike, name: string): Float32Array {
  if (!(t.data instanceof Float32Array)) throw new Error(`output ${name} is ${t.type}, expected float32`);
  return t.data;
}
