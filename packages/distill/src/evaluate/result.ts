/**
 * `EvalResult`: what `evaluateStudent` measured, a plain JSON object (also `<outDir>/evaluation.json`).
 * Probabilities and shares are 0..1, divergences in nats (natural log), speeds in tokens/s.
 */
import type { GreedyMetrics } from './generation.ts';
import type { ModelFile } from './models.ts';
import type { TokenMetrics } from './scoring.ts';

export const EVAL_SCHEMA = 'distillgate.evaluation/1';

export interface EvaluatedModel {
  /** `name@version` from the manifest. */
  id: string;
  dir: string;
  runtime: 'onnxruntime-web' | 'onnxruntime-node';
  /** ORT threads used (always 1: the edge's one thread; the teacher's one intra-op thread). */
  threads: 1;
  /** sha256 of each evaluated graph (`model.onnx`, `model.int8.onnx`), from the checked manifest. */
  modelSha256: Partial<Record<ModelFile, string>>;
}

/** One student graph (fp32 `model.onnx` or int8 `model.int8.onnx`), evaluated in `runtime`. */
export interface VariantEval extends TokenMetrics {
  file: ModelFile;
  runtime: 'onnxruntime-web' | 'onnxruntime-node';
  /** Greedy continuations of the held-out prompts against the teacher's. */
  greedy: GreedyMetrics;
  /** Decode speed (cached one-token steps) in `runtime`, one thread. */
  decode: { tokensPerS: number; msPerToken: number; stepsPerRound: number; rounds: number };
}

export interface GenerationSample {
  prompt: string;
  teacher: string;
  student: string;
  /** The int8 graph's continuation, when there is one. */
  studentInt8?: string;
}

export interface EvalResult {
  schema: typeof EVAL_SCHEMA;
  student: EvaluatedModel;
  teacher: EvaluatedModel;
  tokenizerSha256: string;
  testSplit: {
    path: string;
    /** Tokens read (the first `min(file, maxTestTokens)`), of `fileTokens` in the file. */
    tokens: number;
    fileTokens: number;
    /** Tokens predicted (tokens − 1). */
    predictedTokens: number;
    windows: number;
    /** T: the window length (min of both models' context lengths). */
    contextLength: number;
    /** sha256 of the token bytes used: evaluations compare only on equal slices. */
    sha256: string;
  };
  /** The teacher's own scores on the same tokens (its perplexity is the floor the student chases). */
  teacherScores: { testPerplexity: number; testTop1Accuracy: number };
  variants: { fp32: VariantEval; int8: VariantEval | null };
  /** Which graph decodes fastest in the student's runtime. */
  fastest: 'fp32' | 'int8';
  /** Up to five prompts with the continuations compared. */
  samples: GenerationSample[];
  /** The command line that ran this evaluation (recorded with each metric in the manifest). */
  command: string;
  startedAt: string;
  finishedAt: string;
  elapsedMs: number;
}
