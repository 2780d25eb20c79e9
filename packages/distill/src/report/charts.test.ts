import { describe, expect, it } from 'vitest';
import { fakeEvalResult } from '../evaluate/eval-fixture.ts';
import { agreementSpec, fp32Int8Spec, lossChart, lossSpec } from './charts.ts';
import { expectWellFormedSvg } from './svg-check.ts';
import type { TrainLog } from './train-log.ts';

/** The inline data rows of a spec built by charts.ts. */
const rows = (spec: object) => (spec as { data: { values: Record<string, unknown>[] } }).data.values;

const point = (step: number, tokens: number, loss: number | null) => ({
  step,
  tokens,
  loss,
  kdLoss: loss === null ? null : loss - 1,
  ceLoss: null,
  agreement: null,
  lr: null,
  tokensPerS: null,
});

describe('report charts (Vega-Lite specs)', () => {
  it('loss: drops non-finite points, dots the sparse validation series and single points, dashes validation', () => {
    const log: TrainLog = {
      progress: [point(10, 1000, 6), point(20, Number.NaN, 5.5), point(30, 3000, null), point(40, 4000, 5)],
      val: [{ step: 20, tokens: 2000, valLoss: 5.8 }],
      badLines: 0,
    };
    const spec = lossSpec(log);
    const data = rows(spec);
    expect(data.filter((r) => r.series === 'total loss').map((r) => r.x)).toEqual([1000, 4000]);
    expect(data.some((r) => r.series === 'ce_loss')).toBe(false);
    expect(data.filter((r) => r.dot).map((r) => r.series)).toEqual(['validation CE']);
    const dash = JSON.stringify(spec).match(/"strokeDash":\{[^}]*"scale":\{"domain":(\[[^\]]*\]),"range":(\[.*?\]\])/);
    expect(JSON.parse(dash![1]!)).toEqual(['total loss', 'kd_loss', 'validation CE']);
    expect(JSON.parse(dash![2]!)).toEqual([
      [1, 0],
      [1, 0],
      [6, 4],
    ]);
  });

  it('agreement: a series per graph plus the baseline (dashed), in percent', () => {
    const e = fakeEvalResult({ agreement: 0.5 });
    const spec = agreementSpec(e, fakeEvalResult({ studentId: 'distillgate-student@0.1.0' }));
    const data = rows(spec);
    expect([...new Set(data.map((r) => r.series))]).toEqual(['student fp32', 'student int8', 'baseline 0.1.0']);
    expect(data[0]).toEqual({ x: 15.5, y: 40, series: 'student fp32', dot: true });
    expect(JSON.stringify(spec)).toContain('"range":[[1,0],[1,0],[6,4]]');
  });

  it('fp32 vs int8: four panels, each with label headroom; a missing int8 graph reads n/a', () => {
    const spec = fp32Int8Spec(fakeEvalResult({ int8: false })) as { hconcat: { title: { text: string } }[] };
    expect(spec.hconcat.map((p) => p.title.text)).toEqual(['test perplexity', 'agreement (%)', 'KL (nats/token)', 'decode tokens/s']);
    expect(
      rows(spec)
        .filter((r) => r.graph === 'int8 model.int8.onnx')
        .map((r) => [r.value, r.label]),
    ).toEqual(Array(4).fill([null, 'n/a']));
    const domainMax = JSON.stringify(spec.hconcat[3]).match(/"domainMax":([\d.]+)/)![1];
    expect(Number(domainMax)).toBeCloseTo(1.15 * 1500); // decode speed: fp32's 1500 tokens/s plus 15 %
  });

  it('renders an empty log as a finite, well-formed frame that says "no data"', async () => {
    const svg = await lossChart({ progress: [], val: [], badLines: 0 });
    expectWellFormedSvg(svg);
    expect(svg).toContain('>no data</text>');
  });
});
