import { describe, expect, it } from 'vitest';
import { parseStatsQuery } from './admin-stats.ts';
import { GatewayError } from './errors.ts';

function paramOf(query: Record<string, string>): string | null {
  try {
    parseStatsQuery(query);
  } catch (err) {
    if (err instanceof GatewayError) return err.param ?? null;
    throw err;
  }
  throw new Error('parsed');
}

describe('parseStatsQuery', () => {
  it('reads bucket (default day), filters and teacher', () => {
    expect(parseStatsQuery({})).toEqual({ bucket: 'day' });
    expect(parseStatsQuery({ bucket: 'hour', since: '1000', until: '2026-07-01T00:00:00Z', key_id: 'key_x', teacher: 't' })).toEqual({
      bucket: 'hour',
      since: 1000,
      until: Date.UTC(2026, 6, 1),
      key_id: 'key_x',
      teacher: 't',
    });
  });

  it('refuses what it does not read, with the parameter named', () => {
    expect(paramOf({ bucket: 'week' })).toBe('bucket');
    expect(paramOf({ group_by: 'day' })).toBe('group_by');
    expect(paramOf({ limit: '5' })).toBe('limit');
    expect(paramOf({ bogus: '1' })).toBe('bogus');
    expect(paramOf({ since: 'yesterday' })).toBe('since');
    expect(paramOf({ since: '2000', until: '1000' })).toBe('until');
    expect(paramOf({ teacher: '' })).toBe('teacher');
  });
});
