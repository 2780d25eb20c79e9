/**
 * TEST-ONLY (Node): the model directory the edge-model tests run on.
 *
 * 1. The committed baseline student `models/distillgate-student/<live>/` (live from channels.json),
 *    when it exists.
 * 2. Else the trainer's toy model: `gpu-worker/trainer/smoke.py --out <dir>` (~30 s on 2 cores)
 *    built once into `${DISTILLGATE_CACHE:-~/.cache/distillgate}/test-models/smoke` and reused; a
 *    lock directory keeps parallel test files from building it twice.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PYTHON = process.env.DISTILLGATE_PYTHON ?? '/usr/bin/python3';
const CACHE = process.env.DISTILLGATE_CACHE || join(homedir(), '.cache', 'distillgate');
const SMOKE_DIR = join(CACHE, 'test-models', 'smoke');
const LOCK_DIR = `${SMOKE_DIR}.lock`;
/** A build normally takes 15–40 s; a lock older than this belongs to a dead process. */
const STALE_LOCK_MS = 10 * 60_000;
export const BUILD_TIMEOUT_MS = 300_000;

const isModelDir = (dir: string) => ['model.onnx', 'tokenizer.json', 'manifest.json'].every((f) => existsSync(join(dir, f)));

function committedStudentDir(): string | null {
  const channels = join(REPO_ROOT, 'models', 'distillgate-student', 'channels.json');
  if (!existsSync(channels)) return null;
  const { live } = JSON.parse(readFileSync(channels, 'utf8')) as { live?: string };
  const dir = live ? join(REPO_ROOT, 'models', 'distillgate-student', live) : '';
  return live && isModelDir(dir) ? dir : null;
}

const isCI = (process.env.CI ?? '') !== '' && !['0', 'false'].includes(process.env.CI!.toLowerCase());

/** Why the model tests must skip here (no model and no Python to build one, outside CI), or null. */
export function testModelSkipReason(): string | null {
  if (committedStudentDir() || existsSync(join(SMOKE_DIR, 'smoke.json')) || isCI) return null;
  const probe = spawnSync(PYTHON, ['-c', 'import torch, onnx, numpy, regex'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `${PYTHON} cannot import torch/onnx (scripts/setup-python.sh) and no model is committed`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runSmoke(out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [join(REPO_ROOT, 'gpu-worker', 'trainer', 'smoke.py'), '--out', out],
      { cwd: join(REPO_ROOT, 'gpu-worker', 'trainer'), timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 << 20 },
      (error, _stdout, stderr) => (error ? reject(new Error(`smoke.py failed: ${error.message}\n${stderr.slice(-4000)}`)) : resolve()),
    );
  });
}

/** Builds the smoke model unless present; returns its model directory. */
async function smokeModelDir(): Promise<string> {
  const model = join(SMOKE_DIR, 'model');
  for (;;) {
    if (existsSync(join(SMOKE_DIR, 'smoke.json'))) return model; // smoke.py writes it last
    mkdirSync(join(CACHE, 'test-models'), { recursive: true });
    try {
      mkdirSync(LOCK_DIR); // atomic: exactly one builder
    } catch {
      const lock = statSync(LOCK_DIR, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > STALE_LOCK_MS) rmSync(LOCK_DIR, { recursive: true, force: true });
      await sleep(500);
      continue;
    }
    try {
      const tmp = `${SMOKE_DIR}.build-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      await runSmoke(tmp);
      rmSync(SMOKE_DIR, { recursive: true, force: true });
      renameSync(tmp, SMOKE_DIR);
    } finally {
      rmSync(LOCK_DIR, { recursive: true, force: true });
    }
  }
}

/** The test model's directory (model.onnx, tokenizer.json, manifest.json). */
export async function testModelDir(): Promise<string> {
  return committedStudentDir() ?? (await smokeModelDir());
}
