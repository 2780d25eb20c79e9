/**
 * Offline evaluation of a distilled student against its teacher, with the student run AS THE EDGE
 * RUNS IT: onnxruntime-web (WASM SIMD, one thread) through @distillgate/edge-model's web binding and
 * `Decoder`, for the fp32 `model.onnx` and, when present, the int8 `model.int8.onnx`. The teacher
 * runs on onnxruntime-node (fp32, one intra-op thread). Both folders are sha256-checked.
 *
 * 1. Test split (test-split.ts): windows of the context length over the first `maxTestTokens` ids
 *    → per variant: perplexity, top-1 accuracy, top-1 agreement with the teacher, mean
 *    KL(teacher ‖ student) in nats over the full vocabulary, agreement by position (scoring.ts).
 *    Checkpointed after windows; a rerun with the same inputs resumes (checkpoint.ts).
 * 2. Held-out prompts (generation.ts): greedy continuations of `continuationTokens` (16) tokens,
 *    student vs teacher → exact match, matching prefix, corpus BLEU-4 and ROUGE-L F1 (metrics.ts).
 * 3. Decode speed of each student graph in the student's runtime (which one is fastest).
 *
 * Progress: `onProgress(done, total)` after each unit of work, total = windows + prompts + 1 (the
 * speed measurement). Result: `EvalResult` (result.ts), also written to `<outDir>/evaluation.json`.
 *
 *   const result = await evaluateStudent({ studentDir: 'runs/x/export', teacherDir: 'models/distillgate-teacher/0.1.0',
 *     heldOutPrompts, testTokensPath: `${homedir()}/.cache/distillgate/tokenizer/test.bin`, outDir: 'runs/x' });
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../runner/files.ts';
import { removeCheckpoint, type ScoringState } from './checkpoint.ts';
import { type DecodeSpeed, decodeSpeeds } from './generation.ts';
import { type LoadedModel, type LoadedModels, loadModels, modelId, type Runtime, releaseModels, runtimeName } from './models.ts';
import { comparePrompts, type PromptComparison } from './prompt-comparison.ts';
import { EVAL_SCHEMA, type EvalResult, type EvaluatedModel, type VariantEval } from './result.ts';
import { bucketWidth, tokenMetrics } from './scoring.ts';
import { scoreTestSplit } from './split-scoring.ts';
import { readTestTokens, type TestTokens, windows } from './test-split.ts';

export type { EvalResult, EvaluatedModel, GenerationSample, VariantEval } from './result.ts';
export { EVAL_SCHEMA } from './result.ts';

export interface EvaluateOptions {
  /** Exported student folder: model.onnx, model.int8.onnx?, tokenizer.json, manifest.json. */
  studentDir: string;
  /** Teacher folder, e.g. models/distillgate-teacher/<version>. */
  teacherDir: string;
  /** Prompts (plain text, no template) continued greedily by both models. */
  heldOutPrompts: string[];
  /** uint16 test split from gpu-worker/trainer/bpe.py: `${DISTILLGATE_CACHE:-~/.cache/distillgate}/tokenizer/test.bin`. */
  testTokensPath: string;
  /** Where evaluation.json (and the checkpoint while running) go; created if missing. */
  outDir: string;
  /** Test tokens read from the start of the split. @default 65_536 */
  maxTestTokens?: number;
  onProgress?: (done: number, total: number) => void;
  /** Student runtime; 'node' is for checks (e.g. the teacher against itself). @default 'web' */
  studentRuntime?: Runtime;
  /** Tokens per greedy continuation. @default 16 */
  continuationTokens?: number;
  /** Position buckets for agreement by position. @default 8 (32 positions each at context 256) */
  positionBuckets?: number;
  /** Decode-speed steps per round and rounds. @default 64 and 3 */
  speedDecodeTokens?: number;
  speedRounds?: number;
  /** Recorded as the command that measured the metrics. @default this process's command line */
  command?: string;
  /** Minimum time between checkpoint writes, ms. @default 30_000 */
  checkpointIntervalMs?: number;
}

const DEFAULTS = {
  maxTestTokens: 65_536,
  studentRuntime: 'web' as Runtime,
  continuationTokens: 16,
  positionBuckets: 8,
  speedDecodeTokens: 64,
  speedRounds: 3,
  checkpointIntervalMs: 30_000,
};
/** Tokens of the test split's start used as the decode-speed prompt. */
const SPEED_PROMPT_TOKENS = 32;

