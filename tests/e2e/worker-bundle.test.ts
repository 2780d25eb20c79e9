/**
 * The Worker build stays deployable: `wrangler deploy --dry-run` bundles it offline, every uploaded
 * module (scripts and the ORT wasm, 3.7 MB gzip of it) stays under 9 MB gzip (Cloudflare refuses
 * uploads over 10 MB compressed on paid plans), and no model weights ride in the bundle
 * (DESIGN.md §4: weights come from R2, never the script).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAX_GZIP_BYTES = 9 * 1000 * 1000;
/** Base64 literals at least this long are decoded and checked for an ONNX header. */
const MIN_BASE64_CHARS = 1024;

/**
 * Whether `bytes` start like a serialized ONNX ModelProto: field 1 `ir_version` (tag 0x08, a
 * small varint, 3…12 in every released opset), then another ModelProto field (producer_name
 * 0x12, producer_version 0x1a, domain 0x22, model_version 0x28, doc_string 0x32, graph 0x3a,
 * opset_import 0x42). ONNX has no magic number; this prefix is what every exporter writes.
 */
function looksLikeOnnx(bytes: Uint8Array): boolean {
  const [tag, irVersion, next] = bytes;
  return (
    tag === 0x08 &&
    irVersion !== undefined &&
    irVersion >= 3 &&
    irVersion <= 12 &&
    next !== undefined &&
    [0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42].includes(next)
  );
}

/** `.onnx` module imports and base64 literals that decode to an ONNX header, found in script text. */
function onnxInScript(text: string): string[] {
  const imports = text.match(/\b(?:import|from|require\()\s*["'][^"'\n]*\.onnx["']/g) ?? [];
  const base64 = new RegExp(`["'\`]([A-Za-z0-9+/]{${MIN_BASE64_CHARS},}={0,2})["'\`]`, 'g');
  const inlined = [...text.matchAll(base64)]
    .filter((m) => looksLikeOnnx(Buffer.from((m[1] as string).slice(0, 8), 'base64')))
    .map((m) => `base64 literal at offset ${m.index}: ${(m[1] as string).slice(0, 16)}…`);
  return [...imports, ...inlined];
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

const outdir = mkdtempSync(join(tmpdir(), 'distillgate-worker-bundle-'));
let files: string[] = [];
let scripts: string[] = [];
/** What wrangler uploads: scripts and other modules (.wasm), not source maps or its README. */
let modules: string[] = [];

beforeAll(async () => {
  await promisify(execFile)('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' },
    timeout: 110_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  files = listFiles(outdir);
  scripts = files.filter((f) => /\.(m?js|cjs)$/.test(f));
  modules = files.filter((f) => !/\.(map|md)$/.test(f));
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('Worker bundle (wrangler deploy --dry-run)', () => {
  it('produces the entry script', () => {
    expect(scripts.map((f) => relative(outdir, f))).toContain('worker.js');
  });

  it(`is at most ${MAX_GZIP_BYTES / 1e6} MB gzip`, () => {
    const gzipBytes = modules.reduce((sum, f) => sum + gzipSync(readFileSync(f)).byteLength, 0);
    const rawBytes = modules.reduce((sum, f) => sum + statSync(f).size, 0);
    const names = modules.map((f) => relative(outdir, f)).join(', ');
    console.log(`worker modules (${names}): ${(rawBytes / 1e6).toFixed(2)} MB raw, ${(gzipBytes / 1e6).toFixed(2)} MB gzip`);
    expect(gzipBytes).toBeLessThanOrEqual(MAX_GZIP_BYTES);
  });

  it('carries the ORT wasm as a module of its own (CompiledWasm), not inlined in the script', () => {
    expect(modules.filter((f) => f.endsWith('ort-wasm-simd-threaded.wasm'))).toHaveLength(1);
  });

  it('carries no .onnx file and no module that is an ONNX model', () => {
    expect(files.filter((f) => f.toLowerCase().endsWith('.onnx'))).toEqual([]);
    const binaries = files.filter((f) => !/\.(m?js|cjs|map|md)$/.test(f));
    expect(binaries.filter((f) => looksLikeOnnx(readFileSync(f).subarray(0, 3)))).toEqual([]);
  });

  it('imports no .onnx module and inlines no ONNX model as base64', () => {
    for (const script of scripts) expect(onnxInScript(readFileSync(script, 'utf8')), relative(outdir, script)).toEqual([]);
  });
});

describe('the ONNX detectors', () => {
  it('recognises the header every exporter writes and nothing else common', () => {
    // ir_version 8, producer_name "pytorch" — the first bytes of a torch.onnx.export file
    expect(looksLikeOnnx(Uint8Array.from([0x08, 0x08, 0x12, 0x07, ...Buffer.from('pytorch')]))).toBe(true);
    expect(looksLikeOnnx(Uint8Array.from([0x08, 0x07, 0x3a, 0x90]))).toBe(true);
    expect(looksLikeOnnx(Buffer.from('\0asm'))).toBe(false); // wasm
    expect(looksLikeOnnx(Buffer.from('// worker'))).toBe(false);
    expect(looksLikeOnnx(Buffer.from('{"a":1}'))).toBe(false);
  });

  it('find an .onnx import and a base64-inlined model in script text', () => {
    const model = Buffer.concat([Buffer.from([0x08, 0x08, 0x12, 0x07]), Buffer.from('pytorch'), Buffer.alloc(2048, 7)]);
    const inlined = `var m = __toBinary("${model.toString('base64')}");`;
    expect(onnxInScript(inlined)).toHaveLength(1);
    expect(onnxInScript('import model from "./3f2a-model.onnx";\nexport default model;')).toEqual(['from "./3f2a-model.onnx"']);
    const benign = `const key = \`\${version}/model.onnx\`; var w = "${Buffer.alloc(2048, 1).toString('base64')}";`;
    expect(onnxInScript(benign)).toEqual([]);
  });
});
