/**
 * Edge decoding speed (`npm run bench:edge`): time to first token for a 64-token prompt and decode
 * tokens/s, onnxruntime-web (WASM SIMD, 1 thread — what the edge runs) against onnxruntime-node
 * (native, 1 intra-op thread) on the same model files, fp32 and int8 (`model.int8.onnx`, its
 * MatMulInteger graph) when the model directory has one. One process, one thread each; the
 * variants run in alternating order every round after one warm-up generation each (WASM tiers up
 * its code on first use).
 *
 *   npm run bench:edge -- [--model-dir DIR] [--prompt-tokens 64] [--decode-tokens 64] [--rounds 10] [--max-seconds 120]
 *
 * Model: `--model-dir`, else the committed `models/distillgate-student/<live>/`, else the test
 * smoke model (built once, packages/edge-model/src/test-model.ts). When the context is too short
 * for prompt + decode, both shrink to fit and the output says so. Runs in well under the bound,
 * so it does not checkpoint; `--max-seconds` cuts rounds short (and says so). Results also go to
 * bench/results/edge-<time>.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { EdgeEngine } from '@distillgate/edge-model';
import { loadEngineFromDir } from '@distillgate/edge-model/node';
import { testModelDir } from '../packages/edge-model/src/test-model.ts';

process.env.ORT_DISABLE_TELEMETRY = '1';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const { values: args } = parseArgs({
  options: {
    'model-dir': { type: 'string' },
    'prompt-tokens': { type: 'string', default: '64' },
    'decode-tokens': { type: 'string', default: '64' },
    rounds: { type: 'string', default: '10' },
    'max-seconds': { type: 'string', default: '120' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log('usage: npm run bench:edge -- [--model-dir DIR] [--prompt-tokens 64] [--decode-tokens 64] [--rounds 10] [--max-seconds 120]');
  process.exit(0);
}
const int = (name: 'prompt-tokens' | 'decode-tokens' | 'rounds' | 'max-seconds') => {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got ${args[name]}`);
  return v;
};

type Runtime = 'web' | 'node';
type ModelFile = 'model.onnx' | 'model.int8.onnx';

interface Variant {
  runtime: Runtime;
  file: ModelFile;
  label: string;
  engine: EdgeEngine;
  loadMs: number;
  ttftMs: number[];
  decodeTokPerS: number[];
  decoded: number[];
}

/** A prompt of exactly `n` token ids: the model's own tokens of a fixed English text, repeated. */
function promptIds(engine: EdgeEngine, n: number): number[] {
  const text =
    'In the beginning God created the heaven and the earth. And the earth was without form, and void; ' +
    'and darkness was upon the face of the deep. And the Spirit of God moved upon the face of the waters. ';
  const ids = engine.tokenizer.encode(text);
  return Array.from({ length: n }, (_, i) => ids[i % ids.length] as number);
}

/** One generation: time to the first token event, then decode rate over the rest. */
async function measure(v: Variant, prompt: number[], decodeTokens: number, seed: number): Promise<void> {
  const startMs = performance.now();
  let firstMs = 0;
  let tokens = 0;
  for await (const event of v.engine.generate({ prompt, max_tokens: decodeTokens, temperature: 1, seed })) {
    if (event.type !== 'token') continue;
    if (tokens++ === 0) firstMs = performance.now();
  }
  const endMs = performance.now();
  v.ttftMs.push(firstMs - startMs);
  v.decoded.push(tokens);
  if (tokens > 1) v.decodeTokPerS.push(((tokens - 1) * 1000) / (endMs - firstMs));
}

