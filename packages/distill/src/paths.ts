/**
 * Where the job reads and writes: the repository (models/, the trainer's scripts), the cache
 * (`$DISTILLGATE_CACHE`, default `~/.cache/distillgate`: corpus, tokenizer, runs), model channels.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (child processes run there). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const TEACHER_NAME = 'distillgate-teacher';
export const STUDENT_NAME = 'distillgate-student';

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DISTILLGATE_CACHE || join(homedir(), '.cache', 'distillgate');
}

/** `${DISTILLGATE_PYTHON:-/usr/bin/python3}` (the `python3` on PATH may lack torch). */
export function pythonPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DISTILLGATE_PYTHON || '/usr/bin/python3';
}

export const trainerScript = (name: string) => join(ROOT, 'gpu-worker', 'trainer', name);

/** `<modelsDir>/<name>/channels.json` → its `live` version. @throws Error when absent */
export function liveVersion(modelsDir: string, name: string): string {
  const path = join(modelsDir, name, 'channels.json');
  const { live } = JSON.parse(readFileSync(path, 'utf8')) as { live?: unknown };
  if (typeof live !== 'string') throw new Error(`${path} has no "live" version`);
  return live;
}

/** `<modelsDir>/<name>/<live>` */
export const liveDir = (modelsDir: string, name: string) => join(modelsDir, name, liveVersion(modelsDir, name));

/** 1.2.3 → 1.2.4 (a pre-release or build suffix is dropped). @throws Error on a non-semver string */
export function nextPatch(version: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) throw new Error(`"${version}" is not a semantic version`);
  return `${m[1]}.${m[2]}.${Number(m[3]) + 1}`;
}
