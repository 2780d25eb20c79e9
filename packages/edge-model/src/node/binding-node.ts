/**
 * The onnxruntime-node adapter (native CPU build; CUDA where installed with
 * `--onnxruntime-node-install=cuda12`, DESIGN.md §4). Used by the gpu-worker and by the parity
 * tests that compare it with onnxruntime-web. Set `ORT_DISABLE_TELEMETRY=1` in the process.
 */
import * as ort from 'onnxruntime-node';
import type { OrtBinding, OrtSessionLike, OrtTensorLike } from '../binding.ts';

export interface NodeBindingOptions {
  /** Threads inside one operator. @default 1 (matches the edge; the gpu-worker may raise it) */
  intraOpNumThreads?: number;
  /** e.g. ['cuda', 'cpu'] on a GPU host. @default ['cpu'] */
  executionProviders?: string[];
  /** @default 'all' */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

export function createNodeBinding(options: NodeBindingOptions = {}): OrtBinding {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    executionProviders: options.executionProviders ?? ['cpu'],
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
  };
  return {
    runtime: 'onnxruntime-node',
    async createSession(modelBytes) {
      return wrapSession(await ort.InferenceSession.create(modelBytes, sessionOptions));
    },
    int64: (data, dims) => new ort.Tensor('int64', data, dims),
    float32: (data, dims) => new ort.Tensor('float32', data, dims),
  };
}

function wrapSession(session: ort.InferenceSession): OrtSessionLike {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata,
    outputMetadata: session.outputMetadata,
    run: (feeds) => session.run(feeds as Record<string, ort.Tensor>) as Promise<Record<string, OrtTensorLike>>,
    release: () => session.release(),
  };
}
