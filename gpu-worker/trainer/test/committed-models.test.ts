/**
 * The committed models/ folder (DESIGN.md §3): at most 60 MB in all; every model's channels.json
 * names versions that exist; only live and canary versions are kept; every file a manifest lists
 * matches its sha256 and size; the tokenizer hash is the manifest's.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODELS = fileURLToPath(new URL('../../../models', import.meta.url));
const MAX_BYTES = 60 * 1024 * 1024;

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
}

const models = readdirSync(MODELS, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

describe('committed models', () => {
  it('stay within 60 MB in all', () => {
    expect(folderBytes(MODELS)).toBeLessThanOrEqual(MAX_BYTES);
  });

  it.each(models)('%s: channels.json names existing versions, and only those are kept', (name) => {
    const channels = JSON.parse(readFileSync(join(MODELS, name, 'channels.json'), 'utf8')) as {
      live: string;
      canary: { version: string; share: number } | null;
    };
    const kept = new Set([channels.live, ...(channels.canary ? [channels.canary.version] : [])]);
    const versions = readdirSync(join(MODELS, name), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(new Set(versions)).toEqual(kept);
  });

  it.each(models)('%s: every listed file matches the manifest', (name) => {
    const channels = JSON.parse(readFileSync(join(MODELS, name, 'channels.json'), 'utf8')) as { live: string };
    const dir = join(MODELS, name, channels.live);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      name: string;
      version: string;
      files: Record<string, { sha256: string; bytes: number }>;
      tokenizer_sha256: string;
      metrics: Record<string, { value: number; command: string }>;
    };
    expect([manifest.name, manifest.version]).toEqual([name, channels.live]);
    expect(Object.keys(manifest.files)).toContain('model.onnx');
    for (const [file, { sha256, bytes }] of Object.entries(manifest.files)) {
      const data = readFileSync(join(dir, file));
      expect(data.byteLength, file).toBe(bytes);
      expect(createHash('sha256').update(data).digest('hex'), file).toBe(sha256);
    }
    const tokenizer = readFileSync(join(dir, 'tokenizer.json'));
    expect(createHash('sha256').update(tokenizer).digest('hex')).toBe(manifest.tokenizer_sha256);
    for (const key of ['test_perplexity', 'test_top1_accuracy']) {
      expect(manifest.metrics[key]?.command, key).toMatch(/evaluate\.py/);
    }
  });
});
