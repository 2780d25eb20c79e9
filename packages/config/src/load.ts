/** Runtime-agnostic config parsing: raw JSON + env overrides → validated {@link Config}. */

import { applyEnvOverrides } from './env-overrides.ts';
import { type Config, configSchema } from './schema.ts';

/** A config that failed validation; `issues` holds one readable line per bad field. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: string[],
  ) {
    super(`invalid config (${source}):\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, seg) => {
    if (typeof seg === 'number') return `${acc}[${seg}]`;
    return acc ? `${acc}.${String(seg)}` : String(seg);
  }, '');
}

/**
 * Validates `raw` (the parsed config file, or `{}` when there is none) after applying the
 * `DISTILLGATE__…` overrides found in `env`.
 * @param source where `raw` came from, for error messages (a path, "bundled", …)
 * @throws ConfigError listing every bad field as `path: message`
 */
export function parseConfig(raw: unknown, env: Record<string, string | undefined> = {}, source = 'config'): Config {
  let merged: unknown;
  try {
    merged = applyEnvOverrides(raw, env);
  } catch (err) {
    throw new ConfigError(source, [(err as Error).message]);
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => `${formatPath(issue.path) || '(root)'}: ${issue.message}`),
    );
  }
  return result.data;
}

/**
 * Resolves `env:NAME` secrets in upstream credentials against `env`.
 * @throws ConfigError when a referenced variable is unset (the message names the variable, never a value)
 */
export function resolveSecrets(config: Config, env: Record<string, string | undefined>): Config {
  const missing: string[] = [];
  const upstreams = config.upstreams.map((u, i) => {
    if (!u.apiKey?.startsWith('env:')) return u;
    const name = u.apiKey.slice(4);
    const value = env[name];
    if (!value) missing.push(`upstreams[${i}].apiKey: environment variable ${name} is not set`);
    return { ...u, apiKey: value };
  });
  if (missing.length) throw new ConfigError('environment', missing);
  return { ...config, upstreams };
}
