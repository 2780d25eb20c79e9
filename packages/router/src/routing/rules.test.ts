import { describe, expect, it } from 'vitest';
import { applyRules, type RouteFacts, type RouteRules } from './rules.ts';

const rules: RouteRules = { maxPromptTokens: 100, maxCompletionTokens: 50, keys: { key_a: 'pool', key_b: 'edge' }, headerOverride: true };
const facts: RouteFacts = { promptTokens: 10, keyId: null, headerRoute: null, edgeRefusal: null };

describe('applyRules', () => {
  it('fires nothing for a plain request', () => {
    expect(applyRules(rules, facts)).toBeNull();
    expect(applyRules(rules, { ...facts, maxTokens: 50, promptTokens: 100 })).toBeNull();
  });
  it('key override, then header override, then needs, then sizes (first match wins)', () => {
    const everything: RouteFacts = {
      promptTokens: 1000,
      maxTokens: 1000,
      keyId: 'key_b',
      headerRoute: 'pool',
      edgeRefusal: { param: 'tools', message: 'no tools' },
    };
    expect(applyRules(rules, everything)).toEqual({ route: 'edge', reason: 'key_override' });
    expect(applyRules(rules, { ...everything, keyId: 'key_x' })).toEqual({ route: 'pool', reason: 'header_override' });
    expect(applyRules({ ...rules, headerOverride: false }, { ...everything, keyId: null })).toEqual({
      route: 'pool',
      reason: 'needs:tools',
    });
    expect(applyRules(rules, { ...everything, keyId: null, headerRoute: null, edgeRefusal: null })).toEqual({
      route: 'pool',
      reason: 'max_prompt_tokens',
    });
    expect(applyRules(rules, { ...facts, maxTokens: 51 })).toEqual({ route: 'pool', reason: 'max_completion_tokens' });
  });
  it('ignores header values other than edge|pool and keys not listed', () => {
    expect(applyRules(rules, { ...facts, headerRoute: 'teacher', keyId: 'key_zzz' })).toBeNull();
  });
});
