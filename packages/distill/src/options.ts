/**
 * `npm run distill -- [flags]`: flags → the job's resolved options (node:util parseArgs).
 * Every number is checked; a bad flag is an Error with a one-line message.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cacheDir, liveVersion, nextPatch, ROOT, STUDENT_NAME, TEACHER_NAME } from './paths.ts';

export const STAGE_NAMES = ['prompts', 'teacher', 'train', 'export', 'quantize', 'evaluate', 'publish', 'report'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** Context 256 → 256 ids per request, 255 scored positions. */
export const SEQ_LEN = 255;

export const USAGE = `usage: npm run distill -- [flags] [prompt files…]

Runs the distillation job as cached, resumable stages under --out:
  ${STAGE_NAMES.join(' → ')}
Re-running skips complete stages whose inputs are unchanged and resumes an interrupted one.

  --out DIR                 run folder (default: \${DISTILLGATE_CACHE:-~/.cache/distillgate}/distill/<run-name>)
  --run-name NAME           default: student-<version>, or "smoke" with --smoke
  --prompts FILE            prompt file, repeatable (one per line, or JSONL {"prompt"} / {"messages"});
                            positional arguments are prompt files too
  --captured FILE           captured requests: the gateway database (*.sqlite, table captured_prompts)
                            or a JSONL export; repeatable
  --test-share F            held-out share of prompts (default 0.1)
  --teacher-url URL         OpenAI-compatible base URL of a running teacher (…/v1); default: start a
                            local gpu-worker with the committed teacher. Key: $DISTILLGATE_TEACHER_API_KEY
  --teacher-model ID        model id to score with (default ${TEACHER_NAME})
  --token-budget N          positions to score in all (default 4000000)
  --k N                     teacher top-k per position, 1–20 (default 20)
  --concurrency N           requests in flight (default 4)
  --continuation-share F    most of the positions from teacher continuations (default 0.3)
  --continuation-tokens N   max_tokens of each continuation (default 64)
  --shard-sequences N       sequences per shard, ≤ 4096 (default 1024)
  --worker-threads N        local gpu-worker ORT threads (default 2)
  --timeout-ms N            per request (default 120000)
  --set KEY=VALUE           distill.py config override, repeatable (e.g. kd.alpha=0.7)
  --max-seconds S           training stretch; the train stage resumes on the next run
  --device cpu|cuda         distill.py device
  --version V               student version to publish (default: next patch after the live one in --models-dir)
  --canary-share F          canary traffic share when published (default 0.1)
  --models-dir DIR          publish into DIR/${STUDENT_NAME} (default: the repository's models/)
  --publish-sandbox         publish into a copy under <run>/publish/models (default with --smoke)
  --until STAGE             stop after this stage
  --from STAGE              re-run this stage and every later one, even if cached
  --eval-test-tokens N      test-split tokens the evaluation scores (default 65536; --smoke 8192)
  --smoke                   tiny sizes: 64 sequences, 16-token continuations, 8 training steps;
                            publishes into the sandbox, never into models/
  --help`;

export interface DistillOptions {
  runDir: string;
  runName: string;
  promptFiles: string[];
  capturedFiles: string[];
  testShare: number;
  teacherUrl?: string;
  teacherModel: string;
  tokenBudget: number;
  k: number;
  concurrency: number;
  continuationShare: number;
  continuationMaxTokens: number;
  shardSequences: number;
  workerThreads: number;
  timeoutMs: number;
  trainOverrides: string[];
  maxSeconds?: number;
  device?: string;
  version: string;
  canaryShare: number;
  /** Where publish writes (`<dir>/distillgate-student`). */
  publishModelsDir: string;
  /** Publish into a copy under the run folder. */
  publishSandbox: boolean;
  until?: StageName;
  from?: StageName;
  smoke: boolean;
  /** Test-split tokens the evaluation scores (evaluateStudent's maxTestTokens). */
  evalTestTokens: number;
  modelsDir: string;
  cacheDir: string;
}

/** distill.py overrides for --smoke: 8 steps of 4 sequences, evaluated and checkpointed on the way. */
export const SMOKE_TRAIN_OVERRIDES = [
  `token_budget=${8 * 4 * SEQ_LEN}`,
  'batch_size=4',
  'eval_interval_steps=4',
  'eval_batches=1',
  'log_interval_steps=1',
  'kd.checkpoint_interval_steps=4',
  'warmup_steps=2', // the preset's 50 warm-up steps would keep 8 steps' learning rate near 0
];

function num(name: string, raw: string | undefined, fallback: number, check: (n: number) => boolean, what: string): number {
  if (raw === undefined) return fallback;
  // plain decimal only: Number() would also take "0x10", " 5" and "1e1"
  const n = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || !check(n)) throw new Error(`--${name} must be ${what}, got "${raw}"`);
  return n;
}
const int =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (n: number) =>
    Number.isInteger(n) && n >= min && n <= max;

function stageFlag(name: string, raw: string | undefined): StageName | undefined {
  if (raw === undefined) return undefined;
  if (!(STAGE_NAMES as readonly string[]).includes(raw)) throw new Error(`--${name} must be one of ${STAGE_NAMES.join(', ')}`);
  return raw as StageName;
}

