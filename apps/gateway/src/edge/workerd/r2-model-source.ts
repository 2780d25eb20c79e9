/**
 * Model files from the R2 bucket bound as `MODELS`, laid out like `models/` on disk (DESIGN.md §3):
 *
 *   <name>/channels.json               {"live": "<version>", "canary": …}
 *   <name>/<version>/model.onnx        (or model.int8.onnx), tokenizer.json, manifest.json
 *
 * `scripts/publish-models-r2.ts` (`npm run models:publish:r2`) uploads the live version there.
 * Files are checked against the manifest's sha256s (WebCrypto) before ORT sees them.
 */
import { type EdgeModelFiles, parseManifest } from '@distillgate/edge-model';

/** The slice of workers-types' `R2Bucket` used here (structural, so Node type-checks it too). */
export interface R2BucketLike {
  head(key: string): Promise<{ etag: string } | null>;
  get(key: string): Promise<{ etag: string; arrayBuffer(): Promise<ArrayBuffer>; text(): Promise<string> } | null>;
}

/** Storage said no (missing object, R2 error): worth retrying later, unlike a model ORT rejects. */
export class ModelStorageError extends Error {
  override name = 'ModelStorageError';
}

export interface Channels {
  live: string;
  /** R2's etag of channels.json: a changed etag means a re-read. */
  etag: string;
}

/** What a loaded version keeps on the JS side, for the memory report. */
export interface ModelFilesRead extends EdgeModelFiles {
  modelBytes: number;
  tokenizerBytes: number;
}

const MODEL_FILE = 'model.onnx';

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class R2ModelSource {
  constructor(private readonly bucket: R2BucketLike) {}

  /** channels.json's etag, without its body; null when absent. */
  async channelsEtag(name: string): Promise<string | null> {
    return (await this.bucket.head(`${name}/channels.json`))?.etag ?? null;
  }

  /** @throws ModelStorageError when channels.json is missing or names no live version */
  async channels(name: string): Promise<Channels> {
    const key = `${name}/channels.json`;
    const object = await this.bucket.get(key);
    if (!object) throw new ModelStorageError(`R2 object ${key} not found (npm run models:publish:r2)`);
    const live = (JSON.parse(await object.text()) as { live?: unknown }).live;
    if (typeof live !== 'string' || live === '') throw new ModelStorageError(`${key}: 'live' must be a version string`);
    return { live, etag: object.etag };
  }

  /**
   * Reads one version's files.
   * @throws ModelStorageError for a missing object; Error for a bad manifest or a sha256 mismatch
   */
  async read(name: string, version: string): Promise<ModelFilesRead> {
    const [modelObject, tokenizerObject, manifestObject] = await Promise.all(
      [MODEL_FILE, 'tokenizer.json', 'manifest.json'].map(async (file) => {
        const key = `${name}/${version}/${file}`;
        const object = await this.bucket.get(key);
        if (!object) throw new ModelStorageError(`R2 object ${key} not found`);
        return new Uint8Array(await object.arrayBuffer());
      }),
    );
    const manifest = parseManifest(JSON.parse(new TextDecoder().decode(manifestObject)));
    for (const [file, bytes] of [
      [MODEL_FILE, modelObject!],
      ['tokenizer.json', tokenizerObject!],
    ] as const) {
      const want = manifest.files?.[file]?.sha256;
      if (want !== undefined && want !== (await sha256Hex(bytes)))
        throw new Error(`${name}/${version}/${file}: sha256 differs from manifest.json`);
    }
    return {
      model: modelObject!,
      tokenizer: new TextDecoder().decode(tokenizerObject),
      manifest,
      modelBytes: modelObject!.byteLength,
      tokenizerBytes: tokenizerObject!.byteLength,
    };
  }
}
