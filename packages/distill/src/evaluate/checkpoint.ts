/**
 * Resumable test-split scoring (DESIGN.md §6: long jobs checkpoint and resume): the running sums
 * after each finished window, in `<outDir>/evaluation.checkpoint.json`, written atomically (temporary
 * file + rename) at most every `intervalMs`. A checkpoint is used only when its `key` — a hash of
 * everything the sums depend on — matches; it is deleted once evaluation.json is written.
 */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../runner/files.ts';
import type { ScoreSums } from './scoring.ts';

export interface ScoringState {
  /** Windows fully scored (0 … windows). */
  windowsDone: number;
  /** Per student variant ('fp32', 'int8'). */
  students: Record<string, ScoreSums>;
  teacher: ScoreSums;
}

interface CheckpointFile extends ScoringState {
  key: string;
}

export const checkpointPath = (outDir: string) => join(outDir, 'evaluation.checkpoint.json');

/** sha256 of the JSON of `parts` (model file hashes, test slice hash, context, runtimes, buckets). */
export const checkpointKey = (parts: unknown) => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

/** The saved state for `key`, or null (none, another key, or unreadable). */
export async function loadCheckpoint(outDir: string, key: string): Promise<ScoringState | null> {
  try {
    const saved = JSON.parse(await readFile(checkpointPath(outDir), 'utf8')) as CheckpointFile;
    return saved.key === key ? { windowsDone: saved.windowsDone, students: saved.students, teacher: saved.teacher } : null;
  } catch {
    return null;
  }
}

export async function saveCheckpoint(outDir: string, key: string, state: ScoringState): Promise<void> {
  await writeFileAtomic(checkpointPath(outDir), JSON.stringify({ key, ...state } satisfies CheckpointFile));
}

export const removeCheckpoint = (outDir: string) => rm(checkpointPath(outDir), { force: true });
