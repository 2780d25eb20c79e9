/**
 * Stages `evaluate`, `publish`, `report`: thin wrappers around the modules in
 * `src/evaluate/`, `src/publish/` and `src/report/` (written separately). They are imported when
 * the stage runs, so the earlier stages work before those modules exist; a missing one stops the
 * job with a message naming it and `--until quantize`. Their types are imported type-only.
 *
 * Contracts (the other modules' signatures):
 *   evaluateStudent({studentDir, teacherDir, heldOutPrompts, testTokensPath, outDir, onProgress}): Promise<EvalResult>
 *   publishStudent({studentDir, modelsDir, version, canaryShare, evaluation, decide: true}): Promise<PublishResult>
 *   writeReport({runDir, evaluation, trainLogPath, stages}): Promise<string>
 */
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, cp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
// type-only: erased at run time, so the modules load only when their stage runs
import type { EvalResult, EvaluateOptions } from '../evaluate/index.ts';
import { STUDENT_NAME } from '../paths.ts';
import { parsePromptsJsonl } from '../prompts/stage.ts';
import type { PublishOptions, PublishResult } from '../publish/index.ts';
import type { ReportOptions } from '../report/index.ts';
import type { Stage, StageContext, StageRecord } from '../runner/stage-runner.ts';
import { readStageRecord } from '../runner/stage-runner.ts';

type Json = Record<string, unknown>;
type EvaluateModule = { evaluateStudent(o: EvaluateOptions): Promise<EvalResult> };
type PublishModule = { publishStudent(o: PublishOptions): Promise<PublishResult> };
type ReportModule = { writeReport(o: ReportOptions): Promise<string> };

/** Imports `src/<folder>/index.ts`. @throws Error with the way out when it does not exist yet */
async function load<T>(folder: string): Promise<T> {
  const url = new URL(`../${folder}/index.ts`, import.meta.url);
  if (!existsSync(url)) {
    throw new Error(
      `stage ${folder}: packages/distill/src/${folder}/index.ts does not exist yet — run with --until quantize (or an earlier stage)`,
    );
  }
  return (await import(url.href)) as T;
}

/** The evaluator's `onProgress(done, total)` → a progress bar. */
function progressBar(ctx: StageContext): (done: number, total: number) => void {
  let bar: ReturnType<StageContext['progress']> | null = null;
  return (done, total) => {
    bar ??= ctx.progress({ label: 'evaluate', total, unit: 'items' });
    bar.update(done);
    if (done >= total) bar.finish();
  };
}

/** JSON-safe copy (what stage.json can hold). */
const plain = (value: unknown): Json => JSON.parse(JSON.stringify(value ?? null)) as Json;
/** The evaluation as the evaluate stage stored it (JSON of the EvalResult). */
const evaluationOf = (ctx: StageContext) => ctx.output('evaluate').evaluation as unknown as EvalResult;
/** The live student's evaluation on the same slice, or null (no other live version). */
const baselineOf = (ctx: StageContext) => (ctx.output('evaluate').baseline ?? null) as unknown as EvalResult | null;

export interface LaterStagesOptions {
  /** Where the student is published (`<modelsDir>/distillgate-student/`). */
  modelsDir: string;
  /**
   * Publish into a copy instead: `<run>/publish/models/distillgate-student` starts as a copy of
   * `modelsDir`'s, so the decision compares against the real live version without touching it
   * (`--smoke`, `--publish-sandbox`).
   */
  sandbox: boolean;
  teacherDir: string;
  testTokensPath: string;
  version: string;
  canaryShare: number;
  /** Test-split tokens scored by the evaluation (`--eval-test-tokens`). */
  evalTestTokens: number;
}

/** The live student's folder (`<modelsDir>/distillgate-student/<live>`), when there is one other than `version`. */
function liveStudentDir(modelsDir: string, version: string): string | null {
  try {
    const { live } = JSON.parse(readFileSync(join(modelsDir, STUDENT_NAME, 'channels.json'), 'utf8')) as { live?: unknown };
    if (typeof live !== 'string' || live === version) return null;
    const dir = join(modelsDir, STUDENT_NAME, live);
    return existsSync(join(dir, 'manifest.json')) ? dir : null;
  } catch {
    return null;
  }
}

