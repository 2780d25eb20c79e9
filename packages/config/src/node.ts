/** Node-only loading: reads `DISTILLGATE_CONFIG` (or the given path) from disk. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, parseConfig, resolveSecrets } from './load.ts';
import type { Config } from './schema.ts';

/** Default config file name, looked up in the working directory. */
export const DEFAULT_CONFIG_FILE = 'distillgate.config.json';

/**
 * Loads, overrides and validates the config.
 * Path: `path` argument, else `$DISTILLGATE_CONFIG`, else `./distillgate.config.json` if present,
 * else defaults only.
 * @throws ConfigError on unreadable JSON, a missing explicit file, or invalid fields
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, path?: string): Config {
  const explicit = path ?? env.DISTILLGATE_CONFIG;
  const file = resolve(explicit ?? DEFAULT_CONFIG_FILE);
  let raw: unknown = {};
  if (existsSync(file)) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(file, [`not valid JSON: ${(err as Error).message}`]);
    }
  } else if (explicit) {
    throw new ConfigError(file, ['file not found']);
  }
  return resolveSecrets(parseConfig(raw, env, explicit ? file : existsSync(file) ? file : 'defaults'), env);
}
