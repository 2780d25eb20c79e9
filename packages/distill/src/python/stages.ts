/**
 * Stages `train`, `export`, `quantize`: the Python trainer (gpu-worker/trainer) on the teacher
 * stage's shards.
 *
 *   train     distill.py --shards <run>/teacher --out <run>/train --resume [--set k=v…] [--max-seconds S] [--device D]
 *             (train.py's checkpoint layout; --resume continues <run>/train/ckpt.pt, or starts fresh)
 *   export    export.py --ckpt <run>/train/ckpt.pt --out <run>/export/student --name distillgate-student
 *             --version V --parent distillgate-teacher@<teacher version>
 *   quantize  a copy of export/student in <run>/quantize/student, then quantize.py on it (int8
 *             MatMulInteger → model.int8.onnx, recorded in its manifest)
 *
 * Training may stop early (`--max-seconds`, Ctrl-C): the stage is then left incomplete and the next
 * run resumes it. It is complete when train_summary.json says step ≥ total_steps.
 */
import { cp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { STUDENT_NAME, trainerScript } from '../paths.ts';
import type { Stage } from '../runner/stage-runner.ts';
import { runPython } from './run-python.ts';

export interface TrainStageOptions {
  /** `--set key=value` for distill.py (train.py keys, `kd.*`). */
  overrides: string[];
  /** One stretch of at most this long; the stage resumes on the next run. @unit s */
  maxSeconds?: number;
  device?: string;
  /** Holds validation.bin and tokens.json (distill.py `--data`). */
  tokenizerDir: string;
  /** The teacher manifest whose tokenizer_sha256 the student must share (distill.py `--teacher-manifest`). */
  teacherManifest: string;
}

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

export function trainStage(opts: TrainStageOptions): Stage {
  const script = trainerScript('distill.py');
  return {
    name: 'train',
    description: 'knowledge distillation of the student on the shards (gpu-worker/trainer/distill.py)',
    inputs: () => ({
      files: [script, opts.teacherManifest],
      after: ['teacher'],
      params: { overrides: opts.overrides, device: opts.device ?? null },
    }),
    async run(ctx) {
      const args = ['--shards', join(ctx.runDir, 'teacher'), '--out', ctx.dir, '--resume', '--data', opts.tokenizerDir];
      args.push('--teacher-manifest', opts.teacherManifest);
      for (const o of opts.overrides) args.push('--set', o);
      if (opts.maxSeconds !== undefined) args.push('--max-seconds', String(opts.maxSeconds));
      if (opts.device) args.push('--device', opts.device);
      await runPython(script, args, ctx, { label: 'train' });
      const summary = await readJson(join(ctx.dir, 'train_summary.json'));
      const step = Number(summary?.step);
      const total = Number(summary?.total_steps);
      if (!summary || !Number.isFinite(step) || !Number.isFinite(total))
        throw new Error(`${ctx.dir}/train_summary.json is missing or has no step/total_steps`);
      if (step < total)
        throw new Error(`training stopped at step ${step} of ${total} (checkpointed); run the same command again to continue`);
      return { ckpt: join(ctx.dir, 'ckpt.pt'), log: join(ctx.dir, 'log.jsonl'), train: summary };
    },
  };
}

export interface ExportStageOptions {
  version: string;
  tokenizerDir: string;
}

export function exportStage(opts: ExportStageOptions): Stage {
  const script = trainerScript('export.py');
  return {
    name: 'export',
    description: 'ONNX export of the student (gpu-worker/trainer/export.py)',
    inputs: () => ({
      files: [script, join(opts.tokenizerDir, 'tokenizer.json')],
      after: ['train', 'teacher'],
      params: { version: opts.version },
    }),
    async run(ctx) {
      const teacher = ctx.output('teacher').teacher as { model: string; version: string | null };
      const out = join(ctx.dir, 'student');
      const parent = `${teacher.model}@${teacher.version ?? 'unknown'}`;
      const ckpt = String(ctx.output('train').ckpt);
      await runPython(
        script,
        [
          '--ckpt',
          ckpt,
          '--tokenizer',
          opts.tokenizerDir,
          '--out',
          out,
          '--name',
          STUDENT_NAME,
          '--version',
          opts.version,
          '--parent',
          parent,
        ],
        ctx,
        { label: null },
      );
      const manifest = await readJson(join(out, 'manifest.json'));
      if (!manifest) throw new Error(`${out}/manifest.json was not written`);
      return { studentDir: out, version: opts.version, parent, files: manifest.files, parameterCount: manifest.parameter_count };
    },
  };
}

export function quantizeStage(): Stage {
  const script = trainerScript('quantize.py');
  return {
    name: 'quantize',
    description: 'int8 MatMulInteger copy of the student (gpu-worker/trainer/quantize.py)',
    inputs: () => ({ files: [script], after: ['export'] }),
    async run(ctx) {
      const out = join(ctx.dir, 'student');
      await rm(out, { recursive: true, force: true });
      await cp(String(ctx.output('export').studentDir), out, { recursive: true });
      await runPython(script, [out], ctx, { label: null });
      const manifest = await readJson(join(out, 'manifest.json'));
      return { studentDir: out, files: manifest?.files ?? null, quantization: manifest?.quantization ?? null };
    },
  };
}
