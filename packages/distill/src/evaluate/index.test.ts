/**
 * evaluateStudent on the committed student (ORT-web, fp32 + int8) against the committed teacher
 * (ORT-node) over a tiny slice: 2,048 test tokens (8 windows of 256) and 4 prompts, about 10 s in
 * all. The test split is the trainer's `<cache>/tokenizer/test.bin` when present, else the same
 * kind of file made here from the repository's own prose with the committed tokenizer.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTokenizer } from '@distillgate/edge-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointPath } from './checkpoint.ts';
import { type EvalResult, type EvaluateOptions, evaluateStudent } from './index.ts';

process.env.ORT_DISABLE_TELEMETRY = '1';
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The live committed student (channels.json `live`). */
const STUDENT = join(
  ROOT,
  'models/distillgate-student',
  (JSON.parse(readFileSync(join(ROOT, 'models/distillgate-student/channels.json'), 'utf8')) as { live: string }).live,
);
const TEACHER = join(ROOT, 'models/distillgate-teacher/0.1.0');
const CACHE = process.env.DISTILLGATE_CACHE || join(homedir(), '.cache', 'distillgate');
const PROMPTS = ['The king said unto', 'In the morning the', 'A computer is', 'She opened the door and'];
const skip = existsSync(join(STUDENT, 'model.onnx')) && existsSync(join(TEACHER, 'model.onnx')) ? false : 'committed models absent';

let work: string;
let testTokensPath: string;

/** uint16 little-endian ids, documents joined by <|endoftext|>: bpe.py's test.bin format. */
function tokenFileFromRepoText(path: string): void {
  const tok = loadTokenizer(readFileSync(join(STUDENT, 'tokenizer.json'), 'utf8'));
  const ids = ['README.md', 'docs/ARCHITECTURE.md'].flatMap((f) => [...tok.encode(readFileSync(join(ROOT, f), 'utf8')), tok.eosTokenId!]);
  const bytes = Buffer.alloc(2 * ids.length);
  for (const [i, id] of ids.entries()) bytes.writeUInt16LE(id, 2 * i);
  writeFileSync(path, bytes);
}