export async function evaluateStudent(options: EvaluateOptions): Promise<EvalResult> {
  const started = new Date();
  const o = { ...DEFAULTS, ...withoutUndefined(options) };
  for (const key of ['maxTestTokens', 'continuationTokens', 'positionBuckets', 'speedDecodeTokens', 'speedRounds'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new RangeError(`evaluateStudent: ${key} must be a positive integer, got ${o[key]}`);
  }
  await mkdir(o.outDir, { recursive: true });
  const m = await loadModels(o.studentDir, o.teacherDir, o.studentRuntime);
  try {
    const T = Math.min(m.students[0]!.model.decoder.shape.contextLength, m.teacher.decoder.shape.contextLength);
    const test = await readTestTokens(o.testTokensPath, o.maxTestTokens, m.teacher.decoder.shape.vocabSize);
    const ws = windows(test.ids, T);
    const total = ws.length + o.heldOutPrompts.length + 1;
    const progress = (done: number) => o.onProgress?.(done, total);
    const width = bucketWidth(T, o.positionBuckets);
    const state = await scoreTestSplit(m, ws, { ...o, testSha256: test.sha256, contextLength: T, bucketWidth: width, progress });
    const prompts = await comparePrompts(m, o.heldOutPrompts, T, o.continuationTokens, (i) => progress(ws.length + i));
    const speedPrompt = Array.from(test.ids.subarray(0, Math.min(SPEED_PROMPT_TOKENS, test.ids.length - 1)));
    const steps = Math.max(1, Math.min(o.speedDecodeTokens, T - speedPrompt.length));
    const speeds = await decodeSpeeds(
      m.students.map((s) => s.model.decoder),
      speedPrompt,
      steps,
      o.speedRounds,
    );
    progress(total);
    const result = assemble(
      m,
      { test, windows: ws.length, T, width, state, prompts, speeds },
      o.testTokensPath,
      o.command ?? commandLine(),
      started,
    );
    await writeJsonAtomic(join(o.outDir, 'evaluation.json'), result);
    await removeCheckpoint(o.outDir);
    return result;
  } finally {
    await releaseModels(m);
  }
}

interface Measured {
  test: TestTokens;
  windows: number;
  T: number;
  width: number;
  state: ScoringState;
  prompts: PromptComparison;
  speeds: DecodeSpeed[];
}

function assemble(m: LoadedModels, x: Measured, testTokensPath: string, command: string, started: Date): EvalResult {
  const variant = (i: number): VariantEval => {
    const s = m.students[i]!;
    return {
      file: s.model.file,
      runtime: runtimeName(s.model.runtime),
      ...tokenMetrics(x.state.students[s.name]!, x.width, x.T),
      greedy: x.prompts.metrics[i]!,
      decode: x.speeds[i]!,
    };
  };
  const fp32 = variant(0);
  const int8 = m.students.length > 1 ? variant(1) : null;
  const teacher = tokenMetrics(x.state.teacher, x.width, x.T);
  const finished = new Date();
  return {
    schema: EVAL_SCHEMA,
    student: described(
      m.students[0]!.model,
      m.students.map((s) => s.model),
    ),
    teacher: described(m.teacher),
    tokenizerSha256: String(m.teacher.manifest.tokenizer_sha256 ?? ''),
    testSplit: {
      path: testTokensPath,
      tokens: x.test.ids.length,
      fileTokens: x.test.fileTokens,
      predictedTokens: x.state.teacher.predicted,
      windows: x.windows,
      contextLength: x.T,
      sha256: x.test.sha256,
    },
    teacherScores: { testPerplexity: teacher.testPerplexity, testTop1Accuracy: teacher.testTop1Accuracy },
    variants: { fp32, int8 },
    fastest: int8 && int8.decode.tokensPerS > fp32.decode.tokensPerS ? 'int8' : 'fp32',
    samples: x.prompts.samples,
    command,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    elapsedMs: finished.getTime() - started.getTime(),
  };
}

const described = (m: LoadedModel, graphs: readonly LoadedModel[] = [m]): EvaluatedModel => ({
  id: modelId(m.manifest),
  dir: m.dir,
  runtime: runtimeName(m.runtime),
  threads: 1,
  modelSha256: Object.fromEntries(graphs.map((g) => [g.file, g.manifest.files?.[g.file]?.sha256 ?? ''])),
});

/** Options without keys explicitly set to undefined (so the defaults apply to them). */
const withoutUndefined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** This process's command line, shell-quoted (what manifest.py's `command_line` records). */
function commandLine(): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`);
  return [process.execPath, ...process.execArgv, ...process.argv.slice(1)].map(quote).join(' ');
}
