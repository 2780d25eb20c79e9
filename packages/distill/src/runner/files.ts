/**
 * File primitives every stage shares: atomic writes (temporary file in the same folder, fsync, then
 * rename — a reader sees the old file or the whole new one, never a torn one), sha256 of files and
 * of JSON values in a canonical form (sorted keys), so the same inputs always hash the same.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** `path` + a unique suffix in the same folder (rename is atomic only within one file system). */
export function tmpPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `data` to a temporary file and fsyncs it; returns its path (rename it into place). */
export async function writeTmp(path: string, data: Uint8Array | string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tmpPathFor(path);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (error) {
    await fh.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await fh.close();
  return tmp;
}

/** Atomic write: temporary file, fsync, rename over `path`. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await rename(await writeTmp(path, data), path);
}

/** Atomic JSON write (2-space indent, trailing newline). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** sha256 of a file's bytes, streamed. @returns lowercase hex */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
