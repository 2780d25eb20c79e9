import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, edgeComputeMicroUsd, routeCosts, teacherComputeMicroUsd } from './costs.ts';

describe('costs', () => {
  it('prices Workers CPU-ms and requests in micro-USD', () => {
    // $0.02 per million CPU-ms = 0.02 µ$ per ms
    expect(edgeComputeMicroUsd(DEFAULT_PRICES, 50)).toBeCloseTo(1, 12);
  });

  it('prices teacher tokens at the GPU-hour and throughput', () => {
    // 3600 tokens at 1 token/s = 1 GPU-hour
    expect(teacherComputeMicroUsd({ ...DEFAULT_PRICES, gpuUsdPerHour: 2 }, 3600, 1)).toBeCloseTo(2e6, 6);
    expect(() => teacherComputeMicroUsd(DEFAULT_PRICES, 1, 0)).toThrow(RangeError);
  });

  it('an escalation pays the request fee once, the draft and the teacher', () => {
    const p = { workersUsdPerMillionRequests: 0.3, workersUsdPerMillionCpuMs: 0.02, gpuUsdPerHour: 3.6 };
    const c = routeCosts(p, { studentCpuMs: 100, draftCpuMs: 25, teacherTokens: 10, teacherTokensPerS: 1000 });
    expect(c.edgeMicroUsd).toBeCloseTo(0.3 + 2, 12);
    expect(c.teacherMicroUsd).toBeCloseTo(0.3 + 10, 9); // 0.01 s × $0.001/s = $1e-5
    expect(c.escalatedMicroUsd).toBeCloseTo(0.3 + 0.5 + 10, 9);
  });
});
