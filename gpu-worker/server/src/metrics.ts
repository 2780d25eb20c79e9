/**
 * Prometheus text exposition (format 0.0.4) of the worker's metrics, under vLLM's names
 * (DESIGN.md §5 "Metrics"; https://docs.vllm.ai/en/latest/design/metrics.html) so dashboards and
 * the gateway's pool read a gpu-worker and a vLLM instance alike. No client library: two counters,
 * two histograms (packages/protocol `prometheus.ts`), and gauges read at scrape time.
 */
import { Histogram, metricFamily } from '@distillgate/protocol';

/** Seconds; vLLM's bucket bounds for time to first token. */
const TTFT_BUCKETS_S = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Seconds; vLLM's bucket bounds for time per output token. */
const TPOT_BUCKETS_S = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5];

export interface LoadGauges {
  running: number;
  waiting: number;
  /** Decoder runs since start (engine.batchStats): mean decode batch = decodeRows / decodeRuns. */
  runs?: { prefillRuns: number; decodeRuns: number; decodeRows: number };
}

export class WorkerMetrics {
  readonly ttftSeconds = new Histogram(TTFT_BUCKETS_S);
  readonly tpotSeconds = new Histogram(TPOT_BUCKETS_S);
  promptTokens = 0;
  generationTokens = 0;

  /** @param modelName the served model id, the `model_name` label vLLM puts on every series */
  constructor(
    private readonly modelName: string,
    private readonly load: () => LoadGauges,
  ) {}

  /** One finished (or cut) request's token counts. */
  countTokens(promptTokens: number, generationTokens: number): void {
    this.promptTokens += promptTokens;
    this.generationTokens += generationTokens;
  }

  render(): string {
    const labels = `model_name="${this.modelName.replace(/["\\\n]/g, '_')}"`;
    const { running, waiting, runs } = this.load();
    const block = metricFamily;
    return [
      ...block('vllm:num_requests_running', 'gauge', 'Requests decoding now.', [`vllm:num_requests_running{${labels}} ${running}`]),
      ...block('vllm:num_requests_waiting', 'gauge', 'Requests waiting for a decoding slot.', [
        `vllm:num_requests_waiting{${labels}} ${waiting}`,
      ]),
      ...block('vllm:prompt_tokens_total', 'counter', 'Prompt tokens processed.', [
        `vllm:prompt_tokens_total{${labels}} ${this.promptTokens}`,
      ]),
      ...block('vllm:generation_tokens_total', 'counter', 'Tokens generated.', [
        `vllm:generation_tokens_total{${labels}} ${this.generationTokens}`,
      ]),
      ...(runs
        ? [
            ...block('distillgate_worker_prefill_runs_total', 'counter', 'Decoder runs that prefilled one prompt.', [
              `distillgate_worker_prefill_runs_total{${labels}} ${runs.prefillRuns}`,
            ]),
            ...block('distillgate_worker_decode_runs_total', 'counter', 'Batched decoder runs that advanced decoding sequences.', [
              `distillgate_worker_decode_runs_total{${labels}} ${runs.decodeRuns}`,
            ]),
            ...block(
              'distillgate_worker_decode_sequences_total',
              'counter',
              'Sequences advanced by those runs (÷ runs = mean batch size).',
              [`distillgate_worker_decode_sequences_total{${labels}} ${runs.decodeRows}`],
            ),
          ]
        : []),
      ...block(
        'vllm:time_to_first_token_seconds',
        'histogram',
        'Time to first token, seconds.',
        this.ttftSeconds.lines('vllm:time_to_first_token_seconds', labels),
      ),
      ...block(
        'vllm:time_per_output_token_seconds',
        'histogram',
        'Time per output token after the first, seconds.',
        this.tpotSeconds.lines('vllm:time_per_output_token_seconds', labels),
      ),
      '',
    ].join('\n');
  }
}
