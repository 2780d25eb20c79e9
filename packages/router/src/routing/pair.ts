/**
 * One prompt answered by both models at T = 0 and judged (the measurement behind shadow records
 * and `npm run eval:routing`): the student's greedy draft, the teacher's greedy answer, and the
 * teacher's scoring of the student's answer (DESIGN.md §5 "Teacher scoring"). Runtime-agnostic:
 * the models come in through `PairModels`, which the gateway implements over the edge provider and
 * an upstream's `/v1/completions`, and the evaluation over in-process engines.
 *
 * Answers are the generated tokens before end-of-text (the end-of-text token itself is never
 * scored: neither engine reports a logprob for it).
 */
import { type ConfidenceSignal, confidenceScore, type StepConfidence } from './confidence.ts';
import { type AnswerQuality, answerRougeL, strictAgreement, teacherJudgedQuality } from './quality.ts';

/** The student's greedy answer. */
export interface StudentAnswer {
  /** The prompt's token ids as the model saw it (chat template applied). */
  promptIds: number[];
  /** Generated token ids, end-of-text excluded; length ≤ maxTokens. */
  ids: number[];
  text: string;
  /** Per generated token (same length as `ids`). */
  steps: StepConfidence[];
}

/** The teacher's greedy answer, with the teacher's log-probability of each of its tokens. */
export interface TeacherAnswer {
  ids: number[];
  text: string;
  /** Natural log, raw logits at T = 1; same length as `ids`. */
  logprobs: number[];
}

export interface PairModels {
  /** Greedy student answer of up to `maxTokens` tokens. */
  student(maxTokens: number): Promise<StudentAnswer>;
  /** Greedy teacher answer to `promptIds`, up to `maxTokens` tokens. */
  teacherGreedy(promptIds: readonly number[], maxTokens: number): Promise<TeacherAnswer>;
  /** Teacher log-probability of each token of `answerIds` after `promptIds` (length = answerIds.length). */
  teacherScore(promptIds: readonly number[], answerIds: readonly number[]): Promise<number[]>;
}

export interface PairMeasurement {
  student: StudentAnswer;
  teacher: TeacherAnswer;
  /** The student's answer judged against the teacher's. */
  quality: AnswerQuality;
  /** The cascade score of the student's first `probeTokens` steps (null: empty draft). */
  cascadeScore: number | null;
}

/**
 * @throws whatever the models throw (a failed shadow run is dropped by the caller)
 * @throws Error when the teacher's scoring returns the wrong number of logprobs
 */
export async function measurePair(
  models: PairModels,
  options: { maxTokens: number; probeTokens: number; signal: ConfidenceSignal },
): Promise<PairMeasurement> {
  const student = await models.student(options.maxTokens);
  const teacher = await models.teacherGreedy(student.promptIds, options.maxTokens);
  const scored = student.ids.length ? await models.teacherScore(student.promptIds, student.ids) : [];
  if (scored.length !== student.ids.length)
    throw new Error(`teacher scored ${scored.length} tokens of a ${student.ids.length}-token answer`);
  const quality: AnswerQuality = {
    agreement: strictAgreement(student.ids, teacher.ids),
    rougeL: answerRougeL(student.text, teacher.text),
    q: teacherJudgedQuality(scored, teacher.logprobs),
  };
  return { student, teacher, quality, cascadeScore: confidenceScore(student.steps.slice(0, options.probeTokens), options.signal) };
}
