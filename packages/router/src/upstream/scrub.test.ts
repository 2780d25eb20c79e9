import { describe, expect, it } from 'vitest';
import { scrubSecrets } from './openai-compatible.ts';

describe('scrubSecrets', () => {
  it('removes bearer tokens, key shapes (masked ones too) and the configured secret; keeps ordinary words', () => {
    expect(scrubSecrets('Incorrect API key provided: Bearer upstream-cred-ZZZ999')).toBe('Incorrect API key provided: Bearer [redacted]');
    expect(scrubSecrets('Incorrect API key provided: sk-proj-abc***wxyz.')).toBe('Incorrect API key provided: [redacted]');
    expect(scrubSecrets('key dg-AbCdEfGhIj was revoked')).toBe('key [redacted] was revoked');
    expect(scrubSecrets('token hunter2-secret-value rejected', 'hunter2-secret-value')).toBe('token [redacted] rejected');
    expect(scrubSecrets('the desk-organizer model is busy; ask-me later')).toBe('the desk-organizer model is busy; ask-me later');
  });
});
