/**
 * Scores the test split window by window (teacher once, every student graph against it) into the
 * running sums of scoring.ts, resuming from and saving to the checkpoint (checkpoint.ts).
 */
import { checkpointKey, loadCheckpoint, type ScoringState, saveCheckpoint } from './checkpoint.ts';
import type { LoadedModel, LoadedModels } from './models.ts';
import { addTeacherWindow, addWindow, emptySums, teacherRows } from './scoring.ts';
import type { Window } from './test-split.ts';

export interface SplitScoringOptions {
  outDir: string;
  /** sha256 of the test tokens used (part of the checkpoint key). */
  testSha256: string;
  contextLength: number;
  positionBuckets: number;
  /** Positions per bucket. */
  bucketWidth: number;
  checkpointIntervalMs: number;
  /** Called with the windows done so far (first with the resumed count). */
  progress: (done: number) => void;
}

/** Logits [S, V] of one window fed as a fresh sequence (prefill only). */
async function forwardOnce(model: LoadedModel, inputs: readonly number[]) {
  const seq = model.decoder.newSequence();
  try {
    return await model.decoder.forward(seq, inputs); // logits are a plain output tensor: kept after dispose
  } finally {
    seq.dispose();
  }
}

/** @returns the sums over every window */
export async function scoreTestSplit(m: LoadedModels, ws: readonly Window[], o: SplitScoringOptions): Promise<ScoringState> {
  const key = checkpointKey({
    files: [m.teacher, ...m.students.map((s) => s.model)].map((x) => [x.runtime, x.file, x.manifest.files?.[x.file]?.sha256]),
    test: o.testSha256,
    T: o.contextLength,
    buckets: o.positionBuckets,
  });
  const state: ScoringState = (await loadCheckpoint(o.outDir, key)) ?? {
    windowsDone: 0,
    students: Object.fromEntries(m.students.map((s) => [s.name, emptySums(o.positionBuckets)])),
    teacher: emptySums(o.positionBuckets),
  };
  let savedAt = Date.now();
  o.progress(state.windowsDone);
  for (let i = state.windowsDone; i < ws.length; i++) {
    const { inputs, targets } = ws[i]!;
    const t = teacherRows(await forwardOnce(m.teacher, inputs));
    addTeacherWindow(state.teacher, t, targets);
    for (const s of m.students) addWindow(state.students[s.name]!, await forwardOnce(s.model, inputs), t, targets, o.bucketWidth);
    state.windowsDone = i + 1;
    if (Date.now() - savedAt >= o.checkpointIntervalMs || i + 1 === ws.length) {
      await saveCheckpoint(o.outDir, key, state);
      savedAt = Date.now();
    }
    o.progress(i + 1);
  }
  return state;
}
