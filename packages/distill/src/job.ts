/**
 * The distillation job: resolved options → the list of stages, in order. Wiring only; each stage
 * lives with its job (prompts/, teacher/, python/, later/).
 */
import { join } from 'node:path';
import { laterStages } from './later/stages.ts';
import { type DistillOptions, SEQ_LEN } from './options.ts';
import { liveDir, TEACHER_NAME } from './paths.ts';
import { promptsStage } from './prompts/stage.ts';
import { exportStage, quantizeStage, trainStage } from './python/stages.ts';
import type { Stage } from './runner/stage-runner.ts';
import { teacherStage } from './teacher/stage.ts';

/** Prompts of the teacher stage longer than this keep their last this many tokens (prompt + continuation ≤ context). */
const MAX_PROMPT_TOKENS = 128;

export function distillStages(o: DistillOptions, env: NodeJS.ProcessEnv = process.env): Stage[] {
  const tokenizerDir = join(o.cacheDir, 'tokenizer');
  const teacherDir = liveDir(o.modelsDir, TEACHER_NAME);
  const apiKey = env.DISTILLGATE_TEACHER_API_KEY;
  return [
    promptsStage({
      promptFiles: o.promptFiles,
      capturedFiles: o.capturedFiles,
      testShare: o.testShare,
      corpusDir: join(o.cacheDir, 'corpus'),
    }),
    teacherStage({
      ...(o.teacherUrl !== undefined ? { teacherUrl: o.teacherUrl } : {}),
      ...(apiKey ? { apiKey } : {}),
      teacherModel: o.teacherModel,
      modelsDir: o.modelsDir,
      tokenizerDir,
      workerThreads: o.workerThreads,
      workerMaxConcurrent: 8,
      tokenBudget: o.tokenBudget,
      k: o.k,
      seqLen: SEQ_LEN,
      concurrency: o.concurrency,
      continuationShare: o.continuationShare,
      continuationMaxTokens: o.continuationMaxTokens,
      maxPromptTokens: MAX_PROMPT_TOKENS,
      shardSequences: o.shardSequences,
      timeoutMs: o.timeoutMs,
      seed: 1,
    }),
    trainStage({
      overrides: o.trainOverrides,
      ...(o.maxSeconds !== undefined ? { maxSeconds: o.maxSeconds } : {}),
      ...(o.device !== undefined ? { device: o.device } : {}),
      tokenizerDir,
      teacherManifest: join(teacherDir, 'manifest.json'),
    }),
    exportStage({ version: o.version, tokenizerDir }),
    quantizeStage(),
    ...laterStages({
      modelsDir: o.publishModelsDir,
      sandbox: o.publishSandbox,
      teacherDir,
      testTokensPath: join(tokenizerDir, 'test.bin'),
      version: o.version,
      canaryShare: o.canaryShare,
      evalTestTokens: o.evalTestTokens,
    }),
  ];
}
