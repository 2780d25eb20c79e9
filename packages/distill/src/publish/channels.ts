/**
 * `models/<name>/channels.json` (DESIGN.md §3): `{"live": "<version>", "canary": {"version", "share"} | null}`,
 * share ∈ (0, 1] the fraction of the model's requests the canary gets. The gateway re-reads it on a
 * change of mtime (Node) or etag (R2), so it is only ever replaced whole: temporary file in the
 * same folder, fsync, rename.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../runner/files.ts';

export interface Channels {
  live: string;
  canary: { version: string; share: number } | null;
}

/** A version folder name the gateway accepts (apps/gateway/src/edge/node/channels.ts): no path tricks. */
export const isVersionFolder = (v: unknown): v is string =>
  typeof v === 'string' && v !== '' && !v.includes('/') && !v.includes('\\') && !v.startsWith('.');

/** A canary share: 0 < share ≤ 1. */
export const isShare = (v: unknown): v is number => typeof v === 'number' && v > 0 && v <= 1;

export const channelsPath = (modelDir: string) => join(modelDir, 'channels.json');

/**
 * @returns the channels, or null when channels.json does not exist
 * @throws Error when it exists but is malformed
 */
export async function readChannels(modelDir: string): Promise<Channels | null> {
  let text: string;
  try {
    text = await readFile(channelsPath(modelDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const json = JSON.parse(text) as { live?: unknown; canary?: { version?: unknown; share?: unknown } | null };
  if (!isVersionFolder(json.live)) throw new Error(`${channelsPath(modelDir)}: 'live' must be a version folder name`);
  const c = json.canary ?? null;
  if (c !== null && !(isVersionFolder(c.version) && isShare(c.share))) {
    throw new Error(`${channelsPath(modelDir)}: 'canary' must be null or {version, share (0 < share ≤ 1)}`);
  }
  return { live: json.live, canary: c && { version: c.version as string, share: c.share as number } };
}

export async function writeChannels(modelDir: string, channels: Channels): Promise<void> {
  await writeJsonAtomic(channelsPath(modelDir), channels);
}
