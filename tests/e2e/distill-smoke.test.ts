/**
 * The distillation job through its CLI, as `npm run distill` runs it (`node --import tsx
 * packages/distill/src/cli.ts --smoke …`), with the committed teacher served by the gpu-worker the
 * job starts itself. One run folder, three commands' worth of stages:
 *
 * 1. Resume. A run stopped with SIGINT (sent to its process group, as Ctrl-C in a terminal does)
 *    right after the teacher stage's first shard exits 130; the same command again skips `prompts`
 *    (stage.json byte-identical), resumes `teacher` (attempt 2; `alreadyDone` is what index.json
 *    held; the earlier shards and continuations.jsonl stay as they were; new shards cover exactly
 *    the rest), and the shards then hold the planned 64 sequences, each the plan's window, none twice.
 * 2. Learning. In the same folder (prompts and teacher skipped, teacher/stage.json untouched): the
 *    step-0 student (`--set token_budget=0`: distill.py saves its seeded initialisation and stops),
 *    then a STEPS-step student from the same seed, each exported, quantized and evaluated. kd_loss
 *    falls (first vs last `distill.progress` of train/log.jsonl) and the trained student's top-1
 *    agreement with the teacher on the test tokens (evaluate/evaluation.json) beats the untrained one's.
 *
 * Size: the CLI has no flag for the evaluation's size (evaluateStudent's maxTestTokens, 65,536 test
 * tokens: ~70 s per evaluation on 2 loaded cores), so the job gets its own cache folder
 * ($DISTILLGATE_CACHE): the tokenizer files and corpus linked from the usual cache (built with
 * corpus.py + bpe.py into the temp folder when that cache is missing or has another tokenizer than
 * the teacher's, as CI's is), test.bin cut to its first EVAL_TEST_TOKENS ids and the corpus test
 * split to its first HELD_OUT_DOCS documents (the held-out prompts). ~2–3 min on 2 loaded cores.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonSkipReason, runTrainer } from '../../gpu-worker/trainer/test/python.ts';
import { SEQ_LEN } from '../../packages/distill/src/options.ts';
import { cacheDir } from '../../packages/distill/src/paths.ts';
import { parsePromptsJsonl } from '../../packages/distill/src/prompts/stage.ts';
import { readShard, type ShardSource } from '../../packages/distill/src/shards/shard.ts';
import type { ShardEntry } from '../../packages/distill/src/shards/shard-set.ts';
import { loadContinuations } from '../../packages/distill/src/teacher/continuations.ts';
import {
  continuationStream,
  corpusPlan,
  readTokenFile,
  type SequencePlan,
  streamPlan,
} from '../../packages/distill/src/teacher/sequences.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'packages', 'distill', 'src', 'cli.ts');
const TEACHER = join(ROOT, 'models', 'distillgate-teacher');

/** --smoke scores ⌊64·255 / 255⌋ sequences (options.ts). */
const PLANNED = 64;
/** Training steps of the trained student (batch 4, --smoke); warmup shortened to 4 of them. */
const STEPS = 40;
const BATCH = 4;
/** The evaluation's slice: 32 windows of 256, and 16 held-out prompts. */
const EVAL_TEST_TOKENS = 8192;
const HELD_OUT_DOCS = 16;

const BUILD_TIMEOUT_MS = 600_000;
const RESUME_TIMEOUT_MS = 300_000;
const LEARN_TIMEOUT_MS = 480_000;

const skipReason =
  pythonSkipReason() ?? (existsSync(join(TEACHER, 'channels.json')) ? null : 'no committed teacher under models/distillgate-teacher');
if (skipReason) console.warn(`[distill-smoke] ${skipReason}`);

