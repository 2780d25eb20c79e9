/**
 * The stage runner: a job is a list of stages run in order, each in its own folder
 * `<runDir>/<stage>/` with a `stage.json`:
 *
 *   {"stage", "inputsSha256", "inputs": {files: {path: sha256}, params, after: {stage: outputSha256}},
 *    "complete", "attempts", "startedAt", "finishedAt"?, "elapsedMs", "outputSha256"?, "summary"?}
 *
 * `inputsSha256` hashes what the stage declares it reads: file contents, parameters, and the
 * `outputSha256` of the earlier stages it depends on (so a changed upstream re-runs everything
 * after it). `complete: true` is written last, by atomic rename, once the stage's own work is on
 * disk. On the next run a stage is
 *   - skipped when complete and its inputs hash the same;
 *   - resumed (`ctx.resume`, folder kept) when incomplete with the same inputs — the stage's own
 *     checkpoints (shards, ckpt.pt…) carry on from where it stopped;
 *   - started afresh (folder emptied) when its inputs changed, or when `from` names it or an
 *     earlier stage.
 * Every stage logs JSON lines to `<stage>/stage.log.jsonl` and to `log` (stdout by default).
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { canonicalJson, sha256File, sha256Hex, writeJsonAtomic } from './files.ts';
import { createProgress, type Progress, type ProgressOptions } from './progress.ts';
import { type StageLog, stageLogger } from './stage-log.ts';

export interface StageInputs {
  /** Files whose contents the stage reads (hashed). */
  files?: string[];
  /** Parameters that change the output (JSON). */
  params?: unknown;
  /** Earlier stages whose output the stage reads (their `outputSha256` is hashed). */
  after?: string[];
}

export interface StageRecord {
  stage: string;
  inputsSha256: string;
  inputs: { files: Record<string, string>; params: unknown; after: Record<string, string> };
  complete: boolean;
  attempts: number;
  startedAt: string;
  finishedAt?: string;
  /** Wall time over all attempts. */
  elapsedMs: number;
  /** sha256 of the canonical JSON of `summary`. */
  outputSha256?: string;
  summary?: Record<string, unknown>;
}

export interface StageContext {
  stage: string;
  /** `<runDir>/<stage>`, exists. */
  dir: string;
  runDir: string;
  /** True when an earlier attempt with the same inputs left work in `dir`. */
  resume: boolean;
  signal: AbortSignal;
  log: StageLog;
  progress(opts: Omit<ProgressOptions, 'stream'>): Progress;
  /** The summary of a complete earlier stage. @throws Error when it is not complete */
  output(stage: string): Record<string, unknown>;
}

export interface Stage {
  name: string;
  /** One line for `--help` and logs. */
  description: string;
  inputs(ctx: Pick<StageContext, 'runDir' | 'output'>): StageInputs | Promise<StageInputs>;
  /** Does the work; the summary it returns (JSON) is kept in stage.json. */
  run(ctx: StageContext): Promise<Record<string, unknown>>;
}

export interface RunOptions {
  runDir: string;
  /** Force this stage and every later one to start afresh. */
  from?: string;
  /** Stop after this stage. */
  until?: string;
  signal?: AbortSignal;
  /** Where JSON lines go besides each stage's log file. @default stdout */
  write?: (line: string) => void;
  stream?: NodeJS.WriteStream;
}

export type StageOutcome = 'skipped' | 'completed';
export interface StageResult {
  stage: string;
  outcome: StageOutcome;
  record: StageRecord;
}

/** Read `<dir>/stage.json`, or null when absent or unreadable (a fresh stage). */
export async function readStageRecord(dir: string): Promise<StageRecord | null> {
  try {
    return JSON.parse(await readFile(join(dir, 'stage.json'), 'utf8')) as StageRecord;
  } catch {
    return null;
  }
}

async function hashInputs(declared: StageInputs, outputs: Map<string, StageRecord>): Promise<StageRecord['inputs']> {
  const files: Record<string, string> = {};
  for (const f of declared.files ?? []) {
    try {
      files[resolve(f)] = await sha256File(f);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`input ${resolve(f)} does not exist`);
      throw error;
    }
  }
  const after: Record<string, string> = {};
  for (const name of declared.after ?? []) {
    const rec = outputs.get(name);
    if (!rec?.complete || !rec.outputSha256) throw new Error(`stage needs "${name}" to be complete first`);
    after[name] = rec.outputSha256;
  }
  return { files, params: declared.params ?? null, after };
}

