import { describe, expect, it } from 'vitest';
import { effectiveMaxTokens, estimateWorstCase, selectUsage } from './estimate.ts';

describe('estimateWorstCase', () => {
  it('is prompt + max_tokens × n', () => {
    expect(estimateWorstCase({ promptTokens: 10, maxTokens: 100, n: 3 })).toBe(310);
    expect(estimateWorstCase({ promptTokens: 10, maxTokens: 100 })).toBe(110);
    expect(estimateWorstCase({ promptTokens: 0, maxTokens: 0 })).toBe(0);
  });

  it('rejects negative, fractional and n < 1', () => {
    expect(() => estimateWorstCase({ promptTokens: -1, maxTokens: 1 })).toThrow(RangeError);
    expect(() => estimateWorstCase({ promptTokens: 1, maxTokens: 1.5 })).toThrow(RangeError);
    expect(() => estimateWorstCase({ promptTokens: 1, maxTokens: 1, n: 0 })).toThrow(RangeError);
  });
});

describe('effectiveMaxTokens', () => {
  it('uses max_tokens when given (0 included), else the rest of the context', () => {
    expect(effectiveMaxTokens({ maxTokens: 16, contextLength: 256, promptTokens: 10 })).toBe(16);
    expect(effectiveMaxTokens({ maxTokens: 0, contextLength: 256, promptTokens: 10 })).toBe(0);
    expect(effectiveMaxTokens({ maxTokens: undefined, contextLength: 256, promptTokens: 10 })).toBe(246);
    expect(effectiveMaxTokens({ maxTokens: undefined, contextLength: 256, promptTokens: 300 })).toBe(0);
  });
});

describe('selectUsage', () => {
  const estimate = { promptTokens: 7, completionTokens: 9 };

  it('keeps an explicit upstream 0: it is a count, not missing', () => {
    expect(selectUsage({ prompt_tokens: 0, completion_tokens: 0 }, estimate)).toEqual({
      promptTokens: 0,
      completionTokens: 0,
      usageSource: 'upstream',
    });
    expect(selectUsage({ prompt_tokens: 5, completion_tokens: 0, total_tokens: 5 }, estimate)).toEqual({
      promptTokens: 5,
      completionTokens: 0,
      usageSource: 'upstream',
    });
  });

  it('falls back to the estimate when usage is absent or malformed', () => {
    for (const upstream of [
      undefined,
      null,
      {},
      { prompt_tokens: 3 },
      { prompt_tokens: '3', completion_tokens: 1 },
      { prompt_tokens: -1, completion_tokens: 1 },
    ]) {
      expect(selectUsage(upstream, estimate)).toEqual({ ...estimate, usageSource: 'estimated' });
    }
  });
});
