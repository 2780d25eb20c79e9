/**
 * Reads a model directory `models/<name>/<version>/` (DESIGN.md §3) from disk, checks the files
 * against the manifest's sha256s, and loads an EdgeEngine over onnxruntime-web or -node. Node only.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OrtBinding } from '../binding.ts';
import { createWebBinding, type WebBindingOptions } from '../binding-web.ts';
import { EdgeEngine, type EdgeEngineOptions, type EdgeModelFiles } from '../engine.ts';
import { parseManifest } from '../manifest.ts';
import type { NodeBindingOptions } from './binding-node.ts';

export interface ReadModelDirOptions {
  /** Which graph to load. @default 'model.onnx' */
  modelFile?: 'model.onnx' | 'model.int8.onnx';
  /** Compare each file's sha256 with `manifest.files`. @default true */
  verify?: boolean;
}

/**
 * @throws Error when a file is missing, the manifest is malformed, or a hash differs
 */
export async function readModelDir(dir: string, options: ReadModelDirOptions = {}): Promise<EdgeModelFiles> {
  const modelFile = options.modelFile ?? 'model.onnx';
  const manifest = parseManifest(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')));
  const [model, tokenizerBytes] = await Promise.all([readFile(join(dir, modelFile)), readFile(join(dir, 'tokenizer.json'))]);
  if (options.verify ?? true) {
    for (const [file, bytes] of [
      [modelFile, model],
      ['tokenizer.json', tokenizerBytes],
    ] as const) {
      const want = manifest.files?.[file]?.sha256;
      const got = createHash('sha256').update(bytes).digest('hex');
      if (want !== undefined && want !== got) throw new Error(`${join(dir, file)}: sha256 ${got} ≠ manifest ${want}`);
    }
  }
  const bytes = new Uint8Array(model.buffer, model.byteOffset, model.byteLength);
  return { model: bytes, tokenizer: tokenizerBytes.toString('utf8'), manifest };
}

/**
 * The live version from `<modelsRoot>/<name>/channels.json` (`{"live": "<version>", …}`), or null
 * when the file does not exist.
 */
export async function liveVersion(modelsRoot: string, name: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(join(modelsRoot, name, 'channels.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const live = (JSON.parse(text) as { live?: unknown }).live;
  if (typeof live !== 'string' || live === '') throw new Error(`${name}/channels.json: 'live' must be a version string`);
  return live;
}

export interface LoadFromDirOptions extends ReadModelDirOptions, EdgeEngineOptions {
  /** Which ONNX Runtime runs the model. @default 'web' (the edge runtime, WASM, one thread) */
  runtime?: 'web' | 'node';
  web?: WebBindingOptions;
  node?: NodeBindingOptions;
}

/** The binding for `runtime`; onnxruntime-node is imported only when asked for. */
export async function bindingFor(runtime: 'web' | 'node', options: Pick<LoadFromDirOptions, 'web' | 'node'> = {}): Promise<OrtBinding> {
  if (runtime === 'web') return createWebBinding(options.web);
  const { createNodeBinding } = await import('./binding-node.ts');
  return createNodeBinding(options.node);
}

/** Reads `dir` and loads an EdgeEngine over the chosen runtime. */
export async function loadEngineFromDir(dir: string, options: LoadFromDirOptions = {}): Promise<EdgeEngine> {
  const files = await readModelDir(dir, options);
  return EdgeEngine.load(await bindingFor(options.runtime ?? 'web', options), files, options);
}