export function laterStages(opts: LaterStagesOptions): Stage[] {
  // the version serving now: evaluated on the same slice, so publish can compare like with like
  const baselineDir = liveStudentDir(opts.modelsDir, opts.version);
  const evaluate: Stage = {
    name: 'evaluate',
    description: 'student vs teacher on held-out prompts and the test tokens (src/evaluate)',
    inputs: () => ({
      files: [opts.testTokensPath, join(opts.teacherDir, 'manifest.json'), ...(baselineDir ? [join(baselineDir, 'manifest.json')] : [])],
      params: { maxTestTokens: opts.evalTestTokens },
      after: ['prompts', 'quantize'],
    }),
    async run(ctx) {
      const { evaluateStudent } = await load<EvaluateModule>('evaluate');
      const files = ctx.output('prompts').files as { test: string };
      const heldOutPrompts = parsePromptsJsonl(await readFile(files.test, 'utf8')).map((p) => p.text);
      const common = {
        teacherDir: opts.teacherDir,
        heldOutPrompts,
        testTokensPath: opts.testTokensPath,
        maxTestTokens: opts.evalTestTokens,
      };
      const evaluation = await evaluateStudent({
        ...common,
        studentDir: String(ctx.output('quantize').studentDir),
        outDir: ctx.dir,
        onProgress: progressBar(ctx),
      });
      const baseline = baselineDir
        ? await evaluateStudent({ ...common, studentDir: baselineDir, outDir: join(ctx.dir, 'baseline'), onProgress: progressBar(ctx) })
        : null;
      return { evaluation: plain(evaluation), baseline: plain(baseline), heldOutPrompts: heldOutPrompts.length };
    },
  };
  const publish: Stage = {
    name: 'publish',
    description: 'publish the student as a canary, then promote or roll back by the evaluation (src/publish)',
    inputs: () => ({
      after: ['quantize', 'evaluate'],
      params: { modelsDir: opts.modelsDir, sandbox: opts.sandbox, version: opts.version, canaryShare: opts.canaryShare },
    }),
    async run(ctx) {
      const { publishStudent } = await load<PublishModule>('publish');
      let modelsDir = opts.modelsDir;
      if (opts.sandbox) {
        modelsDir = join(ctx.dir, 'models');
        await rm(modelsDir, { recursive: true, force: true });
        await cp(join(opts.modelsDir, STUDENT_NAME), join(modelsDir, STUDENT_NAME), { recursive: true });
        ctx.log('publish.sandbox', { modelsDir });
      }
      const result = await publishStudent({
        studentDir: String(ctx.output('quantize').studentDir),
        modelsDir,
        version: opts.version,
        canaryShare: opts.canaryShare,
        evaluation: evaluationOf(ctx),
        baseline: baselineOf(ctx),
        decide: true,
      });
      ctx.log('publish.outcome', {
        version: opts.version,
        outcome: result.outcome,
        reason: result.reason,
        channels: plain(result.channels),
      });
      return { modelsDir, sandbox: opts.sandbox, publish: plain(result) };
    },
  };
  const report: Stage = {
    name: 'report',
    description: 'write the run report (src/report)',
    inputs: () => ({ after: ['teacher', 'train', 'evaluate', 'publish'] }),
    async run(ctx) {
      const { writeReport } = await load<ReportModule>('report');
      const stages: StageRecord[] = [];
      for (const name of ['prompts', 'teacher', 'train', 'export', 'quantize', 'evaluate', 'publish']) {
        const rec = await readStageRecord(join(ctx.runDir, name));
        if (rec) stages.push(rec);
      }
      const path = await writeReport({
        runDir: ctx.runDir,
        evaluation: evaluationOf(ctx),
        baseline: baselineOf(ctx),
        trainLogPath: String(ctx.output('train').log),
        stages,
      });
      const published = (ctx.output('publish').publish ?? null) as { outcome?: string; reason?: string; channels?: unknown } | null;
      if (published?.outcome) {
        const sandbox = ctx.output('publish').sandbox === true ? ' (into a sandbox copy of models/, not the repository)' : '';
        await appendFile(
          path,
          `\n## Publish\n\n**${published.outcome}**${sandbox}: ${published.reason ?? ''}\n\nchannels.json now: \`${JSON.stringify(published.channels)}\`\n`,
        );
      }
      ctx.log('report.written', { path });
      return { path };
    },
  };
  return [evaluate, publish, report];
}
