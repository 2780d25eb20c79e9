/**
 * Next-token scores of a student against the corpus and the teacher, summed window by window so a
 * run can checkpoint the sums and resume.
 *
 * Per predicted position, with l_s, l_t the log-softmax of the student's and the teacher's raw
 * logits (natural log, T = 1, the full vocabulary V; edge-model's `logSoftmax`):
 *   NLL         −l_s[target]                         → perplexity = exp(Σ NLL / N)
 *   top-1       argmax l_s = target                  → accuracy
 *   agreement   argmax l_s = argmax l_t              (ties → lower id, edge-model's `argmax`)
 *   KL          Σ_v exp(l_t[v]) · (l_t[v] − l_s[v])  = KL(teacher ‖ student), nats
 * "Position" is the index in the window (0 … T−1): the token predicted with that many tokens of
 * left context (plus one).
 */
import { argmax, type Logits, logSoftmax } from '@distillgate/edge-model';

/** Running sums over the predicted tokens of one model (plain JSON: checkpointed as is). */
export interface ScoreSums {
  predicted: number;
  /** Σ −log p(target), nats. */
  nllNats: number;
  /** Predictions whose top-1 is the corpus's next token. */
  correct: number;
  /** Predictions whose top-1 equals the teacher's top-1. */
  agree: number;
  /** Σ KL(teacher ‖ model), nats. */
  klNats: number;
  /** `agree` and `predicted` per position bucket. */
  agreeByBucket: number[];
  countByBucket: number[];
}

export function emptySums(buckets: number): ScoreSums {
  return {
    predicted: 0,
    nllNats: 0,
    correct: 0,
    agree: 0,
    klNats: 0,
    agreeByBucket: new Array(buckets).fill(0),
    countByBucket: new Array(buckets).fill(0),
  };
}

/** The teacher's log-softmax rows and top-1 ids for one window, computed once for every variant. */
export interface TeacherRows {
  logprobs: Float64Array[];
  top1: number[];
}

export function teacherRows(logits: Logits): TeacherRows {
  const logprobs: Float64Array[] = [];
  const top1: number[] = [];
  for (let r = 0; r < logits.rows; r++) {
    const row = logits.data.subarray(r * logits.vocabSize, (r + 1) * logits.vocabSize);
    logprobs.push(logSoftmax(row));
    top1.push(argmax(row));
  }
  return { logprobs, top1 };
}

/** Position buckets: `buckets` equal spans of ⌈T / buckets⌉ positions (the last may be shorter). */
export const bucketWidth = (contextLength: number, buckets: number) => Math.ceil(contextLength / buckets);

/** Adds one window of `student` logits [S, V] scored against `targets` (length S) and the teacher. */
export function addWindow(sums: ScoreSums, student: Logits, teacher: TeacherRows, targets: readonly number[], width: number): void {
  const V = student.vocabSize;
  if (student.rows !== targets.length || teacher.logprobs.length !== targets.length) {
    throw new Error(`window rows: student ${student.rows}, teacher ${teacher.logprobs.length}, targets ${targets.length}`);
  }
  for (let r = 0; r < student.rows; r++) {
    const row = student.data.subarray(r * V, (r + 1) * V);
    const ls = logSoftmax(row);
    const lt = teacher.logprobs[r]!;
    if (lt.length !== V) throw new Error(`vocabulary: student ${V}, teacher ${lt.length}`);
    let kl = 0;
    for (let v = 0; v < V; v++) {
      const p = Math.exp(lt[v]!);
      if (p > 0) kl += p * (lt[v]! - ls[v]!);
    }
    const top = argmax(row);
    const agrees = top === teacher.top1[r] ? 1 : 0;
    const bucket = Math.floor(r / width);
    sums.predicted++;
    sums.nllNats -= ls[targets[r]!]!;
    sums.correct += top === targets[r] ? 1 : 0;
    sums.agree += agrees;
    sums.klNats += kl;
    sums.agreeByBucket[bucket]! += agrees;
    sums.countByBucket[bucket]! += 1;
  }
}

/** Adds the teacher's own NLL and top-1 accuracy for one window (agreement/KL stay 0). */
export function addTeacherWindow(sums: ScoreSums, teacher: TeacherRows, targets: readonly number[]): void {
  targets.forEach((target, r) => {
    sums.predicted++;
    sums.nllNats -= teacher.logprobs[r]![target]!;
    sums.correct += teacher.top1[r] === target ? 1 : 0;
  });
}

export interface PositionAgreement {
  /** First and last window position of the bucket (inclusive). */
  fromPosition: number;
  toPosition: number;
  /** Top-1 agreement with the teacher in the bucket, 0..1; null when it holds no prediction. */
  agreement: number | null;
  /** Predictions in the bucket. */
  tokens: number;
}

export interface TokenMetrics {
  /** exp(mean NLL) over the predicted test tokens. */
  testPerplexity: number;
  /** Share of predicted tokens whose top-1 is the corpus's next token, 0..1. */
  testTop1Accuracy: number;
  /** Share of predicted tokens whose top-1 is the teacher's top-1, 0..1. */
  teacherTop1Agreement: number;
  /** Mean KL(teacher ‖ student) per predicted token, nats. */
  teacherKlNats: number;
  agreementByPosition: PositionAgreement[];
}

export function tokenMetrics(sums: ScoreSums, width: number, contextLength: number): TokenMetrics {
  const n = Math.max(sums.predicted, 1);
  return {
    testPerplexity: Math.exp(sums.nllNats / n),
    testTop1Accuracy: sums.correct / n,
    teacherTop1Agreement: sums.agree / n,
    teacherKlNats: sums.klNats / n,
    agreementByPosition: sums.countByBucket.map((count, b) => ({
      fromPosition: b * width,
      toPosition: Math.min((b + 1) * width, contextLength) - 1,
      agreement: count > 0 ? sums.agreeByBucket[b]! / count : null,
      tokens: count,
    })),
  };
}
