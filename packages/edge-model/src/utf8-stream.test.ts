import { describe, expect, it } from 'vitest';
import { tokenString, Utf8Stream } from './utf8-stream.ts';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('Utf8Stream', () => {
  it('holds the bytes of a split character until it completes', () => {
    const s = new Utf8Stream();
    expect(s.push(bytes(0x61, 0xe2))).toBe('a'); // 'a' + first byte of '€'
    expect(s.push(bytes(0x82))).toBe('');
    expect(s.push(bytes(0xac, 0x20))).toBe('€ ');
    expect(s.push(bytes(0xf0, 0x9f))).toBe(''); // half of U+1F600
    expect(s.push(bytes(0x98, 0x80))).toBe('😀');
    expect(s.flush()).toBe('');
  });

  it('emits U+FFFD only for invalid bytes or an unfinished character at the end', () => {
    const s = new Utf8Stream();
    expect(s.push(bytes(0x61, 0xff, 0x62))).toBe('a\uFFFDb'); // 0xFF is never valid UTF-8
    expect(s.push(bytes(0xe6, 0x97))).toBe('');
    expect(s.flush()).toBe('\uFFFD');
  });

  it("formats OpenAI's token string: text, or bytes:\\xNN for a partial character", () => {
    expect(tokenString(bytes(0x20, 0x68, 0x69))).toBe(' hi');
    expect(tokenString(bytes(0xe2, 0x82))).toBe('bytes:\\xe2\\x82');
  });
});
