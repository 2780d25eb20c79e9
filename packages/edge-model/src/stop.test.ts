import { describe, expect, it } from 'vitest';
import { StopMatcher } from './stop.ts';

/** Feeds pieces one by one; returns the released pieces and whether/where it stopped. */
function run(stops: string[], pieces: string[]) {
  const m = new StopMatcher(stops);
  const released: string[] = [];
  for (const piece of pieces) {
    const r = m.push(piece);
    released.push(r.text);
    if (r.stopped) return { released, stopped: true, matched: r.matched, text: released.join('') };
  }
  released.push(m.flush());
  return { released, stopped: false, matched: undefined, text: released.join('') };
}

describe('StopMatcher', () => {
  it('stops on a stop split across pieces; the stop is excluded', () => {
    const r = run(['\nuser:'], ['Hello', ' there\n', 'us', 'er: more']);
    expect(r).toMatchObject({ stopped: true, matched: '\nuser:', text: 'Hello there' });
  });

  it('holds back only the minimal suffix that could begin a stop', () => {
    const m = new StopMatcher(['abc', 'xyz']);
    expect(m.push('hello a').text).toBe('hello '); // 'a' could begin 'abc'
    expect(m.pending).toBe('a');
    expect(m.push('b').text).toBe(''); // 'ab' could still
    expect(m.push('d').text).toBe('abd'); // no longer
    expect(m.push('x y').text).toBe('x y');
    expect(m.push('').text).toBe('');
  });

  it('prefers the earliest match when several stops occur', () => {
    expect(run(['world', 'lo w'], ['hello world'])).toMatchObject({ stopped: true, matched: 'lo w', text: 'hel' });
  });

  it('handles a stop at the very start, and overlapping self-prefixes', () => {
    expect(run(['ab'], ['a', 'b', 'c'])).toMatchObject({ stopped: true, text: '' });
    expect(run(['aab'], ['a', 'a', 'a', 'b'])).toMatchObject({ stopped: true, text: 'a' });
  });

  it('ignores empty strings: stop [""] means no stop', () => {
    const r = run([''], ['abc', 'def']);
    expect(r).toMatchObject({ stopped: false, text: 'abcdef' });
    expect(r.released[0]).toBe('abc'); // nothing held
  });

  it('flushes held text at the end when no stop completes', () => {
    expect(run(['END'], ['the E', 'N'])).toMatchObject({ stopped: false, text: 'the EN', released: ['the ', '', 'EN'] });
  });
});
