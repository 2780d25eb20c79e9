/**
 * `npm run eval:routing -- [flags]`: the routing evaluation (README.md). Resumable: rerun the same
 * command after an interruption and it continues from the run folder.
 */
import { parseArgs } from 'node:util';
import { runRoutingEval } from './run.ts';

export const USAGE = `npm run eval:routing -- [flags]
  --prompts FILE            one prompt per line (default: held-out set from <cache>/corpus/validation.jsonl)
  --corpus PATH             corpus validation JSONL (default: <cache>/corpus/validation.jsonl)
  --eval-prompts N          eval prompts wanted (default 600; train ≈ 40 % more by document)
  --train-share X           share of documents in the train split (default 0.4)
  --max-tokens M            tokens per answer (default 32)
  --probe-tokens K          cascade draft tokens (default 8)
  --run NAME                run folder under <cache>/routing-eval (default: models, M and prompt-set hash)
  --runs-dir DIR            parent of run folders (default <cache>/routing-eval)
  --out DIR                 report folder (default docs/routing-eval)
  --models-dir DIR          (default models)
  --resamples N             bootstrap resamples (default 1000)
  --seed N                  bootstrap seed (default 20260801)
  --target Q                calibration target on q (default 0.95)
  --gpu-usd-per-hour X      GPU price (default 2.49)
  --teacher-tokens-per-s X  price the teacher at this throughput instead of the measured one
  --quiet                   no progress output`;

const num = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
};

export function parseCli(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      prompts: { type: 'string' },
      corpus: { type: 'string' },
      'eval-prompts': { type: 'string' },
      'train-share': { type: 'string' },
      'max-tokens': { type: 'string' },
      'probe-tokens': { type: 'string' },
      run: { type: 'string' },
      'runs-dir': { type: 'string' },
      out: { type: 'string' },
      'models-dir': { type: 'string' },
      resamples: { type: 'string' },
      seed: { type: 'string' },
      target: { type: 'string' },
      'gpu-usd-per-hour': { type: 'string' },
      'teacher-tokens-per-s': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const gpu = num('gpu-usd-per-hour', values['gpu-usd-per-hour']);
  const maxTokens = num('max-tokens', values['max-tokens']);
  const probeTokens = num('probe-tokens', values['probe-tokens']);
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens >= 1)) throw new Error('--max-tokens must be an integer ≥ 1');
  if (probeTokens !== undefined && !(Number.isInteger(probeTokens) && probeTokens >= 1))
    throw new Error('--probe-tokens must be an integer ≥ 1');
  return {
    help: values.help ?? false,
    options: {
      promptsFile: values.prompts,
      corpusPath: values.corpus,
      evalPrompts: num('eval-prompts', values['eval-prompts']),
      trainShare: num('train-share', values['train-share']),
      maxTokens,
      probeTokens,
      run: values.run,
      runsDir: values['runs-dir'],
      outDir: values.out,
      modelsDir: values['models-dir'],
      resamples: num('resamples', values.resamples),
      seed: num('seed', values.seed),
      target: num('target', values.target),
      prices: gpu === undefined ? {} : { gpuUsdPerHour: gpu },
      teacherTokensPerS: num('teacher-tokens-per-s', values['teacher-tokens-per-s']),
      quiet: values.quiet ?? false,
      command: ['npm run eval:routing', ...(argv.length ? ['--', ...argv] : [])].join(' '),
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const { help, options } = parseCli(process.argv.slice(2));
    if (help) console.log(USAGE);
    else await runRoutingEval(options);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
