import { parseConfig } from '@distillgate/config';
import { describe, expect, it } from 'vitest';
import { UpstreamPool } from './pool.ts';

const upstream = (name: string, health: Record<string, unknown> = {}) => ({
  name,
  baseUrl: `http://${name}.local:8000/v1`,
  models: ['m'],
  health,
});

describe('UpstreamPool', () => {
  it('orders items by member state and leaves out unavailable members', () => {
    const config = parseConfig({ upstreams: [upstream('a'), upstream('b')] });
    const pool = new UpstreamPool(config.upstreams, { random: () => 0 });
    pool.member('a').inFlight = 2;
    expect(pool.order([{ member: 'a' }, { member: 'b' }]).map((t) => t.member)).toEqual(['b', 'a']);
    pool.member('b').setHealthy(false);
    expect(pool.order([{ member: 'a' }, { member: 'b' }]).map((t) => t.member)).toEqual(['a']);
  });

  it('checks <origin><health.path> of the named members, and stops', async () => {
    const config = parseConfig({ upstreams: [upstream('a', { path: '/v1/models', timeoutMs: 7 }), upstream('b')] });
    const pool = new UpstreamPool(config.upstreams);
    const seen: Array<[string, number]> = [];
    pool.startHealthChecks(['a', 'a'], async (url, timeoutMs) => {
      seen.push([url, timeoutMs]);
      return false;
    });
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([['http://a.local:8000/v1/models', 7]]);
    expect(pool.member('a').healthy).toBe(false);
    expect(pool.member('b').healthy).toBe(true);
    pool.stopHealthChecks();
  });

  it('with health.metricsPath, adds the scraped vllm:num_requests_waiting to the member load', async () => {
    const config = parseConfig({ upstreams: [upstream('a', { metricsPath: '/metrics' }), upstream('b')] });
    const pool = new UpstreamPool(config.upstreams);
    const scraped: string[] = [];
    pool.startHealthChecks(
      ['a', 'b'],
      async () => true,
      async (url) => {
        scraped.push(url);
        return 4;
      },
    );
    await new Promise((r) => setImmediate(r));
    expect(scraped).toEqual(['http://a.local:8000/metrics']);
    expect(pool.member('a').load).toBe(4);
    expect(pool.member('b').load).toBe(0);
    pool.stopHealthChecks();
  });
});
