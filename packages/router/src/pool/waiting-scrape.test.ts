import { describe, expect, it } from 'vitest';
import { parseWaiting } from './waiting-scrape.ts';

describe('parseWaiting', () => {
  it('sums vllm:num_requests_waiting over its label sets and ignores other metrics', () => {
    const text = [
      '# HELP vllm:num_requests_waiting Number of requests waiting.',
      '# TYPE vllm:num_requests_waiting gauge',
      'vllm:num_requests_waiting{model_name="a"} 2',
      'vllm:num_requests_waiting{model_name="b"} 3.0',
      'vllm:num_requests_waiting_extra 40',
      'vllm:num_requests_running{model_name="a"} 7',
    ].join('\n');
    expect(parseWaiting(text)).toBe(5);
    expect(parseWaiting('vllm:num_requests_waiting 1 1700000000000')).toBe(1);
  });

  it('is undefined when the gauge is absent', () => {
    expect(parseWaiting('vllm:num_requests_running 1\n')).toBeUndefined();
  });
});
