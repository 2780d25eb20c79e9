/**
 * The two models in-process, as the deployment runs them: the student on onnxruntime-web (WASM SIMD,
 * one thread: the edge), the teacher on onnxruntime-node (the gpu-worker's runtime; CPU here, one
 * intra-op thread), both from `models/<name>/<live version>/`. `pairModels` adapts them to the
 * router's `PairModels` (router `routing/pair.ts`) for one prompt, and keeps what `measurePair` does
 * not return: the student's timings and CPU time per generated token, the teacher's token counts.
 */
import { join } from 'node:path';
import type { EdgeEngine, GenerationEvent } from '@distillgate/edge-model';
import { liveVersion, loadEngineFromDir } from '@distillgate/edge-model/node';
import type { PairModels, StudentAnswer, TeacherAnswer } from '@distillgate/router';

export const STUDENT_NAME = 'distillgate-student';
export const TEACHER_NAME = 'distillgate-teacher';

/** Generations the teacher engine batches per decoder run (the gpu-worker sets maxBatch = maxConcurrent). */
export const TEACHER_BATCH = 16;

export interface Engines {
  student: EdgeEngine;
  teacher: EdgeEngine;
  close(): Promise<void>;
}

async function dirOf(modelsDir: string, name: string): Promise<string> {
  const version = await liveVersion(modelsDir, name);
  if (!version) throw new Error(`no live version of ${name} in ${modelsDir}/${name}/channels.json`);
  return join(modelsDir, name, version);
}

/** Loads the live student (runtime 'web') and teacher (runtime 'node', batched like the gpu-worker). */
export async function loadEngines(modelsDir: string): Promise<Engines> {
  const student = await loadEngineFromDir(await dirOf(modelsDir, STUDENT_NAME), { runtime: 'web', maxConcurrent: 1, maxQueued: 0 });
  const teacher = await loadEngineFromDir(await dirOf(modelsDir, TEACHER_NAME), {
    runtime: 'node',
    maxConcurrent: TEACHER_BATCH,
    maxQueued: TEACHER_BATCH,
    maxBatch: TEACHER_BATCH,
  });
  if (student.manifest.tokenizer_sha256 !== teacher.manifest.tokenizer_sha256)
    throw new Error('student and teacher tokenizers differ: the teacher cannot score the student’s tokens');
  return {
    student,
    teacher,
    async close() {
      await Promise.all([student.close(), teacher.close()]);
    },
  };
}

/** CPU time of this process since `from` (user + system), ms. */
const cpuMsSince = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};

/** What the student's generation cost, measured around it. */
export interface StudentCost {
  /** Engine timings of the generation, ms (single thread: wall ≈ CPU). */
  prefillMs: number;
  decodeMs: number;
  /** Process CPU time (user + system) over the whole generation, ms. */
  cpuMs: number;
  /** Process CPU time from the start to each generated token's event, ms (length = generated tokens). */
  cpuMsAtToken: number[];
  /** Completion tokens the engine counted (an end-of-text token included). */
  completionTokens: number;
}

export interface TeacherCost {
  /** Completion tokens of the teacher's greedy answer (an end-of-text token included). */
  completionTokens: number;
  promptTokens: number;
}

/** PairModels for one prompt, plus what the measurement cost (filled as the calls run). */
export interface MeteredPair {
  models: PairModels;
  studentCost: StudentCost | null;
  teacherCost: TeacherCost | null;
}

async function studentAnswer(engine: EdgeEngine, prompt: string, maxTokens: number, pair: MeteredPair): Promise<StudentAnswer> {
  const ids: number[] = [];
  const steps: StudentAnswer['steps'] = [];
  const cpuMsAtToken: number[] = [];
  let text = '';
  const started = process.cpuUsage();
  let done: Extract<GenerationEvent, { type: 'done' }> | null = null;
  for await (const event of engine.generate({ prompt, max_tokens: maxTokens, temperature: 0, return_token_ids: true })) {
    text += event.text;
    if (event.type === 'token') {
      cpuMsAtToken.push(cpuMsSince(started));
      ids.push(event.tokenId);
      steps.push(event.confidence);
    } else done = event;
  }
  const cpuMs = cpuMsSince(started);
  if (!done?.prompt_token_ids) throw new Error('student generation ended without prompt_token_ids');
  pair.studentCost = {
    prefillMs: done.timings.prefillMs,
    decodeMs: done.timings.decodeMs,
    cpuMs,
    cpuMsAtToken,
    completionTokens: done.usage.completion_tokens,
  };
  return { promptIds: done.prompt_token_ids, ids, text, steps };
}

async function teacherGreedy(engine: EdgeEngine, promptIds: readonly number[], maxTokens: number, pair: MeteredPair) {
  const answer: TeacherAnswer = { ids: [], text: '', logprobs: [] };
  for await (const event of engine.generate({
    prompt: promptIds,
    max_tokens: maxTokens,
    temperature: 0,
    logprobs: true,
    top_logprobs: 0,
  })) {
    answer.text += event.text;
    if (event.type === 'token') {
      answer.ids.push(event.tokenId);
      if (!event.logprobs) throw new Error('teacher token without logprobs');
      answer.logprobs.push(event.logprobs.logprob);
    } else pair.teacherCost = { completionTokens: event.usage.completion_tokens, promptTokens: event.usage.prompt_tokens };
  }
  return answer;
}

/** Teacher log-probabilities of `answerIds` after `promptIds`: one prefill, `max_tokens: 0`, `prompt_logprobs: 0`. */
export async function teacherScore(engine: EdgeEngine, promptIds: readonly number[], answerIds: readonly number[]): Promise<number[]> {
  for await (const event of engine.generate({ prompt: [...promptIds, ...answerIds], max_tokens: 0, temperature: 0, prompt_logprobs: 0 })) {
    if (event.type !== 'done') continue;
    const entries = event.prompt_logprobs ?? [];
    return entries.slice(promptIds.length).map((e) => {
      if (e.logprob === null) throw new Error('teacher scoring returned a null logprob inside the answer');
      return e.logprob;
    });
  }
  throw new Error('teacher scoring ended without a done event');
}

/** PairModels over the engines for `prompt` (a completion prompt, no chat template). */
export function meteredPair(engines: Engines, prompt: string): MeteredPair {
  const pair: MeteredPair = { studentCost: null, teacherCost: null, models: null as unknown as PairModels };
  pair.models = {
    student: (maxTokens) => studentAnswer(engines.student, prompt, maxTokens, pair),
    teacherGreedy: (promptIds, maxTokens) => teacherGreedy(engines.teacher, promptIds, maxTokens, pair),
    teacherScore: (promptIds, answerIds) => teacherScore(engines.teacher, promptIds, answerIds),
  };
  return pair;
}
