/** @distillgate/gpu-worker: the teacher server (OpenAI-compatible, vLLM-style scoring and metrics). */
export { createWorkerApp, type WorkerState } from './app.ts';
export { type EngineLoadOptions, type ExecutionProvider, type LoadedEngine, loadEngine } from './execution-provider.ts';
export { WorkerMetrics } from './metrics.ts';
export { type ModelSource, type RunningWorker, resolveModelDir, startWorker, type WorkerOptions } from './server.ts';
