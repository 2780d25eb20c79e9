/**
 * Node side (global setup): serves the edge test models over loopback HTTP in the R2 key layout
 * (DESIGN.md §3), so the workerd tests can fetch them and `env.MODELS.put` them — code inside
 * workerd cannot read files. `GET /index.json` lists the keys; `GET /<key>` returns one object.
 *
 * - `distillgate-student`: the committed student (models/distillgate-student, live version), else
 *   the smoke model that packages/edge-model/src/test-model.ts builds and caches; or the model
 *   directory in `DISTILLGATE_EDGE_TEST_MODEL_DIR` (to measure another export).
 * - `distillgate-broken`: the same tokenizer and manifest (without file hashes) but a model.onnx
 *   ORT cannot parse — the "ORT cannot start this model" case.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { testModelDir } from '../../packages/edge-model/src/test-model.ts';

export const STUDENT = 'distillgate-student';
export const BROKEN = 'distillgate-broken';

export interface ModelServer {
  baseUrl: string;
  /** The student's live version as published. */
  studentVersion: string;
  close(): Promise<void>;
}

/** key → bytes, in the layout `scripts/publish-models-r2.ts` uploads. */
async function modelObjects(): Promise<{ objects: Map<string, Buffer>; studentVersion: string }> {
  const dir = process.env.DISTILLGATE_EDGE_TEST_MODEL_DIR || (await testModelDir());
  const read = (file: string) => readFileSync(join(dir, file));
  const manifest = JSON.parse(read('manifest.json').toString('utf8')) as { version: string; files?: unknown };
  const version = manifest.version;
  const brokenManifest = { ...manifest, name: BROKEN, files: undefined };
  const objects = new Map<string, Buffer>([
    [`${STUDENT}/channels.json`, Buffer.from(JSON.stringify({ live: version, canary: null }))],
    [`${STUDENT}/${version}/model.onnx`, read('model.onnx')],
    [`${STUDENT}/${version}/tokenizer.json`, read('tokenizer.json')],
    [`${STUDENT}/${version}/manifest.json`, read('manifest.json')],
    [`${BROKEN}/channels.json`, Buffer.from(JSON.stringify({ live: 'garbage', canary: null }))],
    [`${BROKEN}/garbage/model.onnx`, Buffer.from('this is not an ONNX model '.repeat(64))],
    [`${BROKEN}/garbage/tokenizer.json`, read('tokenizer.json')],
    [`${BROKEN}/garbage/manifest.json`, Buffer.from(JSON.stringify(brokenManifest))],
  ]);
  return { objects, studentVersion: version };
}

export async function startModelServer(): Promise<ModelServer> {
  const { objects, studentVersion } = await modelObjects();
  const index = Buffer.from(JSON.stringify([...objects.keys()]));
  const server = createServer((req, res) => {
    const key = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    const body = key === 'index.json' ? index : objects.get(key);
    const type = key.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    res.writeHead(body ? 200 : 404, { 'content-type': type }).end(body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    studentVersion,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
