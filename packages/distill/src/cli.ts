/**
 * `npm run distill -- [flags]` (see options.ts USAGE). Ctrl-C stops the current stage at its next
 * checkpoint (scoring writes what it has, training saves ckpt.pt); a second Ctrl-C exits at once.
 * Exit codes: 0 done, 1 a stage failed, 2 bad flags, 130 interrupted.
 */
import { pathToFileURL } from 'node:url';
import { distillStages } from './job.ts';
import { parseOptions, USAGE } from './options.ts';
import { runStages } from './runner/stage-runner.ts';

export async function main(argv = process.argv.slice(2)): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options === null) {
    console.log(USAGE);
    return 0;
  }
  const ac = new AbortController();
  const onSigint = () => {
    if (ac.signal.aborted) process.exit(130);
    console.error('\nstopping at the next checkpoint (Ctrl-C again to quit now)…');
    ac.abort(new Error('interrupted (SIGINT)'));
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  console.log(
    JSON.stringify({
      t: new Date().toISOString(),
      event: 'distill.start',
      runDir: options.runDir,
      version: options.version,
      smoke: options.smoke,
    }),
  );
  try {
    const results = await runStages(distillStages(options), {
      runDir: options.runDir,
      signal: ac.signal,
      ...(options.from !== undefined ? { from: options.from } : {}),
      ...(options.until !== undefined ? { until: options.until } : {}),
    });
    console.log(
      JSON.stringify({
        t: new Date().toISOString(),
        event: 'distill.done',
        runDir: options.runDir,
        stages: results.map((r) => ({ stage: r.stage, outcome: r.outcome, elapsedMs: r.record.elapsedMs })),
      }),
    );
    return 0;
  } catch (error) {
    console.error(`distill: ${error instanceof Error ? error.message : String(error)}`);
    return ac.signal.aborted ? 130 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
