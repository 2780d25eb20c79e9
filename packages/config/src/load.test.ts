import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, resolveSecrets } from './load.ts';

const upstream = { name: 'local', baseUrl: 'http://127.0.0.1:8000/v1', models: ['m'] };

/** The issues of the ConfigError that `fn` throws. */
function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

/** The `path` part of each `path: message` issue. */
const pathsOf = (issues: string[]) => issues.map((i) => i.slice(0, i.indexOf(': ')));

describe('parseConfig defaults', () => {
  it('fills every section from an empty file', () => {
    expect(parseConfig({})).toEqual({
      server: { port: 8787, host: '127.0.0.1', maxBodyBytes: 1_048_576, cors: { origins: [] } },
      upstreams: [],
      models: {},
      edge: {
        modelsDir: 'models',
        models: ['distillgate-student'],
        maxConcurrent: 4,
        maxQueued: 16,
        runtime: 'web',
        channelsCheckMs: 1000,
      },
      metering: { prices: {}, requireApiKey: true, database: '.data/distillgate.sqlite' },
      distill: { capturePrompts: false },
      routing: { aliases: {} },
    });
  });

  it('routed aliases: the edge first, upstreams after; routing settings only for routed aliases; learned needs a model', () => {
    const edge = { models: ['student-a'] };
    const routed = (policy: string, targets: unknown[]) => ({ upstreams: [upstream], edge, models: { auto: { policy, targets } } });
    const config = parseConfig({
      ...routed('cascade', [{ edge: 'student-a' }, { upstream: 'local' }]),
      routing: { aliases: { auto: {} } },
    });
    expect(config.routing.aliases.auto).toMatchObject({
      rules: { keys: {}, headerOverride: true },
      cascade: { probeTokens: 8, signal: 'mean_logprob' },
      shadow: { share: 0, maxTokens: 32 },
      calibration: { enabled: true, measure: 'q', target: 0.95, minRecords: 200 },
    });
    const fails = (raw: unknown) => {
      try {
        parseConfig(raw);
      } catch (err) {
        return pathsOf((err as ConfigError).issues);
      }
      throw new Error('expected a ConfigError');
    };
    expect(fails(routed('cascade', [{ upstream: 'local' }, { edge: 'student-a' }]))).toEqual(
      expect.arrayContaining(['models.auto.targets[0]', 'models.auto.targets[1]']),
    );
    expect(fails(routed('rules', [{ edge: 'student-a' }]))).toEqual(['models.auto.targets']);
    expect(fails(routed('learned', [{ edge: 'student-a' }, { upstream: 'local' }]))).toEqual(['routing.aliases.auto.learned.model']);
    expect(fails({ ...routed('failover', [{ upstream: 'local' }]), routing: { aliases: { auto: {} } } })).toEqual(['routing.aliases.auto']);
    expect(
      fails({
        ...routed('cascade', [{ edge: 'student-a' }, { upstream: 'local' }]),
        routing: { aliases: { auto: { shadow: { share: 2 } } } },
      }),
    ).toEqual(['routing.aliases.auto.shadow.share']);
  });

  it('accepts edge targets beside pool targets, in order', () => {
    const config = parseConfig({
      upstreams: [upstream],
      edge: { models: ['student-a'], maxConcurrent: 1, maxQueued: 0 },
      models: { auto: { targets: [{ edge: 'student-a' }, { upstream: 'local', model: 'm' }] } },
    });
    expect(config.models.auto?.targets).toEqual([{ edge: 'student-a' }, { upstream: 'local', model: 'm' }]);
    expect(config.edge).toMatchObject({ models: ['student-a'], maxConcurrent: 1, maxQueued: 0, runtime: 'web' });
  });

  it('fills upstream, timeout and alias defaults', () => {
    const config = parseConfig({
      upstreams: [{ ...upstream, timeouts: { idleMs: 5 } }],
      models: { auto: { targets: [{ upstream: 'local' }] } },
      server: { cors: {} },
    });
    expect(config.upstreams[0]).toEqual({
      ...upstream,
      version: 'upstream',
      contextLength: 8192,
      timeouts: { connectMs: 5_000, firstByteMs: 60_000, idleMs: 5 },
      health: { path: '/health', healthCheckMs: 5_000, timeoutMs: 2_000, failureThreshold: 3, cooldownMs: 5_000 },
    });
    expect(config.models.auto).toEqual({ policy: 'failover', targets: [{ upstream: 'local' }] });
    expect(config.server.cors.origins).toEqual([]);
  });

  it('accepts the $schema key of the checked-in file', () => {
    expect(parseConfig({ $schema: './packages/config/config.schema.json' }).server.port).toBe(8787);
  });
});

