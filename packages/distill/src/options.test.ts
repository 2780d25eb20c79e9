import { describe, expect, it } from 'vitest';
import { distillStages } from './job.ts';
import { parseOptions, SEQ_LEN, SMOKE_TRAIN_OVERRIDES, STAGE_NAMES } from './options.ts';
import { nextPatch } from './paths.ts';

const env = { DISTILLGATE_CACHE: '/tmp/dg-cache' };

describe('parseOptions', () => {
  it('defaults: the full run, the next student patch version, the cache run folder', () => {
    const o = parseOptions([], env)!;
    expect(o).toMatchObject({
      tokenBudget: 4_000_000,
      k: 20,
      concurrency: 4,
      continuationShare: 0.3,
      testShare: 0.1,
      canaryShare: 0.1,
      smoke: false,
    });
    expect(o.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(o.runDir).toBe(`/tmp/dg-cache/distill/student-${o.version}`);
    expect(o.publishSandbox).toBe(false);
    expect(distillStages(o, {}).map((s) => s.name)).toEqual([...STAGE_NAMES]);
  });

  it('refuses numbers in other notations and a --version that is live already (before any stage runs)', () => {
    for (const bad of [
      ['--k', '0x10'],
      ['--k', ' 5'],
      ['--token-budget', '1e7'],
      ['--concurrency', ''],
    ]) {
      expect(() => parseOptions(bad, env), bad.join(' ')).toThrow(/must be/);
    }
    const live = parseOptions([], env)!.version.replace(/\.(\d+)$/, (_, p: string) => `.${Number(p) - 1}`);
    expect(() => parseOptions(['--version', live], env)).toThrow(/live version already/);
    expect(parseOptions(['--version', live, '--smoke'], env)?.version).toBe(live); // the sandbox may reuse it
  });

  it('--smoke: tiny sizes, few training steps, a publish sandbox; user --set comes after', () => {
    const o = parseOptions(['--smoke', '--set', 'kd.alpha=0.7', 'extra.txt', '--prompts', 'p.txt'], env)!;
    expect(o).toMatchObject({ tokenBudget: 64 * SEQ_LEN, runName: 'smoke', publishSandbox: true, promptFiles: ['p.txt', 'extra.txt'] });
    expect(o.trainOverrides).toEqual([...SMOKE_TRAIN_OVERRIDES, 'kd.alpha=0.7']);
  });

  it('refuses bad values with the flag named', () => {
    expect(() => parseOptions(['--k', '21'], env)).toThrow(/--k must be an integer from 1 to 20/);
    expect(() => parseOptions(['--continuation-share', '1'], env)).toThrow(/--continuation-share/);
    expect(() => parseOptions(['--until', 'nope'], env)).toThrow(/--until must be one of prompts, teacher/);
    expect(() => parseOptions(['--token-budget', '10'], env)).toThrow(/--token-budget/);
    expect(() => parseOptions(['--teacher-url', 'localhost:8000'], env)).toThrow(/http/);
    expect(() => parseOptions(['--bogus'], env)).toThrow();
    expect(parseOptions(['--help'], env)).toBeNull();
  });

  it('next patch version', () => {
    expect(nextPatch('0.1.0')).toBe('0.1.1');
    expect(nextPatch('2.9.9-rc.1')).toBe('2.9.10');
    expect(() => nextPatch('v1')).toThrow();
  });
});
