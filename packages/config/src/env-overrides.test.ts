import { describe, expect, it } from 'vitest';
import { applyEnvOverrides, envSegmentToKey } from './env-overrides.ts';
import { parseConfig } from './load.ts';

const upstream = { name: 'local', baseUrl: 'http://127.0.0.1:8000/v1', models: ['m'] };

describe('envSegmentToKey', () => {
  it('maps UPPER_SNAKE to camelCase and keeps digits', () => {
    expect(envSegmentToKey('MAX_BODY_BYTES')).toBe('maxBodyBytes');
    expect(envSegmentToKey('BASE_URL')).toBe('baseUrl');
    expect(envSegmentToKey('PORT')).toBe('port');
    expect(envSegmentToKey('0')).toBe('0');
    expect(envSegmentToKey('FIRST_BYTE_MS')).toBe('firstByteMs');
  });
});

describe('applyEnvOverrides', () => {
  it('reads values as JSON: a number, an array', () => {
    const out = applyEnvOverrides({}, { DISTILLGATE__SERVER__PORT: '9000', DISTILLGATE__SERVER__CORS__ORIGINS: '["a"]' }) as {
      server: { port: unknown; cors: { origins: unknown } };
    };
    expect(out.server.port).toBe(9000);
    expect(out.server.cors.origins).toEqual(['a']);
  });

  it('keeps a value that is not JSON as the raw string', () => {
    const out = applyEnvOverrides({}, { DISTILLGATE__SERVER__HOST: '0.0.0.0', DISTILLGATE__UPSTREAMS__0__BASE_URL: 'http://x:1/v1' });
    expect(out).toEqual({ server: { host: '0.0.0.0' }, upstreams: [{ baseUrl: 'http://x:1/v1' }] });
  });

  it('a quoted JSON string stays a string even when it looks like a number', () => {
    const out = applyEnvOverrides({}, { DISTILLGATE__SERVER__HOST: '"123"' }) as { server: { host: unknown } };
    expect(out.server.host).toBe('123');
  });

  it('indexes arrays with digit segments and keeps the other fields of that element', () => {
    const raw = { upstreams: [upstream, { ...upstream, name: 'second' }] };
    const out = applyEnvOverrides(raw, { DISTILLGATE__UPSTREAMS__1__BASE_URL: 'http://10.0.0.2:8000/v1' }) as typeof raw;
    expect(out.upstreams[0]).toEqual(upstream);
    expect(out.upstreams[1]).toEqual({ ...upstream, name: 'second', baseUrl: 'http://10.0.0.2:8000/v1' });
  });

  it('applies a whole element before its fields (sorted order)', () => {
    const out = applyEnvOverrides(
      {},
      {
        DISTILLGATE__UPSTREAMS__0__NAME: '"renamed"',
        DISTILLGATE__UPSTREAMS__0: JSON.stringify(upstream),
      },
    );
    expect(out).toEqual({ upstreams: [{ ...upstream, name: 'renamed' }] });
  });

  it('never mutates the input and ignores variables without the double-underscore prefix', () => {
    const raw = { server: { port: 1 } };
    const out = applyEnvOverrides(raw, {
      DISTILLGATE__SERVER__PORT: '2',
      DISTILLGATE_CONFIG: '/etc/x.json',
      DISTILLGATE_LOG_LEVEL: 'debug',
      PATH: '/usr/bin',
      DISTILLGATE__SERVER__HOST: undefined,
    });
    expect(raw).toEqual({ server: { port: 1 } });
    expect(out).toEqual({ server: { port: 2 } });
  });

  it('replaces a scalar in the way of a deeper path', () => {
    const out = applyEnvOverrides({ server: 'oops' }, { DISTILLGATE__SERVER__PORT: '9000' });
    expect(out).toEqual({ server: { port: 9000 } });
  });

  it('rejects an empty path segment', () => {
    expect(() => applyEnvOverrides({}, { DISTILLGATE____PORT: '1' })).toThrow('DISTILLGATE____PORT: empty path segment');
  });
});

describe('parseConfig with env overrides', () => {
  it('overrides the file: port, CORS origins, an upstream URL', () => {
    const config = parseConfig(
      { upstreams: [upstream] },
      {
        DISTILLGATE__SERVER__PORT: '9000',
        DISTILLGATE__SERVER__CORS__ORIGINS: '["a"]',
        DISTILLGATE__UPSTREAMS__0__BASE_URL: 'http://127.0.0.1:9001/v1',
      },
    );
    expect(config.server.port).toBe(9000);
    expect(config.server.cors.origins).toEqual(['a']);
    expect(config.upstreams[0]?.baseUrl).toBe('http://127.0.0.1:9001/v1');
    expect(config.upstreams[0]?.name).toBe('local');
  });

  it('a raw string where a number belongs is reported at its path', () => {
    expect(() => parseConfig({}, { DISTILLGATE__SERVER__PORT: 'eighty' })).toThrow(/server\.port: /);
  });

  it('reports an empty path segment as a ConfigError', () => {
    try {
      parseConfig({}, { DISTILLGATE____PORT: '1' });
      expect.unreachable();
    } catch (err) {
      expect((err as { issues: string[] }).issues).toEqual(['DISTILLGATE____PORT: empty path segment']);
    }
  });
});
