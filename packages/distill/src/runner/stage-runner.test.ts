import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readStageRecord, runStages, type Stage, type StageContext } from './stage-runner.ts';

let root: string;
let input: string;
const lines: string[] = [];
const write = (line: string) => lines.push(line);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'distill-runner-'));
  input = join(root, 'input.txt');
  writeFileSync(input, 'abc');
  lines.length = 0;
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A stage that counts its runs and copies the input upper-cased; `failAt` makes it stop part-way. */
function upper(runs: { n: number; resumed: boolean[] }, opts: { failAfterHalf?: boolean; param?: number } = {}): Stage {
  return {
    name: 'upper',
    description: 'upper-case the input, one character per step (checkpointed)',
    inputs: () => ({ files: [input], params: { param: opts.param ?? 1 } }),
    async run(ctx: StageContext) {
      runs.n++;
      runs.resumed.push(ctx.resume);
      const text = await readFile(input, 'utf8');
      const ckpt = join(ctx.dir, 'partial.txt');
      let done = ctx.resume ? await readFile(ckpt, 'utf8').catch(() => '') : '';
      while (done.length < text.length) {
        done += text[done.length]!.toUpperCase();
        await writeFile(ckpt, done);
        if (opts.failAfterHalf && done.length >= text.length / 2) throw new Error('interrupted');
      }
      return { text: done };
    },
  };
}

const after: Stage = {
  name: 'after',
  description: 'reads upper',
  inputs: () => ({ after: ['upper'] }),
  async run(ctx) {
    return { got: ctx.output('upper').text };
  },
};

describe('runStages', () => {
  it('runs each stage once, records complete: true, then skips while inputs are unchanged', async () => {
    const runs = { n: 0, resumed: [] as boolean[] };
    const first = await runStages([upper(runs), after], { runDir: root, write });
    expect(first.map((r) => r.outcome)).toEqual(['completed', 'completed']);
    expect(first[1]!.record.summary).toEqual({ got: 'ABC' });
    const rec = await readStageRecord(join(root, 'upper'));
    expect(rec).toMatchObject({ stage: 'upper', complete: true, attempts: 1, summary: { text: 'ABC' } });
    expect(rec!.inputs.files[input]).toMatch(/^[0-9a-f]{64}$/);

    const second = await runStages([upper(runs), after], { runDir: root, write });
    expect(second.map((r) => r.outcome)).toEqual(['skipped', 'skipped']);
    expect(runs.n).toBe(1);
    expect(readFileSync(join(root, 'upper', 'stage.log.jsonl'), 'utf8')).toContain('"event":"stage.skip"');
    expect(lines.every((l) => JSON.parse(l).t)).toBe(true);
  });

  it('re-runs a stage (and what follows) when an input file or parameter changes', async () => {
    const runs = { n: 0, resumed: [] as boolean[] };
    await runStages([upper(runs), after], { runDir: root, write });
    writeFileSync(input, 'xyz');
    const again = await runStages([upper(runs), after], { runDir: root, write });
    expect(again.map((r) => r.outcome)).toEqual(['completed', 'completed']);
    expect(again[1]!.record.summary).toEqual({ got: 'XYZ' });
    const param = await runStages([upper(runs, { param: 2 }), after], { runDir: root, write });
    expect(param.map((r) => r.outcome)).toEqual(['completed', 'skipped']); // same output: downstream unchanged
    expect(runs.resumed).toEqual([false, false, false]);
  });

  it('resumes an incomplete stage from its own checkpoint, keeping the folder', async () => {
    writeFileSync(input, 'abcdef');
    const runs = { n: 0, resumed: [] as boolean[] };
    await expect(runStages([upper(runs, { failAfterHalf: true }), after], { runDir: root, write })).rejects.toThrow('interrupted');
    expect(await readStageRecord(join(root, 'upper'))).toMatchObject({ complete: false, attempts: 1 });
    expect(readFileSync(join(root, 'upper', 'partial.txt'), 'utf8')).toBe('ABC');
    expect(lines.some((l) => l.includes('stage.failed'))).toBe(true);

    const done = await runStages([upper(runs), after], { runDir: root, write });
    expect(runs.resumed).toEqual([false, true]);
    expect(done[0]!.record).toMatchObject({ complete: true, attempts: 2, summary: { text: 'ABCDEF' } });
  });

  it('starts afresh when the inputs of an incomplete stage changed', async () => {
    writeFileSync(input, 'abcdef');
    const runs = { n: 0, resumed: [] as boolean[] };
    await expect(runStages([upper(runs, { failAfterHalf: true })], { runDir: root, write })).rejects.toThrow();
    const done = await runStages([upper(runs, { param: 3 })], { runDir: root, write });
    expect(runs.resumed).toEqual([false, false]);
    expect(done[0]!.record.attempts).toBe(1);
  });

  it('--from forces a stage and the later ones; --until stops early', async () => {
    const runs = { n: 0, resumed: [] as boolean[] };
    const untilFirst = await runStages([upper(runs), after], { runDir: root, write, until: 'upper' });
    expect(untilFirst.map((r) => r.stage)).toEqual(['upper']);
    await runStages([upper(runs), after], { runDir: root, write });
    const forced = await runStages([upper(runs), after], { runDir: root, write, from: 'upper' });
    expect(forced.map((r) => r.outcome)).toEqual(['completed', 'completed']);
    expect(runs.n).toBe(2);
    await expect(runStages([upper(runs)], { runDir: root, write, from: 'nope' })).rejects.toThrow(/no such stage/);
  });

  it('stops at an abort, leaving the stage incomplete', async () => {
    const ac = new AbortController();
    const stage: Stage = {
      name: 'slow',
      description: 'waits for the abort',
      inputs: () => ({}),
      run: (ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          ac.abort(new Error('SIGINT'));
        }),
    };
    await expect(runStages([stage], { runDir: root, write, signal: ac.signal })).rejects.toThrow('SIGINT');
    expect((await readStageRecord(join(root, 'slow')))?.complete).toBe(false);
    expect(lines.some((l) => l.includes('stage.interrupted'))).toBe(true);
  });
});
