import { Histogram } from '@distillgate/protocol';
import { describe, expect, it } from 'vitest';
import { WorkerMetrics } from './metrics.ts';

describe('metrics', () => {
  it('histogram buckets are cumulative with +Inf, sum and count', () => {
    const h = new Histogram([0.1, 1]);
    for (const v of [0.05, 0.5, 2]) h.observe(v);
    expect(h.lines('x', 'a="b"')).toEqual([
      'x_bucket{a="b",le="0.1"} 1',
      'x_bucket{a="b",le="1"} 2',
      'x_bucket{a="b",le="+Inf"} 3',
      'x_sum{a="b"} 2.55',
      'x_count{a="b"} 3',
    ]);
  });

  it('renders vLLM names with TYPE lines and live gauges', () => {
    const m = new WorkerMetrics('teacher', () => ({ running: 2, waiting: 5 }));
    m.countTokens(10, 3);
    m.ttftSeconds.observe(0.02);
    const text = m.render();
    expect(text).toContain('# TYPE vllm:num_requests_running gauge');
    expect(text).toContain('vllm:num_requests_running{model_name="teacher"} 2');
    expect(text).toContain('vllm:num_requests_waiting{model_name="teacher"} 5');
    expect(text).toContain('vllm:prompt_tokens_total{model_name="teacher"} 10');
    expect(text).toContain('vllm:generation_tokens_total{model_name="teacher"} 3');
    expect(text).toContain('# TYPE vllm:time_to_first_token_seconds histogram');
    expect(text).toContain('vllm:time_to_first_token_seconds_count{model_name="teacher"} 1');
    expect(text).toContain('# TYPE vllm:time_per_output_token_seconds histogram');
    expect(text.endsWith('\n')).toBe(true);
  });
});
