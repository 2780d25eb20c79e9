/**
 * The whole evaluation as one resumable job: prompts → run folder → collection (checkpointed) →
 * teacher throughput (once per run) → analysis → report. Stages that already finished in the run
 * folder are read back, not redone.
 *
 * Run folder `<cache>/routing-eval/<run>/`: `run.json` (the inputs that make records comparable:
 * models, M, the prompt set's sha256), `prompts.jsonl`, `records.jsonl`, `throughput.json`.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir, printLine, writeJsonAtomic } from '@distillgate/distill';
import { analyze } from './analyze.ts';
import { collectRecords } from './collect.ts';
import { DEFAULT_PRICES, type Prices } from './costs.ts';
import { loadEngines } from './engines.ts';
import { buildHeldOutPrompts, parseCorpusJsonl, promptSetSha256, promptsFromLines, type RoutingPrompt } from './prompts.ts';
import { writeReport } from './report.ts';
import { measureTeacherThroughput, type ThroughputResult } from './throughput.ts';

export interface RunOptions {
  /** A prompt file (one per line); else the corpus validation split. */
  promptsFile?: string;
  /** @default <cache>/corpus/validation.jsonl */
  corpusPath?: string;
  /** @default 600 */
  evalPrompts?: number;
  /** @default 0.4 */
  trainShare?: number;
  /** M. @default 32 */
  maxTokens?: number;
  /** K. @default 8 */
  probeTokens?: number;
  /** Run folder name. @default `<student>-<teacher>-m<M>-<set sha256 prefix>` */
  run?: string;
  /** Parent of run folders. @default <cache>/routing-eval */
  runsDir?: string;
  /** @default docs/routing-eval */
  outDir?: string;
  /** @default models */
  modelsDir?: string;
  /** @default 1000 */
  resamples?: number;
  /** @default 20260801 */
  seed?: number;
  /** @default 0.95 */
  target?: number;
  prices?: Partial<Prices>;
  /** Use this teacher throughput instead of the measured one (re-pricing). */
  teacherTokensPerS?: number;
  /** Requests in the throughput measurement. @default 96 */
  throughputPrompts?: number;
  quiet?: boolean;
  /** Shown in the report. @default 'npm run eval:routing' */
  command?: string;
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function loadPrompts(o: RunOptions): Promise<{ prompts: RoutingPrompt[]; source: string }> {
  if (o.promptsFile)
    return {
      prompts: promptsFromLines(await readFile(o.promptsFile, 'utf8'), o.promptsFile, o.trainShare),
      source: `prompt file \`${o.promptsFile}\``,
    };
  const path = o.corpusPath ?? join(cacheDir(), 'corpus', 'validation.jsonl');
  const docs = parseCorpusJsonl(await readFile(path, 'utf8'), path);
  const prompts = buildHeldOutPrompts(docs, { evalTarget: o.evalPrompts ?? 600, trainShare: o.trainShare ?? 0.4 });
  return {
    prompts,
    source: `corpus validation split \`${path}\` (${docs.length} documents; never used by distillation), line openings of ≥ 40 chars cut at ≤ 300`,
  };
}

/** Runs (or resumes) the evaluation; returns the output folder. */
export async function runRoutingEval(o: RunOptions = {}): Promise<{ outDir: string; met: boolean }> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const log = (text: string) => (o.quiet ? undefined : printLine(text));
  const maxTokens = o.maxTokens ?? 32;
  const probeTokens = o.probeTokens ?? 8;
  const { prompts, source } = await loadPrompts(o);
  if (prompts.length === 0) throw new Error('no prompts');
  const sha = promptSetSha256(prompts);
  const engines = await loadEngines(o.modelsDir ?? 'models');
  try {
    const ids = { student: engines.student.modelId, teacher: engines.teacher.modelId };
    const runName = o.run ?? `${engines.student.manifest.version}-${engines.teacher.manifest.version}-m${maxTokens}-${sha.slice(0, 8)}`;
    const runDir = join(o.runsDir ?? join(cacheDir(), 'routing-eval'), runName);
    await mkdir(runDir, { recursive: true });
    const config = { studentModel: ids.student, teacherModel: ids.teacher, maxTokens, promptSetSha256: sha };
    const existing = await readJson<typeof config>(join(runDir, 'run.json'));
    if (existing && JSON.stringify(existing) !== JSON.stringify(config))
      throw new Error(`${runDir}/run.json was made with different inputs (${JSON.stringify(existing)}); use another --run`);
    await writeJsonAtomic(join(runDir, 'run.json'), config);
    await writeJsonAtomic(join(runDir, 'prompts.json'), prompts);
    const counts = { train: prompts.filter((p) => p.split === 'train').length, eval: prompts.filter((p) => p.split === 'eval').length };
    log(`routing eval: ${prompts.length} prompts (${counts.train} train, ${counts.eval} eval), M = ${maxTokens}, run ${runDir}`);

    // wall time spent measuring, summed over every stretch of the run (the job may be resumed)
    const timingsPath = join(runDir, 'timings.json');
    const timings = (await readJson<{ measureMs: number }>(timingsPath)) ?? { measureMs: 0 };
    const measureStarted = Date.now();
    const records = await collectRecords(engines, prompts, { path: join(runDir, 'records.jsonl'), maxTokens, quiet: o.quiet ?? false });

    let throughput = await readJson<ThroughputResult>(join(runDir, 'throughput.json'));
    if (!throughput) {
      log('measuring teacher throughput (batched, 16 concurrent)…');
      const sample = prompts.slice(0, o.throughputPrompts ?? 96).map((p) => p.text);
      throughput = await measureTeacherThroughput(engines.teacher, sample, { maxTokens, concurrency: 16 });
      await writeJsonAtomic(join(runDir, 'throughput.json'), throughput);
    }
    timings.measureMs += Date.now() - measureStarted;
    await writeJsonAtomic(timingsPath, timings);
    log(`teacher throughput ${throughput.tokensPerS.toFixed(0)} tokens/s (CPU)`);

    const prices: Prices = { ...DEFAULT_PRICES, ...o.prices };
    const train = records.filter((r) => r.split === 'train');
    const held = records.filter((r) => r.split === 'eval');
    // a tiny prompt file may leave a split empty: then everything is both (the report says so)
    const overlap = train.length === 0 || held.length === 0;
    const evalRecords = overlap ? records : held;
    const resamples = o.resamples ?? 1000;
    const seed = o.seed ?? 20_260_801;
    const analysis = analyze(overlap ? [] : train, evalRecords, {
      prices,
      teacherTokensPerS: o.teacherTokensPerS ?? throughput.tokensPerS,
      probeTokens,
      maxTokens,
      target: o.target ?? 0.95,
      resamples,
      seed,
    });
    const outDir = o.outDir ?? 'docs/routing-eval';
    await mkdir(outDir, { recursive: true });
    await writeReport(
      outDir,
      analysis,
      {
        command: o.command ?? 'npm run eval:routing',
        runDir,
        startedAt,
        elapsedMs: Date.now() - started,
        measureMs: timings.measureMs,
        promptSource: source,
        promptSetSha256: sha,
        studentModel: ids.student,
        teacherModel: ids.teacher,
        maxTokens,
        probeTokens,
        resamples,
        seed,
        prices,
        throughput: o.teacherTokensPerS ? { ...throughput, tokensPerS: o.teacherTokensPerS } : throughput,
      },
      evalRecords,
    );
    log(`report: ${join(outDir, 'REPORT.md')} — target ${analysis.target.met ? 'met' : 'not met'}`);
    return { outDir, met: analysis.target.met };
  } finally {
    await engines.close();
  }
}
