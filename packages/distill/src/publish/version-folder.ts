/**
 * Version folders under `models/<name>/`: checking an exported student against its manifest,
 * installing it atomically (copy into a hidden temporary folder beside the target, check again,
 * rename), and pruning every folder that channels.json no longer names (git keeps only live and
 * canary, DESIGN.md §3).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File, writeJsonAtomic } from '../runner/files.ts';
import type { Channels } from './channels.ts';

/** What a published version folder holds; the first three are required. */
export const REQUIRED_FILES = ['model.onnx', 'tokenizer.json', 'manifest.json'] as const;
export const OPTIONAL_FILES = ['model.int8.onnx', 'tokenizer_config.json'] as const;

export interface StudentManifest {
  name: string;
  version: string;
  files: Record<string, { sha256: string; bytes: number }>;
  tokenizer_sha256?: string;
  metrics?: Record<string, unknown>;
  [key: string]: unknown;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The files to copy from `dir`: the required ones and whichever optional ones exist. */
export async function filesToCopy(dir: string): Promise<string[]> {
  const optional = await Promise.all(OPTIONAL_FILES.map(async (f) => ((await exists(join(dir, f))) ? f : null)));
  return [...REQUIRED_FILES, ...optional.filter((f): f is (typeof OPTIONAL_FILES)[number] => f !== null)];
}

/**
 * Every file but manifest.json must be listed in `manifest.files` with its sha256 and byte size,
 * and tokenizer.json must hash to `tokenizer_sha256`.
 * @throws Error naming the first file missing, unlisted or different
 */
export async function verifyFiles(dir: string, files: readonly string[], manifest: StudentManifest): Promise<void> {
  for (const file of files) {
    if (file === 'manifest.json') continue;
    const want = manifest.files?.[file];
    if (!want) throw new Error(`${join(dir, file)}: not listed in manifest.json 'files' (cannot be verified)`);
    const [got, size] = await Promise.all([sha256File(join(dir, file)), stat(join(dir, file)).then((s) => s.size)]);
    if (got !== want.sha256) throw new Error(`${join(dir, file)}: sha256 ${got} ≠ manifest ${want.sha256}`);
    if (size !== want.bytes) throw new Error(`${join(dir, file)}: ${size} bytes ≠ manifest ${want.bytes}`);
  }
  const tok = manifest.files['tokenizer.json']?.sha256;
  if (manifest.tokenizer_sha256 !== undefined && manifest.tokenizer_sha256 !== tok) {
    throw new Error(`${dir}: tokenizer_sha256 ${manifest.tokenizer_sha256} ≠ files['tokenizer.json'] ${tok}`);
  }
}

export async function readManifest(dir: string): Promise<StudentManifest> {
  const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as StudentManifest;
  if (typeof m.name !== 'string' || typeof m.version !== 'string' || typeof m.files !== 'object' || m.files === null) {
    throw new Error(`${dir}/manifest.json: needs name, version and files`);
  }
  return m;
}

/**
 * Copies `files` from `sourceDir` into `<modelDir>/.<version>.<hex>.tmp/`, writes `manifest` there,
 * verifies the copies, then renames the folder to `<modelDir>/<version>` (atomic on one file
 * system: the gateway sees no folder or the whole one).
 * @throws Error when `<modelDir>/<version>` exists or a copy does not verify (the temporary folder is removed)
 */
export async function installVersion(
  sourceDir: string,
  files: readonly string[],
  manifest: StudentManifest,
  modelDir: string,
  version: string,
): Promise<string> {
  const target = join(modelDir, version);
  if (await exists(target)) throw new Error(`${target} already exists: versions are immutable, publish a new version`);
  const tmp = join(modelDir, `.${version}.${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(tmp, { recursive: true });
  try {
    for (const file of files) if (file !== 'manifest.json') await copyFile(join(sourceDir, file), join(tmp, file));
    await writeJsonAtomic(join(tmp, 'manifest.json'), manifest);
    await verifyFiles(tmp, files, manifest);
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return target;
}

/**
 * Removes every folder of `modelDir` that `channels` does not name (old versions, leftovers of an
 * interrupted publish) and stray temporary files. Run after channels.json names what to keep.
 * @returns the names removed
 */
export async function pruneVersions(modelDir: string, channels: Channels): Promise<string[]> {
  const keep = new Set([channels.live, ...(channels.canary ? [channels.canary.version] : [])]);
  const removed: string[] = [];
  for (const entry of await readdir(modelDir, { withFileTypes: true })) {
    const stray = entry.isDirectory() ? !keep.has(entry.name) : entry.name.startsWith('.') && entry.name.endsWith('.tmp');
    if (!stray) continue;
    await rm(join(modelDir, entry.name), { recursive: true, force: true });
    removed.push(entry.name);
  }
  return removed.sort();
}
