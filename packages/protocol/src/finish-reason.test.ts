import { describe, expect, it } from 'vitest';
import { normalizeFinishReason } from './finish-reason.ts';

describe('normalizeFinishReason', () => {
  it.each(['stop', 'length', 'tool_calls', 'content_filter', 'function_call'])('passes OpenAI value %s', (raw) => {
    expect(normalizeFinishReason(raw)).toEqual({ value: raw });
  });

  it.each([
    ['eos_token', 'stop'],
    ['eos', 'stop'],
    ['stop_sequence', 'stop'],
    ['end_turn', 'stop'],
    ['stop_token', 'stop'],
    ['max_tokens', 'length'],
    ['max_length', 'length'],
    ['max_new_tokens', 'length'],
    ['tool_use', 'tool_calls'],
  ])('maps %s → %s', (raw, value) => {
    expect(normalizeFinishReason(raw)).toEqual({ value });
  });

  it('null and undefined mean "not finished"', () => {
    expect(normalizeFinishReason(null)).toEqual({ value: null });
    expect(normalizeFinishReason(undefined)).toEqual({ value: null });
  });

  it('maps anything else to stop and reports it', () => {
    expect(normalizeFinishReason('abort')).toEqual({ value: 'stop', unknown: 'abort' });
    expect(normalizeFinishReason('')).toEqual({ value: 'stop', unknown: '' });
    expect(normalizeFinishReason('toString')).toEqual({ value: 'stop', unknown: 'toString' });
    expect(normalizeFinishReason(3)).toEqual({ value: 'stop', unknown: '3' });
  });
});