/** @returns null for --help; @throws Error for a bad flag */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): DistillOptions | null {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'run-name': { type: 'string' },
      prompts: { type: 'string', multiple: true },
      captured: { type: 'string', multiple: true },
      'test-share': { type: 'string' },
      'teacher-url': { type: 'string' },
      'teacher-model': { type: 'string' },
      'token-budget': { type: 'string' },
      k: { type: 'string' },
      concurrency: { type: 'string' },
      'continuation-share': { type: 'string' },
      'continuation-tokens': { type: 'string' },
      'shard-sequences': { type: 'string' },
      'worker-threads': { type: 'string' },
      'timeout-ms': { type: 'string' },
      set: { type: 'string', multiple: true },
      'max-seconds': { type: 'string' },
      device: { type: 'string' },
      version: { type: 'string' },
      'canary-share': { type: 'string' },
      'models-dir': { type: 'string' },
      'publish-sandbox': { type: 'boolean', default: false },
      until: { type: 'string' },
      from: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      'eval-test-tokens': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (v.help) return null;
  const smoke = v.smoke === true;
  const modelsDir = join(ROOT, 'models');
  const cache = cacheDir(env);
  const publishModelsDir = v['models-dir'] ?? modelsDir;
  const version = v.version ?? nextPatch(liveVersion(publishModelsDir, STUDENT_NAME));
  if (!/^\d+\.\d+\.\d+([-+][\w.-]+)?$/.test(version)) throw new Error(`--version must be a semantic version, got "${version}"`);
  // refused now, not hours later at the publish stage
  if (v.version !== undefined && !smoke && v['publish-sandbox'] !== true) {
    const live = liveVersion(publishModelsDir, STUDENT_NAME);
    if (version === live)
      throw new Error(`--version ${version} is the live version already: choose a new one (default: ${nextPatch(live)})`);
  }
  const runName = v['run-name'] ?? (smoke ? 'smoke' : `student-${version}`);
  if (!/^[\w.-]+$/.test(runName)) throw new Error('--run-name may hold letters, digits, ".", "_" and "-" only');
  const share = (n: number) => n >= 0 && n < 1;
  const maxSeconds =
    v['max-seconds'] === undefined ? undefined : num('max-seconds', v['max-seconds'], 0, (n) => n > 0, 'a positive number');
  if (v.device !== undefined && v.device !== 'cpu' && v.device !== 'cuda') throw new Error('--device must be cpu or cuda');
  if (v['teacher-url'] !== undefined && !/^https?:\/\//.test(v['teacher-url'])) throw new Error('--teacher-url must be an http(s) URL');
  return {
    runDir: v.out ?? join(cache, 'distill', runName),
    runName,
    promptFiles: [...(v.prompts ?? []), ...positionals],
    capturedFiles: v.captured ?? [],
    testShare: num('test-share', v['test-share'], 0.1, (n) => n > 0 && n < 1, 'between 0 and 1'),
    ...(v['teacher-url'] !== undefined ? { teacherUrl: v['teacher-url'] } : {}),
    teacherModel: v['teacher-model'] ?? TEACHER_NAME,
    tokenBudget: num('token-budget', v['token-budget'], smoke ? 64 * SEQ_LEN : 4_000_000, int(SEQ_LEN), `an integer ≥ ${SEQ_LEN}`),
    k: num('k', v.k, 20, int(1, 20), 'an integer from 1 to 20'),
    concurrency: num('concurrency', v.concurrency, 4, int(1, 256), 'an integer from 1 to 256'),
    continuationShare: num('continuation-share', v['continuation-share'], 0.3, share, 'in [0, 1)'),
    continuationMaxTokens: num('continuation-tokens', v['continuation-tokens'], smoke ? 16 : 64, int(1, 192), 'an integer from 1 to 192'),
    shardSequences: num('shard-sequences', v['shard-sequences'], smoke ? 16 : 1024, int(1, 4096), 'an integer from 1 to 4096'),
    workerThreads: num('worker-threads', v['worker-threads'], 2, int(1, 256), 'a positive integer'),
    timeoutMs: num('timeout-ms', v['timeout-ms'], 120_000, int(1), 'a positive integer'),
    trainOverrides: [...(smoke ? SMOKE_TRAIN_OVERRIDES : []), ...(v.set ?? [])],
    ...(maxSeconds !== undefined ? { maxSeconds } : {}),
    ...(v.device !== undefined ? { device: v.device } : {}),
    version,
    canaryShare: num('canary-share', v['canary-share'], 0.1, (n) => n > 0 && n <= 1, 'in (0, 1]'),
    publishModelsDir,
    publishSandbox: smoke || v['publish-sandbox'] === true,
    ...(v.until !== undefined ? { until: stageFlag('until', v.until) } : {}),
    ...(v.from !== undefined ? { from: stageFlag('from', v.from) } : {}),
    smoke,
    evalTestTokens: num('eval-test-tokens', v['eval-test-tokens'], smoke ? 8192 : 65_536, int(256), 'an integer ≥ 256'),
    modelsDir,
    cacheDir: cache,
  };
}
