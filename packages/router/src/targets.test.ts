import { parseConfig } from '@distillgate/config';
import { describe, expect, it } from 'vitest';
import { UpstreamRegistry } from './targets.ts';

const config = parseConfig({
  upstreams: [
    { name: 'gpu', baseUrl: 'http://127.0.0.1:9/v1', models: ['teacher', 'distillgate-student'], version: 'v7' },
    { name: 'vllm', baseUrl: 'http://127.0.0.1:10/v1', models: ['teacher'] },
  ],
  edge: { models: ['distillgate-student'] },
  models: {
    auto: { targets: [{ edge: 'distillgate-student' }, { upstream: 'gpu' }, { upstream: 'vllm', model: 'teacher' }] },
  },
});
const registry = new UpstreamRegistry(config, () => fetch);

describe('UpstreamRegistry.resolve', () => {
  it('an alias keeps its target order and kinds', () => {
    const targets = registry.resolve('auto') ?? [];
    expect(targets.map((t) => [t.kind, t.member, t.model])).toEqual([
      ['edge', 'edge:distillgate-student', 'distillgate-student'],
      ['pool', 'gpu', 'teacher'],
      ['pool', 'vllm', 'teacher'],
    ]);
    expect(targets[1]).toMatchObject({ kind: 'pool', version: 'v7' });
  });

  it('an edge model id goes to the edge only, even when an upstream lists the same id', () => {
    expect(registry.resolve('distillgate-student')).toEqual([
      { kind: 'edge', member: 'edge:distillgate-student', model: 'distillgate-student' },
    ]);
  });

  it('an upstream model id goes to every upstream listing it, balanced; an unknown id to nothing', () => {
    expect(
      registry
        .resolve('teacher')
        ?.map((t) => t.member)
        .sort(),
    ).toEqual(['gpu', 'vllm']);
    registry.pool.member('gpu').inFlight = 5;
    expect(registry.resolve('teacher')?.map((t) => t.member)).toEqual(['vllm', 'gpu']);
    registry.pool.member('gpu').inFlight = 0;
    expect(registry.resolve('nope')).toBeUndefined();
  });
});

describe('UpstreamRegistry.list', () => {
  it('aliases, then edge models (marked), then upstream models, each id once', () => {
    expect(registry.list()).toEqual([
      { id: 'auto', ownedBy: 'distillgate' },
      { id: 'distillgate-student', ownedBy: 'distillgate', edge: true },
      { id: 'teacher', ownedBy: 'gpu' },
    ]);
  });
});

describe('UpstreamRegistry with a pool alias', () => {
  const poolConfig = parseConfig({
    upstreams: [
      { name: 'a', baseUrl: 'http://127.0.0.1:9/v1', models: ['teacher'] },
      { name: 'b', baseUrl: 'http://127.0.0.1:10/v1', models: ['teacher'] },
      { name: 'c', baseUrl: 'http://127.0.0.1:11/v1', models: ['teacher'] },
    ],
    edge: { models: [] },
    models: { balanced: { policy: 'pool', targets: [{ upstream: 'a' }, { upstream: 'b' }] } },
  });
  const pool = new UpstreamRegistry(poolConfig, () => fetch);

  it('resolves to the available members, less loaded first, each target carrying its member state', () => {
    pool.pool.member('a').inFlight = 3;
    const targets = pool.resolve('balanced') ?? [];
    expect(targets.map((t) => t.member)).toEqual(['b', 'a']);
    expect(targets[0]).toMatchObject({ kind: 'pool', state: pool.pool.member('b') });
    pool.pool.member('b').setHealthy(false);
    expect(pool.resolve('balanced')?.map((t) => t.member)).toEqual(['a']);
    pool.pool.member('a').setHealthy(false);
    expect(pool.resolve('balanced')).toEqual([]);
  });

  it('health-checks every upstream', () => {
    expect(pool.poolMembers()).toEqual(['a', 'b', 'c']);
  });

  it('a model id and a failover alias skip members that are down or inside a Retry-After window, and say how long to wait', () => {
    const fresh = new UpstreamRegistry(
      parseConfig({
        upstreams: [
          { name: 'a', baseUrl: 'http://127.0.0.1:9/v1', models: ['teacher'] },
          { name: 'b', baseUrl: 'http://127.0.0.1:10/v1', models: ['teacher'] },
        ],
        edge: { models: ['s'] },
        models: { ordered: { policy: 'failover', targets: [{ edge: 's' }, { upstream: 'a' }, { upstream: 'b' }] } },
      }),
      () => fetch,
    );
    fresh.pool.member('a').setHealthy(false);
    expect(fresh.resolve('teacher')?.map((t) => t.member)).toEqual(['b']);
    expect(fresh.resolve('ordered')?.map((t) => t.member)).toEqual(['edge:s', 'b']);
    fresh.pool.member('b').recordFailure({ kind: 'http', status: 429, retryable: true, retryAfterMs: 7000, message: 'busy' });
    expect(fresh.resolve('teacher')).toEqual([]);
    expect(fresh.resolve('ordered')?.map((t) => t.member)).toEqual(['edge:s']);
    const wait = fresh.retryAfterMs('teacher') ?? 0;
    expect(wait).toBeGreaterThan(6000);
    expect(wait).toBeLessThanOrEqual(7000);
  });

  it('rejects an edge target in a pool alias', () => {
    expect(() => parseConfig({ edge: { models: ['s'] }, models: { p: { policy: 'pool', targets: [{ edge: 's' }] } } })).toThrow(
      /balances upstreams only/,
    );
  });
});
