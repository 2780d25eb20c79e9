import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertSupportedTemplate, CHAT_TEMPLATE, renderChatPrompt } from './chat-template.ts';
import { InvalidGenerationRequestError } from './errors.ts';
import { REPO_ROOT } from './test-model.ts';

describe('chat template', () => {
  it('is the template manifest.py writes (byte-equal to its CHAT_TEMPLATE literal)', () => {
    const source = readFileSync(join(REPO_ROOT, 'gpu-worker/trainer/manifest.py'), 'utf8');
    const literal = /CHAT_TEMPLATE = \(\n\s*("[^\n]*")\n\s*("[^\n]*")\n\)/.exec(source);
    expect(literal, 'CHAT_TEMPLATE literal in manifest.py').not.toBeNull();
    // Python string literals here use only \n escapes and single quotes inside double quotes: JSON-compatible.
    const pythonValue = JSON.parse(literal![1]!) + JSON.parse(literal![2]!);
    expect(CHAT_TEMPLATE).toBe(pythonValue);
    expect(() => assertSupportedTemplate(pythonValue)).not.toThrow();
    expect(() => assertSupportedTemplate(null)).not.toThrow();
    expect(() => assertSupportedTemplate('{{ messages }}')).toThrow(/chat_template/);
  });

  it('renders role: content lines and the generation prompt', () => {
    const prompt = renderChatPrompt([
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Hi' },
          { type: 'text', text: 'there' },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [] },
    ]);
    expect(prompt).toBe('system: Be brief.\nuser: Hi\nthere\nassistant: \nassistant:');
    expect(renderChatPrompt([{ role: 'user', content: 'x' }], false)).toBe('user: x\n');
  });

  it('refuses non-text content parts with the offending param', () => {
    const bad = () => renderChatPrompt([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }]);
    expect(bad).toThrow(InvalidGenerationRequestError);
    try {
      bad();
    } catch (error) {
      expect((error as InvalidGenerationRequestError).param).toBe('messages[0].content[0].type');
    }
  });
});
