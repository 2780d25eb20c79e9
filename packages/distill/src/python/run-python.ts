/**
 * Runs one of the trainer's Python scripts (`${DISTILLGATE_PYTHON:-/usr/bin/python3}`) from the
 * repository root and streams its output through (stdout to stdout, stderr to stderr: the trainer
 * logs JSON-line progress on either), and JSON lines carrying `step` and `total_steps` also move a
 * progress bar. An abort
 * (Ctrl-C) sends SIGINT, on which train.py/distill.py write a checkpoint and exit; SIGKILL follows
 * only if it has not exited within `killAfterMs`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pythonPath, ROOT } from '../paths.ts';
import type { Progress } from '../runner/progress.ts';
import { printLine } from '../runner/progress.ts';
import type { StageContext } from '../runner/stage-runner.ts';

export interface PythonRun {
  /** The last JSON object the script printed (e.g. `train.done`), or null. */
  lastEvent: Record<string, unknown> | null;
}

export interface RunPythonOptions {
  /** Progress bar label; null: no bar. */
  label: string | null;
  /** @unit ms @default 60000 */
  killAfterMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** @throws Error when the script is missing, cannot start, or exits non-zero (with its last lines) */
export async function runPython(
  script: string,
  args: string[],
  ctx: Pick<StageContext, 'signal' | 'log' | 'progress'>,
  opts: RunPythonOptions,
): Promise<PythonRun> {
  if (!existsSync(script)) throw new Error(`${script} does not exist (yet)`);
  const python = pythonPath();
  ctx.log('python.start', { command: [python, script, ...args].join(' ') });
  const child = spawn(python, [script, ...args], { cwd: ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  let lastEvent: Record<string, unknown> | null = null;
  let bar: Progress | null = null;
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
  };
  const onLine = (line: string, toStderr: boolean) => {
    remember(line);
    printLine(line, toStderr ? process.stderr : process.stdout);
    if (!line.startsWith('{')) return;
    try {
      lastEvent = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const { step, total_steps } = lastEvent as { step?: unknown; total_steps?: unknown };
    if (opts.label !== null && typeof step === 'number' && typeof total_steps === 'number' && total_steps > 0) {
      bar ??= ctx.progress({ label: opts.label, total: total_steps, unit: 'step', initial: step });
      bar.update(step);
    }
  };
  const lines = (stream: NodeJS.ReadableStream, each: (line: string) => void) => {
    let rest = '';
    stream.on('data', (buf: Buffer) => {
      const parts = (rest + buf.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) if (p !== '') each(p);
    });
    stream.on('end', () => rest !== '' && each(rest));
  };
  lines(child.stdout!, (line) => onLine(line, false));
  lines(child.stderr!, (line) => onLine(line, true));
  const onAbort = () => {
    child.kill('SIGINT');
    setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 60_000).unref();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, signal) => resolve(c ?? (signal ? 128 : null)));
  }).finally(() => ctx.signal.removeEventListener('abort', onAbort));
  (bar as Progress | null)?.finish();
  ctx.signal.throwIfAborted();
  if (code !== 0) throw new Error(`${script} exited with ${code}:\n${tail.join('\n')}`);
  return { lastEvent };
}
