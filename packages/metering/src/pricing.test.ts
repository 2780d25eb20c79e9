import { describe, expect, it } from 'vitest';
import { costMicroUsd, MAX_PLAUSIBLE_TOKENS, readUsage } from './pricing.ts';

describe('costMicroUsd', () => {
  const price = { inputUsdPerMTok: 0.1, outputUsdPerMTok: 0.4 };
  it('rounds up, so a priced request never costs 0; exact products stay exact', () => {
    expect(costMicroUsd({ prompt_tokens: 1, completion_tokens: 0 }, price)).toBe(1); // 0.1 µUSD
    expect(costMicroUsd({ prompt_tokens: 3, completion_tokens: 0 }, price)).toBe(1); // 0.30000000000000004
    expect(costMicroUsd({ prompt_tokens: 10, completion_tokens: 5 }, price)).toBe(3); // 1 + 2
    expect(costMicroUsd({ prompt_tokens: 0, completion_tokens: 0 }, price)).toBe(0);
    expect(costMicroUsd({ prompt_tokens: 100, completion_tokens: 100 }, undefined)).toBe(0);
  });
  it('is capped at Number.MAX_SAFE_INTEGER', () => {
    expect(costMicroUsd({ prompt_tokens: 1e15, completion_tokens: 1e15 }, { inputUsdPerMTok: 1e6, outputUsdPerMTok: 1e6 })).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });
});

describe('readUsage', () => {
  it('keeps explicit zeros; refuses negatives, fractions, missing fields and implausible counts', () => {
    expect(readUsage({ prompt_tokens: 0, completion_tokens: 0 })).toEqual({ prompt_tokens: 0, completion_tokens: 0 });
    expect(readUsage({ prompt_tokens: -1, completion_tokens: 0 })).toBeUndefined();
    expect(readUsage({ prompt_tokens: 1.5, completion_tokens: 0 })).toBeUndefined();
    expect(readUsage({ prompt_tokens: 3 })).toBeUndefined();
    expect(readUsage(null)).toBeUndefined();
    expect(readUsage({ prompt_tokens: MAX_PLAUSIBLE_TOKENS + 1, completion_tokens: 0 })).toBeUndefined();
  });
});
