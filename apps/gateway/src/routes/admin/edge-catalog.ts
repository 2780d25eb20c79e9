/**
 * What the edge model folders say, for `GET /admin/v1/models`: channels.json and each version's
 * manifest.json under `edge.modelsDir` (DESIGN.md §3). Read with `node:fs` where the runtime has a
 * real file system (Node, via `process.getBuiltinModule`, so the Workers bundle imports nothing);
 * elsewhere, or when a file is missing or malformed, the answer is simply emptier (`channels: null`,
 * no versions) — this is a report, never a reason to fail the request. Reads are bounded: at most
 * {@link MAX_VERSIONS} version folders per model, manifests under {@link MAX_MANIFEST_BYTES}.
 */
import { nodeFileModules } from '../../node-builtins.ts';

/** Version folders listed per model (newest names last). */
const MAX_VERSIONS = 50;
/** Manifests larger than this are skipped. @unit bytes */
const MAX_MANIFEST_BYTES = 1 << 20;

export interface EdgeChannels {
  live: string | null;
  /** channels.json `canary` (DESIGN.md §3): the version folder and its share of requests, or null. */
  canary: { version: string; share: number } | null;
}

export interface EdgeVersionInfo {
  version: string;
  channel: 'live' | 'canary' | null;
  created_at: string | null;
  parameter_count: number | null;
  context_length: number | null;
  /** The manifest's `metrics.<name>.value`s. */
  metrics: Record<string, number>;
}

export interface EdgeCatalogEntry {
  channels: EdgeChannels | null;
  versions: EdgeVersionInfo[];
}

async function readJson(fs: typeof import('node:fs/promises'), file: string): Promise<Record<string, unknown> | null> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile() || stat.size > MAX_MANIFEST_BYTES) return null;
    const value: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
const posInt = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : null);

function metricsOf(manifest: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  const metrics = manifest.metrics;
  if (metrics === null || typeof metrics !== 'object') return out;
  for (const [name, entry] of Object.entries(metrics)) {
    const value = typeof entry === 'number' ? entry : (entry as { value?: unknown } | null)?.value;
    if (typeof value === 'number' && Number.isFinite(value)) out[name] = value;
  }
  return out;
}

/** channels.json and the manifests of one edge model, or an empty entry where they cannot be read. */
export async function readEdgeCatalog(modelsDir: string, model: string): Promise<EdgeCatalogEntry> {
  const node = nodeFileModules();
  if (!node) return { channels: null, versions: [] };
  const { fs, path } = node;
  const dir = path.join(modelsDir, model);
  const channelsJson = await readJson(fs, path.join(dir, 'channels.json'));
  const channels = channelsJson ? { live: str(channelsJson.live), canary: canaryOf(channelsJson.canary) } : null;
  let folders: string[] = [];
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    folders = entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
      .slice(-MAX_VERSIONS);
  } catch {
    return { channels, versions: [] };
  }
  const versions: EdgeVersionInfo[] = [];
  for (const folder of folders) {
    const manifest = await readJson(fs, path.join(dir, folder, 'manifest.json'));
    if (!manifest) continue;
    versions.push({
      version: str(manifest.version) ?? folder,
      channel: channels?.live === folder ? 'live' : channels?.canary?.version === folder ? 'canary' : null,
      created_at: str(manifest.created_at),
      parameter_count: posInt(manifest.parameter_count),
      context_length: posInt(manifest.context_length),
      metrics: metricsOf(manifest),
    });
  }
  return { channels, versions };
}

/** `{version, share}` when channels.json's canary entry has that shape, else null. */
function canaryOf(value: unknown): EdgeChannels['canary'] {
  if (typeof value !== 'object' || value === null) return null;
  const { version, share } = value as { version?: unknown; share?: unknown };
  return typeof version === 'string' && typeof share === 'number' ? { version, share } : null;
}