function indexOfStage(stages: Stage[], name: string | undefined, flag: string): number {
  if (name === undefined) return -1;
  const i = stages.findIndex((s) => s.name === name);
  if (i < 0) throw new Error(`${flag} ${name}: no such stage (${stages.map((s) => s.name).join(', ')})`);
  return i;
}

/**
 * Runs `stages` in order up to `until`.
 * @throws the first stage error (that stage stays incomplete and resumes next time); an abort
 * through `signal` ends the current stage the same way
 */
export async function runStages(stages: Stage[], opts: RunOptions): Promise<StageResult[]> {
  const fromIndex = indexOfStage(stages, opts.from, '--from');
  const untilIndex = indexOfStage(stages, opts.until, '--until');
  const last = untilIndex < 0 ? stages.length - 1 : untilIndex;
  const signal = opts.signal ?? new AbortController().signal;
  const outputs = new Map<string, StageRecord>();
  const output = (name: string) => {
    const rec = outputs.get(name);
    if (!rec?.complete || !rec.summary) throw new Error(`stage "${name}" has no output yet`);
    return rec.summary;
  };
  const results: StageResult[] = [];
  await mkdir(opts.runDir, { recursive: true });

  for (const [i, stage] of stages.entries()) {
    if (i > last) break;
    signal.throwIfAborted();
    const dir = join(opts.runDir, stage.name);
    const log = stageLogger(stage.name, join(dir, 'stage.log.jsonl'), opts.write);
    const inputs = await hashInputs(await stage.inputs({ runDir: opts.runDir, output }), outputs).catch((error: Error) => {
      throw new Error(`stage ${stage.name}: ${error.message}`);
    });
    const inputsSha256 = sha256Hex(canonicalJson(inputs));
    const prev = await readStageRecord(dir);
    const forced = fromIndex >= 0 && i >= fromIndex;
    const same = prev !== null && prev.inputsSha256 === inputsSha256 && !forced;

    if (same && prev.complete) {
      outputs.set(stage.name, prev);
      results.push({ stage: stage.name, outcome: 'skipped', record: prev });
      log('stage.skip', { reason: 'complete, inputs unchanged', inputsSha256 });
      continue;
    }
    if (!same) await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const resume = same; // incomplete, same inputs: the stage's checkpoints are valid
    const record: StageRecord = {
      stage: stage.name,
      inputsSha256,
      inputs,
      complete: false,
      attempts: (resume ? prev.attempts : 0) + 1,
      startedAt: resume ? prev.startedAt : new Date().toISOString(),
      elapsedMs: resume ? prev.elapsedMs : 0,
    };
    await writeJsonAtomic(join(dir, 'stage.json'), record);
    log('stage.start', {
      description: stage.description,
      resume,
      attempt: record.attempts,
      reason: forced ? '--from' : prev === null ? 'new' : resume ? 'incomplete' : 'inputs changed',
    });
    const began = Date.now();
    const ctx: StageContext = {
      stage: stage.name,
      dir,
      runDir: opts.runDir,
      resume,
      signal,
      log,
      output,
      progress: (p) => createProgress({ ...p, ...(opts.stream ? { stream: opts.stream } : {}) }),
    };
    let summary: Record<string, unknown>;
    try {
      summary = await stage.run(ctx);
    } catch (error) {
      record.elapsedMs += Date.now() - began;
      await writeJsonAtomic(join(dir, 'stage.json'), record);
      const aborted = signal.aborted;
      log(aborted ? 'stage.interrupted' : 'stage.failed', {
        elapsedMs: Date.now() - began,
        error: error instanceof Error ? error.message : String(error),
        next: 'run the same command again to resume',
      });
      throw error;
    }
    record.elapsedMs += Date.now() - began;
    const done: StageRecord = {
      ...record,
      complete: true,
      finishedAt: new Date().toISOString(),
      outputSha256: sha256Hex(canonicalJson(summary)),
      summary,
    };
    await writeJsonAtomic(join(dir, 'stage.json'), done); // complete: true, last
    outputs.set(stage.name, done);
    results.push({ stage: stage.name, outcome: 'completed', record: done });
    log('stage.done', { elapsedMs: record.elapsedMs, attempts: record.attempts });
  }
  return results;
}