const options = (over: Partial<EvaluateOptions> = {}): EvaluateOptions => ({
  studentDir: STUDENT,
  teacherDir: TEACHER,
  heldOutPrompts: PROMPTS,
  testTokensPath,
  outDir: join(work, 'eval'),
  maxTestTokens: 2048,
  speedDecodeTokens: 32,
  speedRounds: 2,
  ...over,
});

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'distill-eval-'));
  testTokensPath = join(CACHE, 'tokenizer', 'test.bin');
  if (!existsSync(testTokensPath)) {
    testTokensPath = join(work, 'test.bin');
    tokenFileFromRepoText(testTokensPath);
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(skip)('evaluateStudent (committed student vs teacher, 2,048 tokens, 4 prompts)', () => {
  let result: EvalResult;
  const progress: [number, number][] = [];

  beforeAll(async () => {
    result = await evaluateStudent(options({ onProgress: (done, total) => progress.push([done, total]) }));
  }, 180_000);

  it('scores the student on the test slice within sane ranges, fp32 and int8 in ORT-web', () => {
    expect(result.testSplit).toMatchObject({ tokens: 2048, predictedTokens: 2047, windows: 8, contextLength: 256 });
    for (const v of [result.variants.fp32, result.variants.int8!]) {
      expect(v.runtime).toBe('onnxruntime-web');
      expect(v.testPerplexity).toBeGreaterThan(result.teacherScores.testPerplexity * 0.8);
      expect(v.testPerplexity).toBeLessThan(4096);
      expect(v.testTop1Accuracy).toBeGreaterThan(0.02);
      expect(v.testTop1Accuracy).toBeLessThan(0.6);
      expect(v.teacherTop1Agreement).toBeGreaterThan(0.2);
      expect(v.teacherTop1Agreement).toBeLessThan(1);
      expect(v.teacherKlNats).toBeGreaterThan(0.01);
      expect(v.teacherKlNats).toBeLessThan(5);
      expect(v.agreementByPosition).toHaveLength(8);
      expect(v.agreementByPosition.reduce((s, b) => s + b.tokens, 0)).toBe(2047);
      expect(v.agreementByPosition[7]).toMatchObject({ fromPosition: 224, toPosition: 255 });
      for (const x of [v.greedy.exactMatch, v.greedy.bleu4, v.greedy.rougeLF1]) expect(x).toBeGreaterThanOrEqual(0);
      for (const x of [v.greedy.exactMatch, v.greedy.bleu4, v.greedy.rougeLF1]) expect(x).toBeLessThanOrEqual(1);
      expect(v.greedy.meanMatchingPrefixTokens).toBeLessThanOrEqual(16);
      expect(v.decode.tokensPerS).toBeGreaterThan(10);
    }
    // int8 weights move the distribution a little, not a lot
    expect(Math.abs(result.variants.int8!.testPerplexity / result.variants.fp32.testPerplexity - 1)).toBeLessThan(0.1);
    expect(['fp32', 'int8']).toContain(result.fastest);
    expect(result.samples).toHaveLength(4);
    expect(result.student.modelSha256['model.int8.onnx']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes evaluation.json (the same object), removes its checkpoint, reports progress to the end', () => {
    expect(JSON.parse(readFileSync(join(work, 'eval', 'evaluation.json'), 'utf8'))).toEqual(result);
    expect(existsSync(checkpointPath(join(work, 'eval')))).toBe(false);
    expect(progress.at(-1)).toEqual([13, 13]); // 8 windows + 4 prompts + speed
  });

  it('resumes from its checkpoint after an interruption, with the same result', async () => {
    const outDir = join(work, 'resume');
    const stopAfter3 = (done: number) => {
      if (done === 3) throw new Error('interrupted');
    };
    await expect(evaluateStudent(options({ outDir, onProgress: stopAfter3, checkpointIntervalMs: 0 }))).rejects.toThrow('interrupted');
    expect(JSON.parse(readFileSync(checkpointPath(outDir), 'utf8')).windowsDone).toBe(3);
    const seen: number[] = [];
    const resumed = await evaluateStudent(options({ outDir, onProgress: (done) => seen.push(done) }));
    expect(seen[0]).toBe(3);
    const { decode: _a, ...fp32 } = resumed.variants.fp32;
    const { decode: _b, ...expected } = result.variants.fp32;
    expect(fp32).toEqual(expected);
  }, 180_000);
});

describe('evaluateStudent: options', () => {
  it('rejects sizes that are not positive integers before loading anything', async () => {
    await expect(evaluateStudent(options({ maxTestTokens: 0 }))).rejects.toThrow(/maxTestTokens must be a positive integer/);
    await expect(evaluateStudent(options({ continuationTokens: 1.5 }))).rejects.toThrow(/continuationTokens/);
  });
});

describe.skipIf(skip)('evaluateStudent: the teacher against itself (both on ORT-node)', () => {
  it('agrees on every token with KL 0, and continues every prompt identically', async () => {
    const r = await evaluateStudent(
      options({ studentDir: TEACHER, studentRuntime: 'node', outDir: join(work, 'self'), maxTestTokens: 1024 }),
    );
    const v = r.variants.fp32;
    expect(r.variants.int8).toBeNull();
    expect(v.runtime).toBe('onnxruntime-node');
    expect(v.teacherTop1Agreement).toBe(1);
    expect(v.teacherKlNats).toBe(0);
    expect(v.testPerplexity).toBeCloseTo(r.teacherScores.testPerplexity, 9);
    expect(v.greedy).toMatchObject({ exactMatch: 1, bleu4: 1, rougeLF1: 1 });
  }, 180_000);
});
