/**
 * The teacher's serving throughput, measured once per run the way the gpu-worker serves: one engine
 * with step-level batching (maxBatch = maxConcurrent = 16), `concurrency` greedy generations of
 * `maxTokens` tokens in flight at once over a sample of the prompts, new ones admitted as others
 * finish. Throughput = completion tokens (end-of-text included, as billed) / wall seconds, prefills
 * included in the wall time. On this machine the teacher runs on onnxruntime-node **CPU**, one
 * intra-op thread: the figure is a CPU figure, not a GPU one (the report says so).
 */
import type { EdgeEngine } from '@distillgate/edge-model';

export interface ThroughputResult {
  /** Completion tokens per wall second over the whole measurement. */
  tokensPerS: number;
  completionTokens: number;
  requests: number;
  wallMs: number;
  /** Process CPU time (user + system) over the measurement, ms. */
  cpuMs: number;
  concurrency: number;
  maxTokens: number;
  /** onnxruntime-node execution provider used. */
  executionProvider: 'cpu';
}

/**
 * @param prompts texts to generate from (each used once, in order)
 * @throws RangeError for no prompts or concurrency < 1
 */
export async function measureTeacherThroughput(
  engine: EdgeEngine,
  prompts: readonly string[],
  options: { maxTokens: number; concurrency: number },
): Promise<ThroughputResult> {
  if (prompts.length === 0) throw new RangeError('throughput needs at least one prompt');
  if (!(options.concurrency >= 1)) throw new RangeError(`concurrency must be ≥ 1, got ${options.concurrency}`);
  let next = 0;
  let completionTokens = 0;
  const one = async (prompt: string) => {
    for await (const event of engine.generate({ prompt, max_tokens: options.maxTokens, temperature: 0 })) {
      if (event.type === 'done') completionTokens += event.usage.completion_tokens;
    }
  };
  const lane = async () => {
    while (next < prompts.length) await one(prompts[next++]!);
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(options.concurrency, prompts.length) }, lane));
  const wallMs = performance.now() - started;
  const c = process.cpuUsage(cpu);
  return {
    tokensPerS: completionTokens / (wallMs / 1000),
    completionTokens,
    requests: prompts.length,
    wallMs,
    cpuMs: (c.user + c.system) / 1000,
    concurrency: options.concurrency,
    maxTokens: options.maxTokens,
    executionProvider: 'cpu',
  };
}
