/**
 * Node's `fs/promises` and `path` when the runtime has them (Node, or workerd with nodejs_compat's
 * `process.getBuiltinModule`), else null — so a module that reads local files where it can still
 * bundles for Workers, where files come from R2 or static assets instead.
 */
type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

export function nodeFileModules(): { fs: Fs; path: Path } | null {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (typeof getBuiltin !== 'function') return null;
  try {
    const fs = getBuiltin('node:fs/promises') as Fs | undefined;
    const path = getBuiltin('node:path') as Path | undefined;
    return fs?.readFile && path?.join ? { fs, path } : null;
  } catch {
    return null;
  }
}
