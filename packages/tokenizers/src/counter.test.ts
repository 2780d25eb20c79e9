import { get_encoding } from 'tiktoken';
import { afterAll, describe, expect, it } from 'vitest';
import { countChatPrompt, countCompletionPrompt, countTokens, ENCODING, loadTokenCounter, tokenCounter } from './index.ts';

/** tiktoken's own ordinary encoding, the reference every count must equal. */
const reference = get_encoding(ENCODING);
afterAll(() => reference.free());

const specialTexts = [
  '<|endoftext|>',
  'before <|endoftext|> after',
  '<|im_start|>system\nYou are a bot.<|im_end|>\n<|im_start|>user\nhi<|im_end|>',
  '<|fim_prefix|>a<|fim_middle|>b<|fim_suffix|>c<|endofprompt|>',
  '<|im_sep|><|start|><|message|><|end|>',
  '<|endoftext',
  '',
  'plain text, emoji 🤖, CJK 漢字, lone surrogate \ud800 end',
];

describe('countTokens', () => {
  it.each(specialTexts)('counts %j as ordinary text, equal to encode_ordinary and never throwing', (text) => {
    expect(() => countTokens(text)).not.toThrow();
    expect(countTokens(text)).toBe(reference.encode_ordinary(text).length);
    expect(countTokens(text)).toBe(reference.encode(text, [], []).length);
  });

  it('splits a special-token spelling into several ordinary tokens (not its one special id)', () => {
    expect(() => reference.encode('<|endoftext|>')).toThrow(/special token/);
    expect(countTokens('<|endoftext|>')).toBeGreaterThan(1);
  });

  it('is one counter per process', async () => {
    expect(await loadTokenCounter()).toBe(tokenCounter());
    expect(tokenCounter().encoding).toBe('cl100k_base');
  });
});

describe('countChatPrompt', () => {
  it('matches the OpenAI cookbook reference: 129 prompt tokens for its example on gpt-4-0613 (cl100k_base)', () => {
    // Messages and the 129 counted by the cookbook and by the OpenAI API: "How to count tokens with tiktoken".
    const messages = [
      {
        role: 'system',
        content: 'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.',
      },
      { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
      { role: 'system', name: 'example_assistant', content: 'Things working well together will increase revenue.' },
      {
        role: 'system',
        name: 'example_user',
        content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
      },
      { role: 'system', name: 'example_assistant', content: "Let's talk later when we're less busy about how to do better." },
      { role: 'user', content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
    ];
    expect(countChatPrompt(messages)).toBe(129);
  });

  it('adds 3 per message, the role, 1 + name tokens per name, and 3 for reply priming', () => {
    const t = (s: string) => reference.encode_ordinary(s).length;
    expect(countChatPrompt([])).toBe(3);
    expect(countChatPrompt([{ role: 'user', content: 'Hello there' }])).toBe(3 + 3 + t('user') + t('Hello there'));
    expect(countChatPrompt([{ role: 'user', name: 'bob', content: 'Hi' }])).toBe(3 + 3 + t('user') + t('Hi') + t('bob') + 1);
  });

  it('counts text and refusal parts, tool calls and tool results; skips images; special text is ordinary', () => {
    const t = (s: string) => reference.encode_ordinary(s).length;
    const messages = [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look <|endoftext|>' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'result' },
    ];
    const expected =
      3 +
      (3 + t('user') + t('look <|endoftext|>')) +
      (3 + t('assistant') + t('f') + t('{"a":1}')) +
      (3 + t('tool') + t('c1') + t('result'));
    expect(countChatPrompt(messages)).toBe(expected);
  });
});

describe('countCompletionPrompt', () => {
  it('counts strings, batches of strings and token-id arrays', () => {
    expect(countCompletionPrompt('Hello <|endoftext|>')).toBe(reference.encode_ordinary('Hello <|endoftext|>').length);
    expect(countCompletionPrompt(['a b', 'c'])).toBe(countTokens('a b') + countTokens('c'));
    expect(countCompletionPrompt([1, 2, 3])).toBe(3);
    expect(countCompletionPrompt([[1, 2], [3]])).toBe(3);
  });
});
