/**
 * publishStudent into a temporary modelsDir with small stand-in files (publishing never loads a
 * graph): first publish, canary written by rename, promotion, rollback, undecided, refusals, pruning.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeEvalResult } from '../evaluate/eval-fixture.ts';
import type { EvalResult } from '../evaluate/index.ts';
import { publishStudent, readChannels } from './index.ts';

const sha = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');
let root: string;
let modelsDir: string;
const modelDir = () => join(modelsDir, 'distillgate-student');

/** An export folder whose manifest lists its files; `seed` makes the graphs differ. */
function exportDir(seed: string, name = 'distillgate-student'): string {
  const dir = join(root, `export-${seed}`);
  mkdirSync(dir, { recursive: true });
  const contents: Record<string, string> = {
    'model.onnx': `fp32 graph ${seed}`,
    'model.int8.onnx': `int8 graph ${seed}`,
    'tokenizer.json': '{"model":{}}',
    'tokenizer_config.json': '{}',
  };
  const files: Record<string, { sha256: string; bytes: number }> = {};
  for (const [file, text] of Object.entries(contents)) {
    writeFileSync(join(dir, file), text);
    files[file] = { sha256: sha(text), bytes: Buffer.byteLength(text) };
  }
  const manifest = {
    name,
    version: '0.0.0-export',
    context_length: 256,
    files,
    tokenizer_sha256: files['tokenizer.json']!.sha256,
    metrics: {},
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

/** An EvalResult of `dir`'s graphs with the given fp32 agreement and perplexity. */
function evaluation(dir: string, agreement: number, perplexity: number, testSha256 = 'slice-1'): EvalResult {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const modelSha256 = { 'model.onnx': m.files['model.onnx'].sha256, 'model.int8.onnx': m.files['model.int8.onnx'].sha256 };
  return fakeEvalResult({ agreement, perplexity, testSha256, modelSha256, studentId: `distillgate-student@${m.version}` });
}

const versions = () =>
  readdirSync(modelDir(), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

/** Publishes 0.1.0 (live, agreement 0.60, ppl 120), then returns a second export. */
async function withLive() {
  const first = exportDir('a');
  await publishStudent({
    studentDir: first,
    modelsDir,
    version: '0.1.0',
    canaryShare: 0.1,
    evaluation: evaluation(first, 0.6, 120),
    decide: false,
  });
  return exportDir('b');
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'distill-publish-'));
  modelsDir = join(root, 'models');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('publishStudent', () => {
  it('first publish goes live: files copied and verified, metrics with their command in the manifest', async () => {
    const dir = exportDir('a');
    const r = await publishStudent({
      studentDir: dir,
      modelsDir,
      version: '0.1.0',
      canaryShare: 0.1,
      evaluation: evaluation(dir, 0.6, 120),
      decide: true,
    });
    expect(r.outcome).toBe('live');
    expect(await readChannels(modelDir())).toEqual({ live: '0.1.0', canary: null });
    const published = join(modelDir(), '0.1.0');
    expect(readdirSync(published).sort()).toEqual([
      'manifest.json',
      'model.int8.onnx',
      'model.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const manifest = JSON.parse(readFileSync(join(published, 'manifest.json'), 'utf8'));
    expect(manifest.version).toBe('0.1.0');
    expect(manifest.metrics.edge_teacher_top1_agreement).toMatchObject({
      value: 0.6,
      command: expect.stringContaining('evaluate'),
      runtime: 'onnxruntime-web',
    });
    expect(manifest.metrics.edge_test_perplexity_int8.value).toBe(120.24);
    expect(manifest.metrics.edge_greedy16_bleu4.value).toBe(0.4);
  });

  it('writes the canary by replacing channels.json whole (new inode), keeping live; no temporary files left', async () => {
    const second = await withLive();
    const inode = statSync(join(modelDir(), 'channels.json')).ino;
    const r = await publishStudent({
      studentDir: second,
      modelsDir,
      version: '0.2.0',
      canaryShare: 0.25,
      evaluation: evaluation(second, 0.7, 100),
      decide: false,
    });
    expect(r.outcome).toBe('canary');
    expect(await readChannels(modelDir())).toEqual({ live: '0.1.0', canary: { version: '0.2.0', share: 0.25 } });
    expect(statSync(join(modelDir(), 'channels.json')).ino).not.toBe(inode);
    expect(readdirSync(modelDir()).sort()).toEqual(['0.1.0', '0.2.0', 'channels.json']);
  });

  it('promotes when agreement is not lower and perplexity within +1 %, and prunes the old live', async () => {
    const second = await withLive();
    const r = await publishStudent({
      studentDir: second,
      modelsDir,
      version: '0.2.0',
      canaryShare: 0.1,
      evaluation: evaluation(second, 0.62, 121),
      decide: true,
    });
    expect(r).toMatchObject({ outcome: 'promoted', verdict: { verdict: 'promote' }, pruned: ['0.1.0'] });
    expect(r.compared?.live?.source).toBe('live manifest');
    expect(await readChannels(modelDir())).toEqual({ live: '0.2.0', canary: null });
    expect(versions()).toEqual(['0.2.0']);
  });

  it('rolls back a worse candidate: canary null, its folder removed, live untouched', async () => {
    const second = await withLive();
    const r = await publishStudent({
      studentDir: second,
      modelsDir,
      version: '0.2.0',
      canaryShare: 0.1,
      evaluation: evaluation(second, 0.58, 110),
      decide: true,
    });
    expect(r.outcome).toBe('rolled_back');
    expect(r.reason).toContain('lower agreement');
    expect(await readChannels(modelDir())).toEqual({ live: '0.1.0', canary: null });
    expect(versions()).toEqual(['0.1.0']);
  });

  it('compares with a baseline EvalResult of the live version, and refuses one of another model', async () => {
    const second = await withLive();
    const first = join(root, 'export-a');
    const baseline = evaluation(first, 0.7, 100); // the live re-measured: now the candidate is worse
    const r = await publishStudent({
      studentDir: second,
      modelsDir,
      version: '0.2.0',
      canaryShare: 0.1,
      evaluation: evaluation(second, 0.65, 100),
      baseline,
      decide: true,
    });
    expect(r).toMatchObject({ outcome: 'rolled_back', compared: { live: { source: 'baseline' } } });
    const third = exportDir('c');
    await expect(
      publishStudent({
        studentDir: third,
        modelsDir,
        version: '0.3.0',
        canaryShare: 0.1,
        evaluation: evaluation(third, 0.9, 90),
        baseline: evaluation(second, 0.5, 100),
        decide: true,
      }),
    ).rejects.toThrow(/is not the live/);
  });

  it('leaves the version canary when the evaluations were made on different test slices', async () => {
    const second = await withLive();
    const r = await publishStudent({
      studentDir: second,
      modelsDir,
      version: '0.2.0',
      canaryShare: 0.1,
      evaluation: evaluation(second, 0.9, 90, 'slice-2'),
      decide: true,
    });
    expect(r).toMatchObject({ outcome: 'canary', verdict: { verdict: 'undecided' } });
    expect(await readChannels(modelDir())).toEqual({ live: '0.1.0', canary: { version: '0.2.0', share: 0.1 } });
  });

  it('refuses an export whose files do not match its manifest, writing nothing', async () => {
    const second = await withLive();
    const good = evaluation(second, 0.9, 90);
    writeFileSync(join(second, 'model.int8.onnx'), 'tampered');
    await expect(
      publishStudent({ studentDir: second, modelsDir, version: '0.2.0', canaryShare: 0.1, evaluation: good, decide: true }),
    ).rejects.toThrow(/model\.int8\.onnx: sha256 .* ≠ manifest/);
    expect(versions()).toEqual(['0.1.0']);
    expect(await readChannels(modelDir())).toEqual({ live: '0.1.0', canary: null });
  });

  it('refuses an evaluation of other graphs, another model name, a bad share, and re-publishing a named version', async () => {
    const second = await withLive();
    const other = exportDir('z');
    const base = { studentDir: second, modelsDir, canaryShare: 0.1, decide: false };
    await expect(publishStudent({ ...base, version: '0.2.0', evaluation: evaluation(other, 0.9, 90) })).rejects.toThrow(
      /measured another model\.onnx/,
    );
    const teacher = exportDir('t', 'distillgate-teacher');
    await expect(
      publishStudent({ ...base, studentDir: teacher, version: '0.2.0', evaluation: evaluation(teacher, 0.9, 90) }),
    ).rejects.toThrow(/manifest name/);
    await expect(publishStudent({ ...base, version: '0.2.0', canaryShare: 0, evaluation: evaluation(second, 0.9, 90) })).rejects.toThrow(
      /canaryShare/,
    );
    await expect(publishStudent({ ...base, version: '0.1.0', evaluation: evaluation(second, 0.9, 90) })).rejects.toThrow(/already live/);
    await expect(publishStudent({ ...base, version: '../x', evaluation: evaluation(second, 0.9, 90) })).rejects.toThrow(
      /not a valid folder/,
    );
  });

  it('prunes every folder channels.json does not name (old versions, interrupted publishes)', async () => {
    const second = await withLive();
    mkdirSync(join(modelDir(), '0.0.9'));
    mkdirSync(join(modelDir(), '.0.1.5.beef.tmp'));
    writeFileSync(join(modelDir(), '.channels.json.dead.tmp'), '{}');
    mkdirSync(join(modelDir(), '0.2.0')); // left by a publish that died before channels.json
    const r = await publishStudent({
      studentDir: second,
      modelsDir,
      version: '0.2.0',
      canaryShare: 0.1,
      evaluation: evaluation(second, 0.7, 100),
      decide: false,
    });
    expect(r.pruned).toEqual(['.0.1.5.beef.tmp', '.channels.json.dead.tmp', '0.0.9']);
    expect(r.actions.some((a) => a.includes('leftover'))).toBe(true);
    expect(readdirSync(modelDir()).sort()).toEqual(['0.1.0', '0.2.0', 'channels.json']);
    expect(existsSync(join(modelDir(), '0.2.0', 'model.onnx'))).toBe(true);
  });
});
