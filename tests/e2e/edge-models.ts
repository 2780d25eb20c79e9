/**
 * A temporary `edge.modelsDir` for tests: `distillgate-student/` holds two version folders (A and
 * B: copies of the same model under two version names) and a channels.json pointing at A, so tests
 * can switch the live version; broken models sit beside it. The model is the committed student
 * (`models/distillgate-student/<live>/`) when it exists, else the trainer's smoke model
 * (packages/edge-model/src/test-model.ts builds and caches it).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testModelDir, testModelSkipReason } from '../../packages/edge-model/src/test-model.ts';

export const STUDENT = 'distillgate-student';

/** Why edge e2e tests cannot run here (no model, no Python to build one), or null. */
export const edgeSkipReason = testModelSkipReason;

export interface EdgeModelsDir {
  /** The directory to put in `edge.modelsDir`. */
  dir: string;
  /** Version names of the two copies of the student. */
  versions: { a: string; b: string };
  /** The model's context length (prompt + completion), tokens. */
  contextLength: number;
  /** Rewrites `<model>/channels.json` atomically (write + rename, as a deploy would). */
  setLive(version: string, model?: string): void;
  /** Rewrites channels.json with `live` and `canary: {version, share}` (null: no canary), atomically. */
  setChannels(live: string, canary: { version: string; share: number } | null, model?: string): void;
  /**
   * Adds `<name>/v1/` as a broken copy: `sha` = model.onnx no longer matches the manifest's sha256;
   * `onnx` = model.onnx replaced by garbage whose sha256 the manifest does list (ORT must refuse it).
   */
  addBroken(name: string, kind: 'sha' | 'onnx'): void;
  remove(): void;
}

const FILES = ['model.onnx', 'model.int8.onnx', 'tokenizer.json', 'tokenizer_config.json'];

interface Manifest {
  name: string;
  version: string;
  context_length: number;
  files?: Record<string, { sha256: string; bytes: number }>;
  [key: string]: unknown;
}

function copyVersion(source: string, target: string, manifest: Manifest, name: string, version: string): void {
  mkdirSync(target, { recursive: true });
  for (const file of FILES) if (existsSync(join(source, file))) copyFileSync(join(source, file), join(target, file));
  writeFileSync(join(target, 'manifest.json'), JSON.stringify({ ...manifest, name, version }, null, 2));
}

export async function makeEdgeModelsDir(): Promise<EdgeModelsDir> {
  const source = await testModelDir();
  const manifest = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8')) as Manifest;
  const dir = mkdtempSync(join(tmpdir(), 'distillgate-models-'));
  const versions = { a: `${manifest.version}-a`, b: `${manifest.version}-b` };
  for (const version of [versions.a, versions.b]) copyVersion(source, join(dir, STUDENT, version), manifest, STUDENT, version);

  const setChannels = (live: string, canary: { version: string; share: number } | null, model = STUDENT) => {
    const file = join(dir, model, 'channels.json');
    writeFileSync(`${file}.tmp`, JSON.stringify({ live, canary }));
    renameSync(`${file}.tmp`, file);
  };
  const setLive = (version: string, model = STUDENT) => setChannels(version, null, model);
  setLive(versions.a);

  return {
    dir,
    versions,
    contextLength: manifest.context_length,
    setLive,
    setChannels,
    addBroken(name, kind) {
      const target = join(dir, name, 'v1');
      copyVersion(source, target, manifest, name, 'v1');
      const onnx = join(target, 'model.onnx');
      if (kind === 'sha') {
        writeFileSync(onnx, Buffer.concat([readFileSync(onnx), Buffer.from([0])]));
      } else {
        const garbage = Buffer.from('this is not an ONNX model '.repeat(64));
        writeFileSync(onnx, garbage);
        const sha256 = createHash('sha256').update(garbage).digest('hex');
        const files = { ...manifest.files, 'model.onnx': { sha256, bytes: garbage.length } };
        writeFileSync(join(target, 'manifest.json'), JSON.stringify({ ...manifest, name, version: 'v1', files }, null, 2));
      }
      setLive('v1', name);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
