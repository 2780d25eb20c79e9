/**
 * Environment overrides of the config file (DESIGN.md §5): `DISTILLGATE__SECTION__KEY=<json>`.
 *
 * Path segments are `__`-separated, written in UPPER_SNAKE and mapped to camelCase keys
 * (`MAX_BODY_BYTES` → `maxBodyBytes`); all-digit segments index arrays. Values are parsed as JSON
 * and fall back to the raw string when they are not JSON (so `…__HOST=0.0.0.0` works unquoted).
 * Example: `DISTILLGATE__SERVER__PORT=9000`, `DISTILLGATE__UPSTREAMS__0__BASE_URL=http://127.0.0.1:9001/v1`.
 */

const PREFIX = 'DISTILLGATE__';

/** `MAX_BODY_BYTES` → `maxBodyBytes`; `0` stays `0`. */
export function envSegmentToKey(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** A plain JSON-like container. */
type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

/**
 * Returns a deep copy of `raw` with every `DISTILLGATE__…` variable of `env` applied, in sorted
 * variable order (so `…__0` is applied before `…__0__NAME`).
 * @throws Error when a variable names an empty path segment (e.g. `DISTILLGATE____PORT`).
 */
export function applyEnvOverrides(raw: unknown, env: Record<string, string | undefined>): unknown {
  const root: Record<string, unknown> = isContainer(raw) && !Array.isArray(raw) ? structuredClone(raw) : {};
  const names = Object.keys(env)
    .filter((name) => name.startsWith(PREFIX))
    .sort();
  for (const name of names) {
    const value = env[name];
    if (value === undefined) continue;
    const segments = name.slice(PREFIX.length).split('__');
    if (segments.some((s) => s === '')) throw new Error(`${name}: empty path segment`);
    let node: Container = root;
    segments.forEach((segment, i) => {
      const key = /^\d+$/.test(segment) ? Number(segment) : envSegmentToKey(segment);
      const container = node as Record<string | number, unknown>;
      if (i === segments.length - 1) {
        container[key] = parseValue(value);
        return;
      }
      const next = container[key];
      if (!isContainer(next)) container[key] = /^\d+$/.test(segments[i + 1] ?? '') ? [] : {};
      node = container[key] as Container;
    });
  }
  return root;
}