const median = (xs: number[]) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function main(): Promise<void> {
  const dir = args['model-dir'] ?? (await testModelDir());
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    name: string;
    version: string;
    context_length: number;
  };
  const files: ModelFile[] = existsSync(join(dir, 'model.int8.onnx')) ? ['model.onnx', 'model.int8.onnx'] : ['model.onnx'];
  const rounds = int('rounds');
  const deadlineMs = performance.now() + int('max-seconds') * 1000;

  const variants: Variant[] = [];
  for (const file of files) {
    for (const runtime of ['web', 'node'] as const) {
      const started = performance.now();
      const engine = await loadEngineFromDir(dir, { runtime, modelFile: file, maxConcurrent: 1, maxQueued: 0 });
      const label = `${runtime === 'web' ? 'ORT-web wasm' : 'ORT-node cpu'} ${file === 'model.onnx' ? 'fp32' : 'int8'}`;
      variants.push({ runtime, file, label, engine, loadMs: performance.now() - started, ttftMs: [], decodeTokPerS: [], decoded: [] });
      console.error(`loaded ${label} in ${(performance.now() - started).toFixed(0)} ms`);
    }
  }

  const context = manifest.context_length;
  let promptTokens = int('prompt-tokens');
  let decodeTokens = int('decode-tokens');
  let fitted = '';
  if (promptTokens + decodeTokens > context) {
    promptTokens = Math.min(promptTokens, Math.floor(context / 2));
    decodeTokens = Math.min(decodeTokens, context - promptTokens);
    fitted = ` (context ${context} < ${int('prompt-tokens')} + ${int('decode-tokens')}: shrunk to fit)`;
  }
  const prompt = promptIds(variants[0]!.engine, promptTokens);

  for (const v of variants) await measure({ ...v, ttftMs: [], decodeTokPerS: [], decoded: [] }, prompt, decodeTokens, 0); // warm-up
  let done = 0;
  for (let r = 0; r < rounds && performance.now() < deadlineMs; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) await measure(v, prompt, decodeTokens, r + 1);
    done++;
    console.error(`round ${r + 1}/${rounds}: ${order.map((v) => `${v.label} ${median(v.decodeTokPerS).toFixed(0)} tok/s`).join(', ')}`);
  }

  console.log(`distillgate edge bench — ${manifest.name}@${manifest.version} (${dir.startsWith(ROOT) ? dir.slice(ROOT.length) : dir})`);
  console.log(
    `node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}, 1-min load ${loadavg()[0]?.toFixed(2)}; one thread per runtime; ` +
      `prompt ${promptTokens} tokens, up to ${decodeTokens} decoded${fitted}; ${done} rounds (median) after 1 warm-up` +
      (done < rounds ? ` — CUT SHORT at --max-seconds ${args['max-seconds']}` : ''),
  );
  const col = (s: string, w: number) => s.padStart(w);
  console.log(
    `${'variant'.padEnd(20)}${col('load ms', 10)}${col('TTFT ms', 10)}${col('decode tok/s', 14)}${col('ms/token', 10)}${col('tokens', 8)}`,
  );
  for (const v of variants) {
    const rate = median(v.decodeTokPerS);
    console.log(
      `${v.label.padEnd(20)}${col(v.loadMs.toFixed(0), 10)}${col(median(v.ttftMs).toFixed(2), 10)}${col(rate.toFixed(1), 14)}${col((1000 / rate).toFixed(3), 10)}${col(median(v.decoded).toFixed(0), 8)}`,
    );
  }
  for (const file of files) {
    const web = variants.find((v) => v.file === file && v.runtime === 'web')!;
    const node = variants.find((v) => v.file === file && v.runtime === 'node')!;
    const precision = file === 'model.onnx' ? 'fp32' : 'int8';
    console.log(
      `${precision} web/node: TTFT ${(median(web.ttftMs) / median(node.ttftMs)).toFixed(2)}× slower, decode ${(median(node.decodeTokPerS) / median(web.decodeTokPerS)).toFixed(2)}× slower (web ${median(web.decodeTokPerS).toFixed(0)} vs node ${median(node.decodeTokPerS).toFixed(0)} tok/s)`,
    );
  }
  if (files.length === 2) {
    for (const runtime of ['web', 'node'] as const) {
      const [fp32, int8] = files.map((f) => variants.find((v) => v.file === f && v.runtime === runtime)!);
      console.log(`${runtime} int8/fp32: decode ${(median(int8!.decodeTokPerS) / median(fp32!.decodeTokPerS)).toFixed(2)}× the fp32 rate`);
    }
  } else {
    console.log(`int8: ${join(dir, 'model.int8.onnx')} is absent — only fp32 measured`);
  }

  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const out = join(resultsDir, `edge-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const summary = variants.map(({ engine, ...v }) => ({
    ...v,
    ttftMedianMs: median(v.ttftMs),
    decodeMedianTokPerS: median(v.decodeTokPerS),
  }));
  writeFileSync(out, JSON.stringify({ model: manifest, dir, promptTokens, decodeTokens, rounds: done, variants: summary }, null, 2));
  console.error(`wrote ${out}`);
  for (const v of variants) await v.engine.close();
}

await main();