describe('parseConfig errors: one readable line per bad field', () => {
  it('lists every bad field at its path, with source in the message', () => {
    let error: ConfigError | undefined;
    try {
      parseConfig(
        {
          upstreams: [
            { ...upstream, baseUrl: 'not a url' },
            { ...upstream, baseUrl: 'ftp://10.0.0.1/v1', timeouts: { firstByteMs: -1 } },
          ],
          models: { auto: { targets: [{ upstream: 'local' }, { upstream: 'nowhere' }] } },
          server: { port: 70_000 },
        },
        {},
        'test.json',
      );
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.source).toBe('test.json');
    expect(pathsOf(error?.issues ?? []).sort()).toEqual(
      [
        'server.port',
        'upstreams[0].baseUrl',
        'upstreams[1].baseUrl',
        'upstreams[1].timeouts.firstByteMs',
        'upstreams[1].name',
        'models.auto.targets[1].upstream',
      ].sort(),
    );
    expect(error?.message).toMatch(/^invalid config \(test\.json\):\n {2}- /);
    expect(error?.message.split('\n')).toHaveLength(1 + 6);
  });

  it('an unknown top-level key is named', () => {
    const issues = issuesOf(() => parseConfig({ upstream: [] }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^\(root\): .*"upstream"/);
  });

  it('an unknown nested key is reported at its object', () => {
    const issues = issuesOf(() => parseConfig({ upstreams: [{ ...upstream, timeout: {} }] }));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^upstreams\[0\]: .*"timeout"/);
  });

  it('a bad URL, and one with a protocol other than http(s)', () => {
    expect(pathsOf(issuesOf(() => parseConfig({ upstreams: [{ ...upstream, baseUrl: 'localhost:8000' }] })))).toEqual([
      'upstreams[0].baseUrl',
    ]);
    expect(pathsOf(issuesOf(() => parseConfig({ upstreams: [{ ...upstream, baseUrl: 'file:///etc/passwd' }] })))).toEqual([
      'upstreams[0].baseUrl',
    ]);
  });

  it('a duplicate upstream name names the second one and the name', () => {
    const issues = issuesOf(() => parseConfig({ upstreams: [upstream, { ...upstream, baseUrl: 'http://10.0.0.2/v1' }] }));
    expect(issues).toEqual(['upstreams[1].name: duplicate upstream name "local"']);
  });

  it('an alias target naming an unknown upstream lists the known ones', () => {
    const issues = issuesOf(() => parseConfig({ upstreams: [upstream], models: { auto: { targets: [{ upstream: 'gpu' }] } } }));
    expect(issues).toEqual(['models.auto.targets[0].upstream: unknown upstream "gpu" (known: local)']);
  });

  it('an edge target naming a model outside edge.models lists the served ones', () => {
    const issues = issuesOf(() => parseConfig({ edge: { models: ['s'] }, models: { auto: { targets: [{ edge: 't' }] } } }));
    expect(issues).toEqual(['models.auto.targets[0].edge: unknown edge model "t" (edge.models: s)']);
  });

  it('a target that is neither pool nor edge (or both) gets one readable line', () => {
    const issues = issuesOf(() =>
      parseConfig({ upstreams: [upstream], models: { a: { targets: [{ upstream: 'local', edge: 'distillgate-student' }, { gpu: 1 }] } } }),
    );
    expect(pathsOf(issues)).toEqual(['models.a.targets[0]', 'models.a.targets[1]']);
    expect(issues[0]).toMatch(/\{"upstream": .*\} or \{"edge": /);
  });

  it('edge limits, runtime and model ids are checked; a duplicate id is named', () => {
    const issues = issuesOf(() => parseConfig({ edge: { models: ['a', 'has space'], maxConcurrent: 0, maxQueued: -1, runtime: 'gpu' } }));
    expect(pathsOf(issues).sort()).toEqual(['edge.maxConcurrent', 'edge.maxQueued', 'edge.models[1]', 'edge.runtime']);
    expect(issuesOf(() => parseConfig({ edge: { models: ['a', 'a'] } }))).toEqual(['edge.models[1]: duplicate edge model "a"']);
  });

  it('negative and fractional timeouts, a zero body limit', () => {
    const issues = issuesOf(() =>
      parseConfig({
        upstreams: [{ ...upstream, timeouts: { connectMs: -1, idleMs: 1.5 } }],
        server: { maxBodyBytes: 0 },
      }),
    );
    expect(pathsOf(issues).sort()).toEqual(['server.maxBodyBytes', 'upstreams[0].timeouts.connectMs', 'upstreams[0].timeouts.idleMs']);
  });

  it('an upstream missing its required fields, and an empty model list', () => {
    const issues = issuesOf(() => parseConfig({ upstreams: [{ name: 'a' }, { ...upstream, name: 'b', models: [] }] }));
    expect(pathsOf(issues).sort()).toEqual(['upstreams[0].baseUrl', 'upstreams[0].models', 'upstreams[1].models']);
  });

  it('an upstream name with characters outside [A-Za-z0-9._-]', () => {
    const issues = issuesOf(() => parseConfig({ upstreams: [{ ...upstream, name: 'has space' }] }));
    expect(issues).toEqual(['upstreams[0].name: letters, digits, ".", "_" and "-" only']);
  });
});

describe('resolveSecrets', () => {
  const config = parseConfig({
    upstreams: [
      { ...upstream, apiKey: 'env:LOCAL_KEY' },
      { ...upstream, name: 'literal', apiKey: 'sk-literal' },
      { ...upstream, name: 'none' },
    ],
  });

  it('replaces env:NAME with the variable and keeps literal keys', () => {
    const resolved = resolveSecrets(config, { LOCAL_KEY: 'sk-from-env' });
    expect(resolved.upstreams.map((u) => u.apiKey)).toEqual(['sk-from-env', 'sk-literal', undefined]);
    expect(config.upstreams[0]?.apiKey).toBe('env:LOCAL_KEY');
  });

  it('a missing or empty variable is named, and no secret value is ever printed', () => {
    const two = parseConfig({
      upstreams: [
        { ...upstream, apiKey: 'env:PRESENT_KEY' },
        { ...upstream, name: 'b', apiKey: 'env:MISSING_KEY' },
        { ...upstream, name: 'c', apiKey: 'env:EMPTY_KEY' },
      ],
    });
    let error: ConfigError | undefined;
    try {
      resolveSecrets(two, { PRESENT_KEY: 'sk-live-supersecret', EMPTY_KEY: '', OTHER: 'sk-other-secret' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.issues).toEqual([
      'upstreams[1].apiKey: environment variable MISSING_KEY is not set',
      'upstreams[2].apiKey: environment variable EMPTY_KEY is not set',
    ]);
    const printed = `${error?.message} ${String(error?.stack)} ${JSON.stringify(error)}`;
    expect(printed).not.toContain('sk-live-supersecret');
    expect(printed).not.toContain('sk-other-secret');
  });
});
