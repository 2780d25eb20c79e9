/**
 * TEST-ONLY: a plain `EvalResult` with chosen numbers, for tests of code that reads evaluations
 * (publish, report) without running models.
 */
import type { EvalResult, VariantEval } from './result.ts';

export interface FakeEvalOptions {
  /** fp32 top-1 agreement with the teacher, 0..1. @default 0.6 */
  agreement?: number;
  /** fp32 test perplexity. @default 120 */
  perplexity?: number;
  /** sha256 per evaluated graph. @default placeholders */
  modelSha256?: Partial<Record<'model.onnx' | 'model.int8.onnx', string>>;
  studentId?: string;
  /** The test slice's sha256. @default 'slice-1' */
  testSha256?: string;
  /** Evaluate an int8 graph too. @default true */
  int8?: boolean;
}

function variant(file: VariantEval['file'], agreement: number, perplexity: number): VariantEval {
  return {
    file,
    runtime: 'onnxruntime-web',
    testPerplexity: perplexity,
    testTop1Accuracy: 0.18,
    teacherTop1Agreement: agreement,
    teacherKlNats: 0.2,
    agreementByPosition: Array.from({ length: 8 }, (_, b) => ({
      fromPosition: 32 * b,
      toPosition: 32 * b + 31,
      agreement: Math.min(1, agreement - 0.1 + 0.02 * b),
      tokens: 256,
    })),
    greedy: {
      prompts: 4,
      continuationTokens: 16,
      exactMatch: 0.25,
      meanMatchingPrefixTokens: 5,
      bleu4: 0.4,
      bleuPrecisions: [0.6, 0.5, 0.4, 0.3],
      bleuBrevityPenalty: 1,
      rougeLF1: 0.5,
    },
    decode: {
      tokensPerS: file === 'model.onnx' ? 1500 : 800,
      msPerToken: file === 'model.onnx' ? 0.667 : 1.25,
      stepsPerRound: 64,
      rounds: 3,
    },
  };
}

export function fakeEvalResult(o: FakeEvalOptions = {}): EvalResult {
  const agreement = o.agreement ?? 0.6;
  const perplexity = o.perplexity ?? 120;
  const int8 = o.int8 ?? true;
  return {
    schema: 'distillgate.evaluation/1',
    student: {
      id: o.studentId ?? 'distillgate-student@0.2.0',
      dir: '/tmp/export',
      runtime: 'onnxruntime-web',
      threads: 1,
      modelSha256: o.modelSha256 ?? { 'model.onnx': 'f'.repeat(64), ...(int8 ? { 'model.int8.onnx': 'e'.repeat(64) } : {}) },
    },
    teacher: {
      id: 'distillgate-teacher@0.1.0',
      dir: 'models/distillgate-teacher/0.1.0',
      runtime: 'onnxruntime-node',
      threads: 1,
      modelSha256: {},
    },
    tokenizerSha256: 't'.repeat(64),
    testSplit: {
      path: '/root/.cache/distillgate/tokenizer/test.bin',
      tokens: 2048,
      fileTokens: 153_571,
      predictedTokens: 2047,
      windows: 8,
      contextLength: 256,
      sha256: o.testSha256 ?? 'slice-1',
    },
    teacherScores: { testPerplexity: 100, testTop1Accuracy: 0.19 },
    variants: {
      fp32: variant('model.onnx', agreement, perplexity),
      int8: int8 ? variant('model.int8.onnx', agreement - 0.005, perplexity * 1.002) : null,
    },
    fastest: 'fp32',
    samples: [
      { prompt: 'The king said unto', teacher: ' him, What', student: ' the king | of', studentInt8: ' the king\nof' },
      { prompt: 'A `quoted` prompt', teacher: ' a {big}.', student: ' a <b> & c', studentInt8: ' a <b> & c' },
    ],
    command: 'node --import tsx packages/distill/src/cli.ts evaluate',
    startedAt: '2026-11-29T12:00:00.000Z',
    finishedAt: '2026-11-29T12:01:00.000Z',
    elapsedMs: 60_000,
  };
}
