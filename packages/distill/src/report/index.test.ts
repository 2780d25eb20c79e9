import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeEvalResult } from '../evaluate/eval-fixture.ts';
import { CHART_FILES, parseTrainLog, writeReport } from './index.ts';
import { expectWellFormedSvg } from './svg-check.ts';

/** distill.py's log lines: progress every 10 steps, eval at 0 and 20, a resumed stretch repeating step 20. */
const LOG = [
  '{"t":1,"event":"distill.start","step":0,"total_steps":30}',
  '{"t":2,"event":"distill.eval","step":0,"tokens":0,"val_loss":8.3}',
  '{"t":3,"event":"distill.progress","step":10,"tokens":20480,"loss":6.1,"kd_loss":5.0,"ce_loss":7.2,"agreement":0.2,"lr":0.0002,"tokens_per_s":1200}',
  '{"t":4,"event":"distill.progress","step":20,"tokens":40960,"loss":5.5,"kd_loss":4.4,"ce_loss":6.6,"agreement":0.3,"lr":0.0004,"tokens_per_s":1210}',
  'not json',
  '{"t":5,"event":"distill.progress","step":20,"tokens":40960,"loss":5.4,"kd_loss":4.3,"ce_loss":6.5,"agreement":0.31,"lr":0.0004,"tokens_per_s":1190}',
  '{"t":6,"event":"distill.eval","step":20,"tokens":40960,"val_loss":5.9,"train_loss":5.4}',
  '{"t":7,"event":"distill.progress","step":30,"tokens":61440,"loss":5.0,"kd_loss":4.0,"ce_loss":6.0,"agreement":0.35,"lr":0.0006,"tokens_per_s":1220}',
].join('\n');

let runDir: string;
beforeEach(() => {
  runDir = mkdtempSync(join(tmpdir(), 'distill-report-'));
});
afterEach(() => rmSync(runDir, { recursive: true, force: true }));

describe('parseTrainLog', () => {
  it('keeps the last entry per step, reads val entries, counts bad lines', () => {
    const log = parseTrainLog(LOG);
    expect(log.progress.map((p) => [p.step, p.tokens, p.loss])).toEqual([
      [10, 20480, 6.1],
      [20, 40960, 5.4],
      [30, 61440, 5.0],
    ]);
    expect(log.val).toEqual([
      { step: 0, tokens: 0, valLoss: 8.3 },
      { step: 20, tokens: 40960, valLoss: 5.9 },
    ]);
    expect(log.badLines).toBe(1);
  });

  it("reads train.py's shape too (tokens_seen; eval entries without tokens)", () => {
    const log = parseTrainLog(
      '{"event":"train.progress","step":10,"loss":7.0,"tokens_seen":20480,"lr":0.001}\n{"event":"train.eval","step":20,"val_loss":6.5}',
    );
    expect(log.progress[0]).toMatchObject({ step: 10, tokens: 20480, loss: 7, kdLoss: null });
    expect(log.val).toEqual([{ step: 20, tokens: 40960, valLoss: 6.5 }]);
  });
});

describe('writeReport', () => {
  const stages = [
    { stage: 'collect', complete: true, attempts: 1, elapsedMs: 12_300, finishedAt: '2026-11-29T12:00:00Z' },
    { stage: 'train', complete: true, attempts: 2, elapsedMs: 3_725_000 },
    { stage: 'publish', status: 'skipped' },
  ];

  it('writes report.md referencing three well-formed Vega SVG charts, with every metric beside the baseline', async () => {
    writeFileSync(join(runDir, 'log.jsonl'), LOG);
    const evaluation = fakeEvalResult({ agreement: 0.66, perplexity: 118 });
    const baseline = fakeEvalResult({ agreement: 0.6, perplexity: 120, studentId: 'distillgate-student@0.1.0' });
    const path = await writeReport({ runDir, evaluation, baseline, trainLogPath: join(runDir, 'log.jsonl'), stages });
    expect(path).toBe(join(runDir, 'report.md'));
    const md = readFileSync(path, 'utf8');
    for (const chart of Object.values(CHART_FILES)) {
      expect(md).toContain(`](${chart})`);
      expectWellFormedSvg(readFileSync(join(runDir, chart), 'utf8'));
    }
    const chart = (name: keyof typeof CHART_FILES) => readFileSync(join(runDir, CHART_FILES[name]), 'utf8');
    for (const text of ['Training loss', 'total loss', 'kd_loss', 'ce_loss', 'validation CE', 'training tokens', 'loss (nats per token)'])
      expect(chart('loss')).toContain(`>${text}</text>`);
    for (const text of [
      'student fp32',
      'student int8',
      'baseline 0.1.0',
      'agreement (%)',
      'position in the 256-token window (bucket midpoint)',
    ])
      expect(chart('agreement')).toContain(`>${text}</text>`);
    for (const text of ['fp32 model.onnx', 'int8 model.int8.onnx', 'test perplexity', 'KL (nats/token)', 'decode tokens/s', '118.0'])
      expect(chart('fp32Int8')).toContain(`>${text}</text>`);
    expect(md).toContain(
      '| metric | student fp32 | student int8 | baseline fp32 (distillgate-student@0.1.0) | baseline int8 | Δ fp32 vs baseline |',
    );
    expect(md).toMatch(/\| top-1 agreement with teacher \| 66\.0 % \| 65\.5 % \| 60\.0 % \| 59\.5 % \| \+6\.0 pp \|/);
    expect(md).toMatch(/\| test perplexity \| 118\.00 \| .* \| 120\.00 \| .* \| −2\.00 \|/);
    expect(md).toContain('| train | complete | 2 | 62 min 5 s |');
    expect(md).toContain('| publish | skipped |');
    expect(md).toContain('Fastest decoding in onnxruntime-web: **fp32**');
    // model text: quoted, pipes escaped, newlines visible, one table row per sample
    expect(md).toContain('`" the king \\| of"`');
    expect(md).toContain('`" the king\\nof"`');
    expect(md).toContain('1 log lines were not JSON');
    expect(md).not.toContain('**Note:**');
    const other = fakeEvalResult({ testSha256: 'slice-2' });
    await writeReport({ runDir, evaluation, baseline: other, trainLogPath: join(runDir, 'log.jsonl'), stages });
    expect(readFileSync(path, 'utf8')).toContain('the baseline was measured on other test tokens');
  });

  it('without a training log or baseline: no loss chart, a note instead; fp32-only evaluations work', async () => {
    const evaluation = fakeEvalResult({ int8: false });
    await writeReport({ runDir, evaluation, trainLogPath: join(runDir, 'missing.jsonl'), stages: [] });
    const md = readFileSync(join(runDir, 'report.md'), 'utf8');
    expect(existsSync(join(runDir, CHART_FILES.loss))).toBe(false);
    expect(md).toContain('_No training log entries');
    expect(md).not.toContain('baseline');
    expect(md).toContain('| student int8 |');
    expect(md).toContain('No int8 graph');
    const bars = readFileSync(join(runDir, CHART_FILES.fp32Int8), 'utf8');
    expectWellFormedSvg(bars);
    expect(bars).toContain('>n/a</text>');
  });
});
