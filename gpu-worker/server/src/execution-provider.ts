/**
 * Which onnxruntime-node execution provider the worker runs on, chosen once at start: CUDA where
 * the package was installed with its CUDA provider (`npm ci --onnxruntime-node-install=cuda12`,
 * DESIGN.md §4) and a session can be created on it, else CPU. The choice and its reason go to
 * `/health` and the start log.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { EdgeEngine } from '@distillgate/edge-model';
import { loadEngineFromDir } from '@distillgate/edge-model/node';

export type ExecutionProvider = 'cuda' | 'cpu';

export interface LoadedEngine {
  engine: EdgeEngine;
  executionProvider: ExecutionProvider;
  /** Why this provider (e.g. "CUDA provider library not installed"). */
  reason: string;
}

export interface EngineLoadOptions {
  /** 'auto' tries CUDA, then CPU. @default 'auto' */
  executionProvider?: ExecutionProvider | 'auto';
  /** ORT threads inside one operator (CPU). @default 1 */
  intraOpNumThreads?: number;
  /** Sequences decoding at once, all advanced by one batched run per step. @default 16 */
  maxConcurrent?: number;
  /** Requests waiting for a slot before 429. @default 64 */
  maxQueued?: number;
  /** Most sequences per decoder run; 1 turns batching off (for comparison). @default maxConcurrent */
  maxBatch?: number;
}

/** Where onnxruntime-node keeps its native libraries on this platform. */
function ortLibDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

/** True when the CUDA provider library ships with the installed onnxruntime-node. */
export function cudaProviderInstalled(libDir = ortLibDir()): boolean {
  return libDir !== null && existsSync(join(libDir, 'libonnxruntime_providers_cuda.so'));
}

/**
 * Loads `dir` on CUDA when possible, else on CPU.
 * @throws Error when the model cannot be loaded on CPU either, or CUDA was demanded and failed
 */
export async function loadEngine(dir: string, options: EngineLoadOptions = {}): Promise<LoadedEngine> {
  const want = options.executionProvider ?? 'auto';
  const maxConcurrent = options.maxConcurrent ?? 16;
  const common = {
    runtime: 'node' as const,
    maxConcurrent,
    maxBatch: options.maxBatch ?? maxConcurrent,
    maxQueued: options.maxQueued ?? 64,
  };
  const threads = options.intraOpNumThreads ?? 1;
  let reason = 'CPU requested';
  if (want !== 'cpu') {
    if (want === 'cuda' || cudaProviderInstalled()) {
      try {
        const engine = await loadEngineFromDir(dir, { ...common, node: { executionProviders: ['cuda'], intraOpNumThreads: threads } });
        return { engine, executionProvider: 'cuda', reason: 'CUDA provider loaded' };
      } catch (error) {
        if (want === 'cuda') throw error;
        reason = `CUDA unavailable: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      }
    } else {
      reason = 'CUDA provider library not installed with onnxruntime-node';
    }
  }
  const engine = await loadEngineFromDir(dir, { ...common, node: { executionProviders: ['cpu'], intraOpNumThreads: threads } });
  return { engine, executionProvider: 'cpu', reason };
}
