/**
 * One JSON-line log per stage: `{"t": <ISO time>, "stage", "event", ...fields}` appended to the
 * stage's `stage.log.jsonl` and written to stdout (or `write`). Prompts and keys never go here
 * (DESIGN.md §6): callers log counts, hashes and paths.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { printLine } from './progress.ts';

export type StageLog = (event: string, fields?: Record<string, unknown>) => void;

export function stageLogger(stage: string, path: string, write?: (line: string) => void): StageLog {
  let madeDir = false;
  return function log(event, fields = {}) {
    const line = JSON.stringify({ t: new Date().toISOString(), stage, event, ...fields });
    if (!madeDir) {
      mkdirSync(dirname(path), { recursive: true });
      madeDir = true;
    }
    appendFileSync(path, `${line}\n`);
    (write ?? printLine)(line);
  };
}
