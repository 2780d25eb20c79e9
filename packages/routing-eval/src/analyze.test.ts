import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { learnedRouterModelSchema } from '@distillgate/config';
import { describe, expect, it } from 'vitest';
import { expectWellFormedSvg } from '../../distill/src/report/svg-check.ts';
import { analyze } from './analyze.ts';
import { seededUniform } from './bootstrap.ts';
import { DEFAULT_PRICES } from './costs.ts';
import { operatingPoint } from './operating-point.ts';
import type { PairRecord } from './record.ts';
import { type RunInfo, writeReport } from './report.ts';

/** Synthetic records: the student's confidence (maxProb) tracks its quality, plus noise. */
function records(n: number, split: 'train' | 'eval', seed: number): PairRecord[] {
  const random = seededUniform(seed);
  return Array.from({ length: n }, (_, i) => {
    const q = random();
    const p = Math.min(0.999, Math.max(0.001, q + 0.2 * (random() - 0.5)));
    const tokens = 4;
    return {
      id: `${split}${i}`,
      doc: `d${i}`,
      split,
      prompt: `prompt number ${i} ${'x'.repeat(i % 7)}`,
      promptTokens: 5 + (i % 9),
      student: {
        tokens,
        text: 'a b c d',
        steps: Array.from({ length: tokens }, () => [p, 1 - p, p / 2] as [number, number, number]),
        prefillMs: 1,
        decodeMs: 3,
        cpuMs: 10,
        cpuMsAtToken: [4, 6, 8, 10],
      },
      teacher: { tokens, completionTokens: 5, text: 'a b c e', meanLogprob: -1 },
      quality: { q, rougeL: q > 0.5 ? 0.75 : 0.25, agreement: q > 0.8 ? 1 : 0 },
    };
  });
}

const ctx = { prices: DEFAULT_PRICES, teacherTokensPerS: 100, probeTokens: 2, maxTokens: 4, resamples: 200, seed: 1 };

describe('operatingPoint', () => {
  it('calibrates on train and applies the threshold to eval', () => {
    const q = [1, 1, 0.5, 0];
    const outcomes = { q: { edge: q, escalated: [1, 1, 1, 1] } };
    const op = operatingPoint(
      {
        policy: 'p',
        trainScores: [4, 3, 2, 1],
        trainQ: q,
        evalScores: [4, 3, null, 1],
        evalOutcomes: { q: outcomes.q, rouge_l: outcomes.q, agreement: outcomes.q, cost: { edge: [1, 1, 1, 1], escalated: [3, 3, 3, 3] } },
      },
      { target: 0.95, resamples: 100 },
    );
    expect(op.threshold).toBe(3);
    expect(op.eval.edgeShare.value).toBe(0.5);
    expect(op.eval.q.value).toBe(1);
    expect(op.eval.cost.value).toBe(2);
  });
});

describe('analyze + writeReport', () => {
  const a = analyze(records(150, 'train', 1), records(200, 'eval', 2), ctx);

  it('ranks a confidence that tracks quality above random, below the oracle', () => {
    const auc = (name: string) => a.curves.find((c) => c.name === name)!.auc.q.value;
    const cascade = `cascade (${a.bestSignal.signal})`;
    expect(auc(cascade)).toBeGreaterThan(auc('random'));
    expect(auc('oracle')).toBeGreaterThanOrEqual(auc(cascade));
    expect(a.operatingPoints).toHaveLength(2);
    expect(a.cost.teacherOnlyPer1kMicroUsd).toBeGreaterThan(a.cost.edgeOnlyPer1kMicroUsd);
    expect(typeof a.target.met).toBe('boolean');
  });

  it('writes the report, charts, summary and a config-valid learned model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'routing-report-'));
    try {
      const run: RunInfo = {
        command: 'test',
        runDir: dir,
        startedAt: '2026-01-01T00:00:00Z',
        elapsedMs: 1000,
        measureMs: 1000,
        promptSource: 'synthetic',
        promptSetSha256: '0'.repeat(64),
        studentModel: 's@1',
        teacherModel: 't@1',
        maxTokens: 4,
        probeTokens: 2,
        resamples: 200,
        seed: 1,
        prices: DEFAULT_PRICES,
        throughput: {
          tokensPerS: 100,
          completionTokens: 100,
          requests: 20,
          wallMs: 1000,
          cpuMs: 900,
          concurrency: 16,
          maxTokens: 4,
          executionProvider: 'cpu',
        },
      };
      await writeReport(dir, a, run, records(200, 'eval', 2));
      const report = await readFile(join(dir, 'REPORT.md'), 'utf8');
      expect(report).toContain('## Target check');
      expect(report).toMatch(/\*\*Target (met|not met)\.\*\*/);
      expect(report).not.toMatch(/NaN|undefined/);
      for (const svg of ['quality-q.svg', 'quality-rouge-l.svg', 'quality-agreement.svg', 'cost-quality.svg'])
        expectWellFormedSvg(await readFile(join(dir, svg), 'utf8'));
      const model = JSON.parse(await readFile(join(dir, 'learned-router.json'), 'utf8'));
      expect(learnedRouterModelSchema.safeParse(model).success).toBe(true);
      const summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
      expect(summary.analysis.curves[0].points).toHaveLength(21);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
