export { applyEnvOverrides, envSegmentToKey } from './env-overrides.ts';
export { ConfigError, parseConfig, resolveSecrets } from './load.ts';
export * from './schema.ts';
