import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from './load.ts';
import { loadConfig } from './node.ts';

const dir = mkdtempSync(join(tmpdir(), 'distillgate-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const upstream = { name: 'local', baseUrl: 'http://127.0.0.1:8000/v1', models: ['m'], apiKey: 'env:LOCAL_KEY' };

describe('loadConfig', () => {
  it('reads $DISTILLGATE_CONFIG, applies overrides and resolves secrets', () => {
    const path = file('ok.json', JSON.stringify({ upstreams: [upstream] }));
    const config = loadConfig({ DISTILLGATE_CONFIG: path, DISTILLGATE__SERVER__PORT: '9100', LOCAL_KEY: 'sk-1' });
    expect(config.server.port).toBe(9100);
    expect(config.upstreams[0]?.apiKey).toBe('sk-1');
  });

  it('an explicit path wins over $DISTILLGATE_CONFIG', () => {
    const path = file('explicit.json', JSON.stringify({ server: { port: 1234 } }));
    expect(loadConfig({ DISTILLGATE_CONFIG: join(dir, 'absent.json') }, path).server.port).toBe(1234);
  });

  it('a missing explicit file is an error naming the file', () => {
    const path = join(dir, 'absent.json');
    expect(() => loadConfig({ DISTILLGATE_CONFIG: path })).toThrow(ConfigError);
    expect(() => loadConfig({ DISTILLGATE_CONFIG: path })).toThrow(`invalid config (${path}):\n  - file not found`);
  });

  it('a file that is not JSON is one readable line', () => {
    const path = file('bad.json', '{ "server": ');
    try {
      loadConfig({}, path);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues).toHaveLength(1);
      expect((err as ConfigError).issues[0]).toMatch(/^not valid JSON: /);
    }
  });

  it('field errors carry the file path as their source', () => {
    const path = file('invalid.json', JSON.stringify({ server: { port: -1 } }));
    try {
      loadConfig({}, path);
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).source).toBe(path);
      expect((err as ConfigError).issues).toEqual([expect.stringMatching(/^server\.port: /)]);
    }
  });

  it('a missing secret variable fails the load without printing other values', () => {
    const path = file('secret.json', JSON.stringify({ upstreams: [upstream] }));
    expect(() => loadConfig({ SOMETHING: 'sk-unrelated' }, path)).toThrow('upstreams[0].apiKey: environment variable LOCAL_KEY is not set');
  });
});
