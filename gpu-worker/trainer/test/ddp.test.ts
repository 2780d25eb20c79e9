/**
 * Data parallelism (distributed.py): ddp_smoke.py runs train.py (two stretches, the second resuming
 * rank 0's checkpoint) and distill.py under torchrun with 2 CPU processes (gloo), beside the same runs
 * in one process. Each rank takes half of every global batch and DDP averages the gradients, so the
 * weights must match the single-process ones up to float summation order, and only rank 0 writes.
 * ~30 s on 2 idle cores, ~50 s while other jobs load them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonSkipReason, runTrainer } from './python.ts';

const SMOKE_TIMEOUT_MS = 300_000;
const skipReason = pythonSkipReason();

interface Run {
  step: number;
  val_loss: number;
  train_loss: number;
  world_size?: number;
}

interface DdpSmoke {
  nproc: number;
  train: {
    single: Run & { stretches: number };
    ddp: Run & { stretches: number; tokens_seen: number };
    weights_max_abs_diff: number;
    ddp_files: string[];
    ddp_log_events: string[];
  };
  distill: {
    single: Run;
    ddp: Run;
    weights_max_abs_diff: number;
    ddp_files: string[];
    ddp_log_events: string[];
    ddp_stdout_summaries: number;
  };
}

describe.skipIf(skipReason !== null)('DDP under torchrun, 2 CPU processes (ddp_smoke.py)', () => {
  let out: string;
  let smoke: DdpSmoke;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'distillgate-ddp-smoke-'));
    await runTrainer('ddp_smoke.py', ['--out', out, '--nproc', '2'], SMOKE_TIMEOUT_MS);
    smoke = JSON.parse(readFileSync(join(out, 'ddp_smoke.json'), 'utf8')) as DdpSmoke;
  }, SMOKE_TIMEOUT_MS + 10_000);

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('train.py: completes both stretches on 2 ranks, rank 0 writes the checkpoint, and matches one process', () => {
    const { single, ddp } = smoke.train;
    expect(ddp).toMatchObject({ step: 40, stretches: 2, world_size: 2, tokens_seen: 40 * 8 * 64 });
    expect(single.step).toBe(40);
    expect(smoke.train.ddp_files).toEqual(expect.arrayContaining(['ckpt.pt', 'train_summary.json', 'log.jsonl', 'config.json']));
    expect(smoke.train.ddp_files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(smoke.train.weights_max_abs_diff).toBeLessThan(1e-4);
    expect(Math.abs(ddp.val_loss - single.val_loss)).toBeLessThan(1e-3);
    expect(Math.abs(ddp.train_loss - single.train_loss)).toBeLessThan(1e-3);
  });

  it('train.py: only rank 0 logs (one start and one done per stretch)', () => {
    const events = smoke.train.ddp_log_events;
    expect(events.filter((e) => e === 'train.start')).toHaveLength(2);
    expect(events.filter((e) => e === 'train.done')).toHaveLength(2);
  });

  it('distill.py: completes on 2 ranks, rank 0 checkpoints and prints the summary, and matches one process', () => {
    const { single, ddp } = smoke.distill;
    expect(ddp).toMatchObject({ step: 30, world_size: 2 });
    expect(smoke.distill.ddp_files).toContain('ckpt.pt');
    expect(smoke.distill.weights_max_abs_diff).toBeLessThan(1e-4);
    expect(Math.abs(ddp.val_loss - single.val_loss)).toBeLessThan(1e-3);
    expect(smoke.distill.ddp_log_events.filter((e) => e === 'distill.start')).toHaveLength(1);
    expect(smoke.distill.ddp_log_events.filter((e) => e === 'distill.checkpoint')).toHaveLength(1);
    expect(smoke.distill.ddp_stdout_summaries).toBe(1);
  });
});
