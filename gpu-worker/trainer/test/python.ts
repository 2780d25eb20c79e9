/**
 * Runs the trainer's Python (Debian's /usr/bin/python3 with python3-torch; override with
 * DISTILLGATE_PYTHON) from the TS tests, and decides whether those tests may skip.
 */
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PYTHON = process.env.DISTILLGATE_PYTHON ?? '/usr/bin/python3';
export const TRAINER_DIR = fileURLToPath(new URL('..', import.meta.url));

const isCI = (process.env.CI ?? '') !== '' && !['0', 'false'].includes(process.env.CI!.toLowerCase());

/**
 * Why the Python-backed tests skip here, or null when they must run. They skip only when the
 * interpreter cannot import torch and onnx AND this is not CI: under CI=true a missing stack fails.
 */
export function pythonSkipReason(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, onnx, numpy, regex'], { encoding: 'utf8' });
  if (probe.status === 0 || isCI) return null;
  return `${PYTHON} cannot import torch/onnx/numpy/regex (run scripts/setup-python.sh); skipping the trainer tests outside CI`;
}

/** Run a trainer script (path relative to gpu-worker/trainer) without blocking the event loop. */
export function runTrainer(script: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [`${TRAINER_DIR}${script}`, ...args],
      { cwd: TRAINER_DIR, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${script} failed: ${error.message}\n${stderr.slice(-4000)}`));
        else resolve(stdout);
      },
    );
  });
}