type Json = Record<string, unknown>;
interface LogEvent extends Json {
  event: string;
  stage?: string;
}
interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: LogEvent[];
  /** The last lines of stdout + stderr, for failure messages. */
  tail: string;
}
interface StageRecord {
  stage: string;
  complete: boolean;
  attempts: number;
  startedAt: string;
  finishedAt?: string;
  summary?: Json;
}
interface Evaluation {
  testSplit: { tokens: number; windows: number; sha256: string };
  variants: Record<'fp32' | 'int8', { teacherTop1Agreement: number; teacherKlNats: number; greedy: { prompts: number } } | null>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const liveTeacherDir = () => join(TEACHER, readJson<{ live: string }>(join(TEACHER, 'channels.json')).live);

/**
 * Runs the CLI in its own process group. `onEvent` sees every JSON line (stdout and stderr: the
 * stage logs and the trainer's) with a way to Ctrl-C the group.
 */
function distill(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, onEvent?: (e: LogEvent, ctrlC: () => void) => void) {
  return new Promise<CliRun>((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: ROOT,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const group = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    const events: LogEvent[] = [];
    const tail: string[] = [];
    const ctrlC = () => group('SIGINT');
    const lines = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      const each = (line: string) => {
        tail.push(line.slice(0, 400));
        if (tail.length > 60) tail.shift();
        if (!line.startsWith('{')) return;
        let e: LogEvent;
        try {
          e = JSON.parse(line) as LogEvent;
        } catch {
          return;
        }
        events.push(e);
        onEvent?.(e, ctrlC);
      };
      stream.on('data', (buf: Buffer) => {
        const parts = (rest + buf.toString('utf8')).split('\n');
        rest = parts.pop() ?? '';
        for (const p of parts) each(p);
      });
      stream.on('end', () => rest !== '' && each(rest));
    };
    lines(child.stdout!);
    lines(child.stderr!);
    const timer = setTimeout(() => {
      group('SIGINT');
      setTimeout(() => group('SIGKILL'), 15_000).unref();
      reject(new Error(`distill ${args.join(' ')} ran over ${timeoutMs} ms:\n${tail.join('\n')}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, events, tail: tail.join('\n') });
    });
  });
}

const stageEvents = (run: CliRun, stage: string) => run.events.filter((e) => e.stage === stage);
const stageEvent = (run: CliRun, stage: string, event: string) => stageEvents(run, stage).find((e) => e.event === event);

/** The usual cache when it holds the corpus and the teacher's tokenizer, else a fresh build (corpus.py + bpe.py) under `dir`. */
async function corpusAndTokenizer(dir: string, tokenizerSha256: string): Promise<string> {
  const usual = cacheDir(process.env);
  const needed = [
    ...['train.jsonl', 'test.jsonl'].map((f) => join(usual, 'corpus', f)),
    ...['tokenizer.json', 'tokenizer_config.json', 'tokens.json', 'train.bin', 'validation.bin', 'test.bin'].map((f) =>
      join(usual, 'tokenizer', f),
    ),
  ];
  if (needed.every((f) => existsSync(f)) && sha256(readFileSync(join(usual, 'tokenizer', 'tokenizer.json'))) === tokenizerSha256) {
    return usual;
  }
  const built = join(dir, 'built');
  await runTrainer('corpus.py', ['--out', join(built, 'corpus')], BUILD_TIMEOUT_MS);
  await runTrainer('bpe.py', ['--corpus', join(built, 'corpus'), '--out', join(built, 'tokenizer')], BUILD_TIMEOUT_MS);
  const got = sha256(readFileSync(join(built, 'tokenizer', 'tokenizer.json')));
  if (got !== tokenizerSha256) throw new Error(`bpe.py built tokenizer ${got}; the committed teacher's is ${tokenizerSha256}`);
  return built;
}

/** `<cache>/{corpus,tokenizer}` linking `source`'s files, with test.bin and corpus/test.jsonl cut short. */
function smallCache(cache: string, source: string): void {
  for (const sub of ['corpus', 'tokenizer']) {
    mkdirSync(join(cache, sub), { recursive: true });
    for (const f of readdirSync(join(source, sub))) {
      if ((sub === 'corpus' && f === 'test.jsonl') || (sub === 'tokenizer' && f === 'test.bin')) continue;
      symlinkSync(join(source, sub, f), join(cache, sub, f));
    }
  }
  const testBin = readFileSync(join(source, 'tokenizer', 'test.bin'));
  writeFileSync(join(cache, 'tokenizer', 'test.bin'), testBin.subarray(0, 2 * EVAL_TEST_TOKENS));
  const docs = readFileSync(join(source, 'corpus', 'test.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean);
  writeFileSync(join(cache, 'corpus', 'test.jsonl'), `${docs.slice(0, HELD_OUT_DOCS).join('\n')}\n`);
}

describe.skipIf(skipReason !== null)('npm run distill --smoke: resume and learning, against the committed teacher', () => {
  let dir: string;
  let cache: string;
  let runDir: string;
  let env: NodeJS.ProcessEnv;
  const base = () => ['--smoke', '--out', runDir, '--shard-sequences', '8'];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'distill-smoke-'));
    cache = join(dir, 'cache');
    runDir = join(dir, 'run');
    const tokenizerSha256 = readJson<{ tokenizer_sha256: string }>(join(liveTeacherDir(), 'manifest.json')).tokenizer_sha256;
    smallCache(cache, await corpusAndTokenizer(dir, tokenizerSha256));
    env = { ...process.env, DISTILLGATE_CACHE: cache, ORT_DISABLE_TELEMETRY: '1', PYTHONUNBUFFERED: '1' };
  }, BUILD_TIMEOUT_MS);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'an interrupted run resumes: finished stages skipped, scored sequences kept, exactly the planned shards',
    async () => {
      const teacherDir = join(runDir, 'teacher');
      let interrupted = false;
      const first = await distill([...base(), '--until', 'teacher'], env, RESUME_TIMEOUT_MS, (e, ctrlC) => {
        if (e.stage === 'teacher' && e.event === 'teacher.shard' && !interrupted) {
          interrupted = true; // once: a second Ctrl-C quits without the checkpoint
          ctrlC();
        }
      });
      expect(first.code, first.tail).toBe(130);
      expect(stageEvent(first, 'prompts', 'stage.done'), first.tail).toBeDefined();
      expect(stageEvent(first, 'teacher', 'stage.interrupted'), first.tail).toBeDefined();
      const plan1 = stageEvent(first, 'teacher', 'teacher.plan')!.sequences as { corpus: number; continuation: number };
      expect(plan1.corpus + plan1.continuation).toBe(PLANNED);

      const promptsRecord = readFileSync(join(runDir, 'prompts', 'stage.json'), 'utf8');
      const teacher1 = readJson<StageRecord>(join(teacherDir, 'stage.json'));
      expect(teacher1).toMatchObject({ complete: false, attempts: 1 });
      const kept = readJson<{ shards: ShardEntry[] }>(join(teacherDir, 'index.json')).shards;
      const keptFiles = new Map(kept.map((s) => [s.name, readFileSync(join(teacherDir, `${s.name}.bin`))]));
      const doneBefore = (source: ShardSource) => kept.filter((s) => s.source === source).reduce((n, s) => n + s.count, 0);
      const scoredBefore = doneBefore('corpus-train') + doneBefore('continuation');
      expect(scoredBefore).toBeGreaterThan(0);
      expect(scoredBefore).toBeLessThan(PLANNED);
      const continuations = readFileSync(join(teacherDir, 'continuations.jsonl'));

      const second = await distill([...base(), '--until', 'teacher'], env, RESUME_TIMEOUT_MS);
      expect(second.code, second.tail).toBe(0);
      // prompts: skipped, its record untouched (same attempts, same finishedAt: the same bytes)
      expect(stageEvent(second, 'prompts', 'stage.skip'), second.tail).toBeDefined();
      expect(stageEvent(second, 'prompts', 'stage.start')).toBeUndefined();
      expect(readFileSync(join(runDir, 'prompts', 'stage.json'), 'utf8')).toBe(promptsRecord);
      // teacher: resumed, not restarted
      expect(stageEvent(second, 'teacher', 'stage.start')).toMatchObject({ resume: true, attempt: 2, reason: 'incomplete' });
      expect(stageEvent(second, 'teacher', 'teacher.plan')).toMatchObject({
        sequences: plan1,
        alreadyDone: { corpus: doneBefore('corpus-train'), continuation: doneBefore('continuation') },
      });
      const newShards = stageEvents(second, 'teacher').filter((e) => e.event === 'teacher.shard') as unknown as ShardEntry[];
      expect(newShards.reduce((n, s) => n + s.count, 0)).toBe(PLANNED - scoredBefore); // only the rest was scored
      expect(newShards.filter((s) => keptFiles.has(s.name))).toEqual([]);
      expect(readFileSync(join(teacherDir, 'continuations.jsonl')).equals(continuations)).toBe(true); // nothing regenerated
      const ranges = (shards: ShardEntry[]) => shards.map((s) => `${s.source}[${s.first},${s.first + s.count})`).join(' ');
      console.info(
        `[distill-smoke] interrupted with ${scoredBefore}/${PLANNED} scored: kept ${ranges(kept)}; resumed ${ranges(newShards)}`,
      );
      const teacher2 = readJson<StageRecord>(join(teacherDir, 'stage.json'));
      expect(teacher2).toMatchObject({ complete: true, attempts: 2, startedAt: teacher1.startedAt });
      expect((teacher2.summary!.generation as { generatedTokens: number }).generatedTokens).toBe(0);

      // the shard set: the kept shards as they were, then the new ones; nothing else on disk
      const index = readJson<{ shards: ShardEntry[] }>(join(teacherDir, 'index.json')).shards;
      expect(index.slice(0, kept.length)).toEqual(kept);
      for (const [name, bin] of keptFiles) expect(readFileSync(join(teacherDir, `${name}.bin`)).equals(bin), name).toBe(true);
      const onDisk = readdirSync(teacherDir)
        .filter((f) => f.startsWith('shard-'))
        .sort();
      expect(onDisk).toEqual(index.flatMap((s) => [`${s.name}.bin`, `${s.name}.json`]).sort());

      // every planned sequence exactly once, each the plan's window (train.bin / the continuation stream)
      const S = SEQ_LEN;
      const tokens = await readTokenFile(join(cache, 'tokenizer', 'train.bin'));
      const eot = readJson<{ eot_id: number }>(join(cache, 'tokenizer', 'tokens.json')).eot_id;
      const order = new Map(parsePromptsJsonl(readFileSync(join(runDir, 'prompts', 'train.jsonl'), 'utf8')).map((p, i) => [p.id, i]));
      const records = (await loadContinuations(join(teacherDir, 'continuations.jsonl'))).sort(
        (a, b) => order.get(a.prompt)! - order.get(b.prompt)! || (a.mode === b.mode ? 0 : a.mode === 'greedy' ? -1 : 1),
      );
      const plans: Record<ShardSource, SequencePlan> = {
        'corpus-train': corpusPlan(tokens, S, plan1.corpus),
        continuation: streamPlan(
          continuationStream(
            records.map((r) => r.ids),
            eot,
          ),
          S,
          plan1.continuation,
        ),
      };
      expect(plans.continuation.count).toBe(plan1.continuation);
      const seen: Record<ShardSource, number[]> = { 'corpus-train': [], continuation: [] };
      const contents = new Set<string>();
      const wrong: string[] = [];
      for (const entry of index) {
        const shard = await readShard(teacherDir, entry.name); // checks the .bin's sha256
        expect(shard.header).toMatchObject({ sequences: entry.count, source: entry.source, seq_len: S, k: 20 });
        for (let s = 0; s < entry.count; s++) {
          const i = entry.first + s;
          seen[entry.source].push(i);
          const want = Array.from(plans[entry.source].sequence(i));
          const input = Array.from(shard.input.subarray(s * S, (s + 1) * S));
          const target = Array.from(shard.target.subarray(s * S, (s + 1) * S));
          if (input.join() !== want.slice(0, S).join() || target.join() !== want.slice(1).join()) wrong.push(`${entry.name}#${s}`);
          contents.add(sha256(input.join()));
        }
      }
      expect(wrong).toEqual([]);
      for (const source of ['corpus-train', 'continuation'] as const) {
        const count = source === 'corpus-train' ? plan1.corpus : plan1.continuation;
        expect(seen[source].sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
      }
      expect(contents.size).toBe(PLANNED);
    },
    RESUME_TIMEOUT_MS * 2,
  );

  it(
    `distils: kd_loss falls over ${STEPS} steps and agreement with the teacher rises above the step-0 student's`,
    async () => {
      // the step-0 student: distill.py with no steps saves its seeded initialisation
      const untrained = await distill([...base(), '--set', 'token_budget=0', '--until', 'evaluate'], env, LEARN_TIMEOUT_MS);
      expect(untrained.code, untrained.tail).toBe(0);
      expect(readJson<Json>(join(runDir, 'train', 'train_summary.json'))).toMatchObject({ step: 0, total_steps: 0 });
      const before = readJson<Evaluation>(join(runDir, 'evaluate', 'evaluation.json'));
      const teacherRecord = readFileSync(join(runDir, 'teacher', 'stage.json'), 'utf8');

      const trained = await distill(
        [...base(), '--set', `token_budget=${STEPS * BATCH * SEQ_LEN}`, '--set', 'warmup_steps=4', '--until', 'evaluate'],
        env,
        LEARN_TIMEOUT_MS,
      );
      expect(trained.code, trained.tail).toBe(0);
      for (const stage of ['prompts', 'teacher']) expect(stageEvent(trained, stage, 'stage.skip'), stage).toBeDefined();
      expect(readFileSync(join(runDir, 'teacher', 'stage.json'), 'utf8')).toBe(teacherRecord);
      expect(stageEvent(trained, 'train', 'stage.start')).toMatchObject({ resume: false, reason: 'inputs changed' });

      const log = readFileSync(join(runDir, 'train', 'log.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { event: string; step: number; kd_loss: number; val_loss?: number });
      const progress = log.filter((e) => e.event === 'distill.progress');
      expect(progress.map((e) => e.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
      const kdFirst = progress[0]!.kd_loss;
      const kdLast = progress.at(-1)!.kd_loss;
      const evals = log.filter((e) => e.event === 'distill.eval');

      const after = readJson<Evaluation>(join(runDir, 'evaluate', 'evaluation.json'));
      expect(after.testSplit).toEqual(before.testSplit); // the same test tokens
      expect(after.testSplit).toMatchObject({ tokens: EVAL_TEST_TOKENS, windows: EVAL_TEST_TOKENS / 256 });
      const agreement = (e: Evaluation, v: 'fp32' | 'int8') => e.variants[v]!.teacherTop1Agreement;
      console.info(
        `[distill-smoke] kd_loss ${kdFirst} → ${kdLast} over ${STEPS} steps; val_loss ${evals[0]?.val_loss} → ${evals.at(-1)?.val_loss}; ` +
          `teacher top-1 agreement fp32 ${agreement(before, 'fp32').toFixed(4)} → ${agreement(after, 'fp32').toFixed(4)}, ` +
          `int8 ${agreement(before, 'int8').toFixed(4)} → ${agreement(after, 'int8').toFixed(4)}; ` +
          `KL ${before.variants.fp32!.teacherKlNats.toFixed(3)} → ${after.variants.fp32!.teacherKlNats.toFixed(3)} nats`,
      );
      expect(kdLast).toBeLessThan(0.75 * kdFirst);
      expect(evals.at(-1)!.val_loss!).toBeLessThan(evals[0]!.val_loss!);
      for (const v of ['fp32', 'int8'] as const) expect(agreement(after, v), v).toBeGreaterThan(agreement(before, v) + 0.02);
      expect(after.variants.fp32!.teacherKlNats).toBeLessThan(before.variants.fp32!.teacherKlNats);
    },
    LEARN_TIMEOUT_MS * 2,
  );
});
